package org.mesalab.core.goodhart;

import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.Policy;
import org.mesalab.core.eval.Outcome;

/** Plays one episode from a saved start and scores it under a proxy and the gold. */
public final class Rollout {
    private final Proxy proxy;
    private final double[] gold;
    private final double discount;
    private final int[] counts = new int[Event.COUNT];

    public Rollout(Proxy proxy, Gold gold) {
        this.proxy = proxy;
        this.gold = gold.objective().rewardTable();
        this.discount = gold.discount();
    }

    /** Plays {@code policy} from {@code start}; {@code kl} is what the policy reports as its divergence, or NaN. */
    public Scored play(Env env, Env.Snapshot start, Policy policy, java.util.function.DoubleSupplier kl) {
        env.restore(start);
        java.util.Arrays.fill(counts, 0);
        double p = 0;
        double g = 0;
        double d = 1;
        while (!env.done()) {
            int ev = env.step(policy.act(env));
            p += proxy.reward(env, ev);
            g += d * gold[ev];
            d *= discount;
            Event.count(ev, counts);
        }
        return new Scored(p, g, Outcome.of(counts, env), kl == null ? Double.NaN : kl.getAsDouble(), env.steps() - start.steps());
    }
}
