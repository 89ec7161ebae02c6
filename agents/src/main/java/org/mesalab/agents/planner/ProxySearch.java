package org.mesalab.agents.planner;

import java.nio.file.Path;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.eval.Outcome;
import org.mesalab.core.goodhart.Gold;
import org.mesalab.core.goodhart.Scored;

/**
 * The essay's architecture as a Goodhart experiment: a trained planner's learned objective is the proxy and its
 * own search, with more and more simulations, the optimizer. The search acts greedily (no root noise, the most
 * visited or Gumbel-surviving action), so each pressure is one deterministic optimizer.
 *
 * <ul>
 * <li><b>Proxy</b> of an episode: the learned reward of every step taken, {@code g(h(o_t), a_t).reward}, summed
 * (what the search maximizes, before its discount and value bootstrap).</li>
 * <li><b>Gold</b>: the env's intended objective, discounted per step ({@link Gold}).</li>
 * <li><b>Divergence</b> from the base (the planner's own policy head): {@code -log prior(a_t | o_t)} summed over the
 * episode, the KL of the deterministic search policy from the prior on that episode.</li>
 * </ul>
 */
public final class ProxySearch {
    /** How a learned proxy is written: {@code learned:RUN_DIR}. */
    public static final String PREFIX = "learned:";
    /** Most simulations a pressure may ask for (as {@code --simulations}). */
    public static final long MAX_SIMULATIONS = 4096;

    private ProxySearch() {
    }

    /** One episode per level from {@code first} and per simulation budget: {@code [pressure index][level]}. */
    public static Scored[][] play(Path run, Distribution dist, long first, int levels, long[] simulations, Gold gold, long seed) {
        Scored[][] out = new Scored[simulations.length][];
        for (int k = 0; k < simulations.length; k++) {
            try (PlannerPolicy p = PlannerPolicy.load(run, "learned", "train", (int) simulations[k], seed, true)) {
                out[k] = play(p, dist, first, levels, gold);
            }
        }
        return out;
    }

    /** Plays the levels a batch of searches at a time, scoring each episode as it goes. */
    static Scored[] play(PlannerPolicy p, Distribution dist, long first, int levels, Gold gold) {
        double[] goldTable = gold.objective().rewardTable();
        Scored[] out = new Scored[levels];
        int batch = p.batchSize();
        for (int from = 0; from < levels; from += batch) {
            int n = Math.min(batch, levels - from);
            Env[] all = new Env[n];
            for (int i = 0; i < n; i++) {
                all[i] = dist.create();
                all[i].reset(dist.levelSeed(first + from + i));
            }
            double[] proxy = new double[n];
            double[] g = new double[n];
            double[] kl = new double[n];
            double[] discount = new double[n];
            java.util.Arrays.fill(discount, 1);
            int[][] counts = new int[n][Event.COUNT];
            Env[] running = new Env[n];
            int[] index = new int[n];
            int[] actions = new int[n];
            while (true) {
                int count = 0;
                for (int i = 0; i < n; i++) {
                    if (!all[i].done()) {
                        running[count] = all[i];
                        index[count++] = i;
                    }
                }
                if (count == 0) {
                    break;
                }
                p.act(running, count, actions);
                float[] reward = p.predict(p.represent(running, count), actions, count).reward();
                for (int k = 0; k < count; k++) {
                    int i = index[k];
                    kl[i] -= p.priorLogProb(k, actions[k]);
                    int ev = running[k].step(actions[k]);
                    proxy[i] += reward[k];
                    g[i] += discount[i] * goldTable[ev];
                    discount[i] *= gold.discount();
                    Event.count(ev, counts[i]);
                }
            }
            for (int i = 0; i < n; i++) {
                out[from + i] = new Scored(proxy[i], g[i], Outcome.of(counts[i], all[i]), kl[i], all[i].steps());
            }
        }
        return out;
    }
}
