package org.mesalab.core.stats;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;

/**
 * Aggregate statistics across training runs, following rliable (Agarwal et al. 2021, "Deep RL at the
 * Edge of the Statistical Precipice"). Scores are {@code [runs][tasks]}: one row per training seed,
 * one column per task (env or split). Intervals are percentile intervals of a stratified bootstrap:
 * runs are resampled with replacement independently within each task.
 */
public final class Stats {
    /** rliable's default number of bootstrap resamples. */
    public static final int RESAMPLES = 50_000;

    private Stats() {
    }

    /** The population standard deviation of a few estimates (a value ensemble's spread). */
    public static double std(float[] values) {
        double mean = 0;
        for (float v : values) {
            mean += v;
        }
        mean /= values.length;
        double sq = 0;
        for (float v : values) {
            sq += (v - mean) * (v - mean);
        }
        return Math.sqrt(sq / values.length);
    }

    /** Mean over all runs x tasks. */
    public static double mean(double[][] scores) {
        double s = 0;
        int n = 0;
        for (double[] row : scores) {
            for (double v : row) {
                s += v;
                n++;
            }
        }
        return s / n;
    }

    /**
     * Interquartile mean: the mean of the middle 50% of all runs x tasks scores, i.e. scipy's
     * {@code trim_mean(x, 0.25)}, which drops {@code floor(0.25 n)} scores from each end.
     */
    public static double iqm(double[][] scores) {
        double[] all = Arrays.stream(scores).flatMapToDouble(Arrays::stream).sorted().toArray();
        int cut = (int) Math.floor(0.25 * all.length);
        double s = 0;
        for (int i = cut; i < all.length - cut; i++) {
            s += all[i];
        }
        return s / (all.length - 2 * cut);
    }

    /** A point estimate with its 95% interval. */
    public record Estimate(double value, double low, double high) {
    }

    /**
     * The statistic with a 95% stratified-bootstrap percentile interval ({@code resamples} resamples,
     * draws from {@code rng}).
     */
    public static Estimate bootstrap(double[][] scores, ToDoubleFunction<double[][]> statistic, int resamples, Rng rng) {
        check(scores);
        if (resamples < 10) {
            throw new UsageException("resamples=" + resamples + " is too few; allowed: at least 10");
        }
        int runs = scores.length;
        int tasks = scores[0].length;
        double[] stats = new double[resamples];
        double[][] sample = new double[runs][tasks];
        for (int b = 0; b < resamples; b++) {
            for (int t = 0; t < tasks; t++) {
                for (int r = 0; r < runs; r++) {
                    sample[r][t] = scores[rng.nextInt(runs)][t];
                }
            }
            stats[b] = statistic.applyAsDouble(sample);
        }
        Arrays.sort(stats);
        return new Estimate(statistic.applyAsDouble(scores), percentile(stats, 2.5), percentile(stats, 97.5));
    }

    /** Linear-interpolated percentile of sorted values (numpy's default). */
    static double percentile(double[] sorted, double p) {
        double pos = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * Probability of improvement P(X > Y) (rliable): for each task, the Mann-Whitney statistic over all
     * pairs of runs, {@code P(x > y) + 0.5 P(x = y)}, then averaged over tasks. {@code x} and {@code y}
     * are {@code [runs][tasks]} with the same tasks (run counts may differ).
     */
    public static double probabilityOfImprovement(double[][] x, double[][] y) {
        check(x);
        check(y);
        int tasks = x[0].length;
        if (y[0].length != tasks) {
            throw new IllegalArgumentException("x has " + tasks + " tasks, y " + y[0].length);
        }
        double total = 0;
        for (int t = 0; t < tasks; t++) {
            double s = 0;
            for (double[] xr : x) {
                for (double[] yr : y) {
                    s += xr[t] > yr[t] ? 1 : xr[t] == yr[t] ? 0.5 : 0;
                }
            }
            total += s / (x.length * y.length);
        }
        return total / tasks;
    }

    /** P(X > Y) with a 95% interval from resampling the runs of both conditions within each task. */
    public static Estimate probabilityOfImprovement(double[][] x, double[][] y, int resamples, Rng rng) {
        double[] stats = new double[resamples];
        double[][] xs = new double[x.length][x[0].length];
        double[][] ys = new double[y.length][y[0].length];
        for (int b = 0; b < resamples; b++) {
            for (int t = 0; t < x[0].length; t++) {
                for (int r = 0; r < x.length; r++) {
                    xs[r][t] = x[rng.nextInt(x.length)][t];
                }
                for (int r = 0; r < y.length; r++) {
                    ys[r][t] = y[rng.nextInt(y.length)][t];
                }
            }
            stats[b] = probabilityOfImprovement(xs, ys);
        }
        Arrays.sort(stats);
        return new Estimate(probabilityOfImprovement(x, y), percentile(stats, 2.5), percentile(stats, 97.5));
    }

    private static void check(double[][] scores) {
        if (scores.length == 0 || scores[0].length == 0) {
            throw new UsageException("no scores: need at least one run and one task");
        }
        for (double[] row : scores) {
            if (row.length != scores[0].length) {
                throw new IllegalArgumentException("every run needs a score for every task");
            }
        }
    }
}
