package org.mesalab.core.goodhart;

import java.util.function.LongFunction;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.EventExpression;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;

/**
 * Measures one Goodhart curve: optimize the proxy at each pressure on {@code levels} levels of a
 * distribution (and on {@code holdout} further levels for early stopping), score gold, summarise.
 */
public final class Goodhart {
    public static final String BEST_OF_N = "best-of-n";
    public static final String SEARCH = "search";
    public static final String OPTIMIZERS = BEST_OF_N + ", " + SEARCH;
    /** Largest best-of-n (a million whole episodes per level). */
    public static final long MAX_N = 1 << 20;
    /** Deepest search: the step limits of the envs are in the hundreds, and the values of every depth are kept (depth x states). */
    public static final long MAX_DEPTH = 1024;

    private Goodhart() {
    }

    /**
     * One curve's setup.
     *
     * @param first     index of the first level in the distribution (held-out levels start at
     *                  {@link org.mesalab.core.eval.Evaluator#HELD_OUT_START}); the holdout levels follow the curve's
     * @param proxySpec the proxy as written ({@code events:cheese+0.02*corner}, {@code model:x,y})
     * @param base      best-of-n's sampling policy for one level, from its seed (ignored by search, whose base is random)
     * @param baseName  the base's spec, for the record
     */
    public record Setup(Distribution dist, long first, String proxySpec, Proxy proxy, Gold gold, String optimizer, long[] pressures,
                        int levels, int holdout, LongFunction<Policy> base, String baseName, long seed, int threads) {
    }

    /**
     * An objective over events written as {@code events:EXPR}. {@code what} names it in the error:
     * {@code --proxy=X} on the command line, {@code proxy 'X'} in a spec.
     */
    public static Objective proxy(String spec, EnvType type, String what) {
        if (!spec.startsWith("events:")) {
            throw new UsageException(what + " is not known; allowed: events:EXPR (e.g. events:cheese+0.02*corner) or model:FEATURES (e.g. model:x,y)");
        }
        return EventExpression.parse(spec.substring("events:".length()), type);
    }

    /**
     * A proxy written as {@code events:EXPR} or {@code model:FEATURES[@KERNEL]} (a reward model fitted to the gold
     * reward of random walks on {@code train}'s levels, {@link RewardModel}).
     */
    public static Proxy proxy(String spec, Distribution train, Objective gold, long seed, String what) {
        if (spec.startsWith(RewardModel.PREFIX)) {
            return RewardModel.fit(spec, train, gold, seed, what);
        }
        return new Proxy.Events(proxy(spec, train.env(), what));
    }

    /** A Gaussian-process proxy's name on a curve: as written, with its pessimism when there is some. */
    public static String named(String proxy, double pessimism) {
        return pessimism == 0 ? proxy : proxy + " (mean - " + pessimism + " std)";
    }

    /** The allowed range of pressure values of an optimizer. */
    public static long[] range(String optimizer) {
        return switch (optimizer) {
            case BEST_OF_N -> new long[] {1, MAX_N};
            case SEARCH -> new long[] {0, MAX_DEPTH};
            default -> throw new UsageException("--optimizer=" + optimizer + " is not known; allowed: " + OPTIMIZERS);
        };
    }

    public static Curve measure(Setup s) {
        long[] p = s.pressures();
        Scored[][] main = score(s, s.first(), s.levels());
        Scored[][] held = s.holdout() > 0 ? score(s, s.first() + s.levels(), s.holdout()) : null;
        double[] kl = null;
        if (s.optimizer().equals(BEST_OF_N)) {
            kl = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                kl[i] = BestOfN.kl(p[i]);
            }
        }
        return Curve.of(s.optimizer(), s.proxySpec(), s.gold(), s.optimizer().equals(BEST_OF_N) ? "n" : "depth", p, main, kl, held, s.seed());
    }

    /** {@code [pressure index][level]} for levels {@code from .. from + count} of the distribution. */
    private static Scored[][] score(Setup s, long from, int count) {
        long[] p = s.pressures();
        if (s.optimizer().equals(SEARCH)) {
            int[] depths = new int[p.length];
            for (int i = 0; i < p.length; i++) {
                depths[i] = (int) p[i];
            }
            if (!(s.proxy() instanceof Proxy.Events events)) {
                throw new UsageException("proxy " + s.proxySpec() + " is a reward model, scored step by step, with no table to look ahead on; allowed: "
                        + "optimizer best-of-n");
            }
            return DepthSearch.play(s.dist(), from, count, depths, events.objective(), s.gold(), s.seed(), s.threads());
        }
        return BestOfN.run(s.dist(), from, count, s.base(), p, s.proxy(), s.gold(), s.seed(), s.threads());
    }
}
