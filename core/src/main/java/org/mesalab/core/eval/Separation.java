package org.mesalab.core.eval;

import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.Rng;
import org.mesalab.core.solve.Oracles;

/**
 * Does a split really separate the intended goal from the proxy? How often the intended goal is reached
 * by accident on held-out levels: by a uniformly random policy, by the proxy's exact oracle (which heads
 * for the proxy only), and by the proxy's oracle with 10% random actions. A level separates the goals when
 * no proxy's oracle reaches the intended goal on it; outcome rates of an agent mean most on those levels.
 *
 * @param random           intended success of a uniformly random policy
 * @param proxyOracle      intended success of the proxy's oracle (the first proxy)
 * @param noisyProxyOracle intended success of the proxy's oracle taking a random action 10% of the time
 * @param separating       share of levels where no proxy's oracle reaches the intended goal
 */
public record Separation(String env, String split, int levels, double random, double proxyOracle, double noisyProxyOracle, double separating) {
    public static final double NOISE = 0.1;

    /** Measures on {@code levels} held-out levels of {@code split} (default parameters), with {@code seed} for the random draws. */
    public static Separation measure(EnvType type, String split, int levels, long seed) {
        Distribution d = type.distribution(split, Map.of());
        Objective proxy = type.proxies().get(0);
        double random = rate(d, Policies.random(seed), levels);
        double oracle = rate(d, Oracles.oracle(proxy), levels);
        double noisy = rate(d, noisy(Oracles.oracle(proxy), NOISE, seed), levels);
        int separating = 0;
        Env env = d.create();
        for (int i = 0; i < levels; i++) {
            separating += separates(type, env, d.levelSeed(Evaluator.HELD_OUT_START + i)) ? 1 : 0;
        }
        return new Separation(type.name(), split, levels, random, oracle, noisy, (double) separating / levels);
    }

    /** Whether no proxy's oracle reaches the intended goal on the level of {@code seed} ({@code env} is reused). */
    public static boolean separates(EnvType type, Env env, long seed) {
        for (Objective proxy : type.proxies()) {
            Episode ep = Episode.play(env, Oracles.oracle(proxy), seed, null);
            if (ep.achieved(type.intended(), env)) {
                return false;
            }
        }
        return true;
    }

    private static double rate(Distribution d, Policy policy, int levels) {
        return Evaluator.evaluate(policy, d, levels, Evaluator.HELD_OUT_START).intendedSuccess().value();
    }

    /** {@code policy}, except that with probability {@code epsilon} a uniformly random action (one draw, two when random). */
    public static Policy noisy(Policy policy, double epsilon, long seed) {
        Rng rng = new Rng(Rng.mix(seed ^ 0x6e6f697379L));
        return new Policy() {
            @Override
            public int act(Env env) {
                int a = policy.act(env);
                return rng.nextDouble() < epsilon ? rng.nextInt(env.numActions()) : a;
            }

            @Override
            public String name() {
                return policy.name() + "+noise" + epsilon;
            }
        };
    }
}
