package org.mesalab.core.goodhart;

import java.util.function.LongFunction;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Policy;

/**
 * Best-of-n: sample n whole episodes of a base policy from the same start, keep the one the proxy scores
 * highest. Pressure n costs KL(n) = log n - (n - 1) / n nats from the base policy (Gao et al. 2022's
 * analytic estimate). Episodes are sampled once per level, as many as the largest pressure; the choice at
 * pressure n is the best of the first n, so the curve over n is nested and costs one sweep.
 */
public final class BestOfN {
    private BestOfN() {
    }

    /**
     * On each of levels {@code startIndex ..} of {@code dist}, samples {@code pressures[last]} episodes from
     * the level's start and keeps, for every pressure n, the first of the highest proxy among the first n.
     * {@code base} builds the sampling policy of one level from its seed (a policy keeps its own random
     * stream across the level's samples). Returns {@code [pressure index][level]}.
     */
    public static Scored[][] run(Distribution dist, long startIndex, int levels, LongFunction<Policy> base, long[] pressures,
                                 Proxy proxy, Gold gold, long seed, int threads) {
        Scored[][] out = new Scored[pressures.length][levels];
        Levels.forEach(levels, threads, i -> {
            Env env = dist.create();
            env.reset(dist.levelSeed(startIndex + i));
            Env.Snapshot start = env.save();
            Rollout rollout = new Rollout(proxy, gold);
            Scored best = null;
            int next = 0;
            try (Policy policy = base.apply(Levels.seed(seed, startIndex + i, 1))) {
                for (long k = 1; next < pressures.length; k++) {
                    Scored s = rollout.play(env, start, policy, null);
                    if (best == null || s.proxy() > best.proxy()) {
                        best = s;
                    }
                    while (next < pressures.length && pressures[next] == k) {
                        out[next++][i] = best;
                    }
                }
            }
        });
        return out;
    }

    /** KL(best-of-n || base) = log n - (n - 1) / n nats. */
    public static double kl(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1");
        }
        return Math.log(n) - (n - 1.0) / n;
    }
}
