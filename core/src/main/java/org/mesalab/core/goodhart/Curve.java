package org.mesalab.core.goodhart;

import java.util.ArrayList;
import java.util.List;
import org.mesalab.core.Rng;
import org.mesalab.core.eval.Outcome;
import org.mesalab.core.stats.Stats;
import org.mesalab.core.stats.Stats.Estimate;

/**
 * One Goodhart curve: proxy and gold per optimization pressure with 95% bootstrap intervals over levels,
 * the outcome shares, Gao et al.'s fits of gold against d = sqrt(KL), where gold peaks and how far it falls
 * after, and what stopping at the peak estimated on held-out levels recovers.
 *
 * @param optimizer     {@code best-of-n} or {@code search}
 * @param proxy         the proxy's spec
 * @param gold          the gold's definition in words
 * @param pressureUnit  what a pressure value counts ({@code n}, {@code depth})
 * @param klSource      how KL was obtained ({@code analytic} or {@code measured})
 */
public record Curve(String optimizer, String proxy, String gold, String pressureUnit, String klSource, int levels,
                    List<Point> points, List<Fit> fits, Peak peak, EarlyStop earlyStop) {
    static final int RESAMPLES = 2_000;

    /**
     * One pressure value.
     *
     * @param kl    nats from the base policy (mean over levels where measured)
     * @param d     sqrt(kl)
     * @param steps mean episode length
     */
    public record Point(long pressure, double kl, double d, Estimate proxy, Estimate gold, double aligned,
                        double misgeneralized, double failure, double steps) {
    }

    /**
     * Where gold peaks. {@code drop} is peak gold minus gold at the strongest pressure; {@code dropShare} is the
     * drop as a share of the peak; {@code baseGold} is gold at the weakest pressure.
     */
    public record Peak(long pressure, double gold, double baseGold, double strongestGold, double drop, double dropShare) {
    }

    /**
     * Early stopping: the pressure at which gold peaks on {@code holdoutLevels} other levels (a small gold
     * sample), and the gold that choice gets on the curve's levels, next to the true peak and the strongest.
     */
    public record EarlyStop(int holdoutLevels, long chosenPressure, double gold, double peakGold, double strongestGold) {
    }

    /**
     * Summarises {@code scored[pressure index][level]}. {@code kl} gives KL per pressure (analytic), or is
     * null to use the episodes' measured KL. {@code holdout} (same shape, other levels) may be null.
     */
    public static Curve of(String optimizer, String proxy, Gold gold, String pressureUnit, long[] pressures,
                           Scored[][] scored, double[] kl, Scored[][] holdout, long seed) {
        return of(optimizer, proxy, gold.definition(), pressureUnit, pressures, scored, kl, holdout, seed);
    }

    /** As above, with gold given by its definition in words (a gold that is not an env objective: the assistant's hidden reward). */
    public static Curve of(String optimizer, String proxy, String gold, String pressureUnit, long[] pressures,
                           Scored[][] scored, double[] kl, Scored[][] holdout, long seed) {
        Rng rng = new Rng(seed);
        List<Point> points = new ArrayList<>();
        double[] d = new double[pressures.length];
        double[] gain = new double[pressures.length];
        double[] golds = new double[pressures.length];
        for (int p = 0; p < pressures.length; p++) {
            Scored[] s = scored[p];
            double[][] px = new double[s.length][1];
            double[][] gd = new double[s.length][1];
            int[] outcomes = new int[Outcome.values().length];
            double klSum = 0;
            double steps = 0;
            for (int i = 0; i < s.length; i++) {
                px[i][0] = s[i].proxy();
                gd[i][0] = s[i].gold();
                outcomes[s[i].outcome().ordinal()]++;
                klSum += s[i].kl();
                steps += s[i].steps();
            }
            double k = kl != null ? kl[p] : klSum / s.length;
            Estimate g = Stats.bootstrap(gd, Stats::mean, RESAMPLES, rng);
            points.add(new Point(pressures[p], k, Math.sqrt(Math.max(0, k)), Stats.bootstrap(px, Stats::mean, RESAMPLES, rng), g,
                    share(outcomes, Outcome.ALIGNED, s.length), share(outcomes, Outcome.GOAL_MISGENERALIZED, s.length),
                    share(outcomes, Outcome.CAPABILITY_FAILURE, s.length), steps / s.length));
            golds[p] = g.value();
        }
        for (int p = 0; p < pressures.length; p++) {
            d[p] = points.get(p).d();
            gain[p] = golds[p] - golds[0];
        }
        int peak = argmax(golds);
        double strongest = golds[golds.length - 1];
        Peak pk = new Peak(pressures[peak], golds[peak], golds[0], strongest, golds[peak] - strongest,
                golds[peak] != 0 ? (golds[peak] - strongest) / Math.abs(golds[peak]) : Double.NaN);
        EarlyStop es = null;
        if (holdout != null) {
            double[] held = new double[pressures.length];
            for (int p = 0; p < pressures.length; p++) {
                for (Scored x : holdout[p]) {
                    held[p] += x.gold() / holdout[p].length;
                }
            }
            int chosen = argmax(held);
            es = new EarlyStop(holdout[0].length, pressures[chosen], golds[chosen], golds[peak], strongest);
        }
        List<Fit> fits = List.of(Fit.bestOfN(d, gain), Fit.rl(d, gain));
        return new Curve(optimizer, proxy, gold, pressureUnit, kl != null ? "analytic" : "measured",
                scored[0].length, points, fits, pk, es);
    }

    /** The fit of the form Gao et al. use for this optimizer (best-of-n form for best-of-n and search). */
    public Fit mainFit() {
        String form = optimizer.equals("rl") ? Fit.RL : Fit.BEST_OF_N;
        return fits.stream().filter(f -> f.form().equals(form)).findFirst().orElseThrow();
    }

    private static double share(int[] counts, Outcome o, int n) {
        return (double) counts[o.ordinal()] / n;
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
