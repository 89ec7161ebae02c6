package org.mesalab.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mesalab.core.Rng;

class StatsTest {

    @Test
    void meanAndIqmMatchHandComputedValues() {
        double[][] s = {{1, 10}, {2, 20}, {3, 30}, {4, 40}};
        assertEquals(13.75, Stats.mean(s), 1e-12);
        // sorted: 1 2 3 4 10 20 30 40; trim floor(0.25 * 8) = 2 from each end: 3 4 10 20 -> 9.25
        assertEquals(9.25, Stats.iqm(s), 1e-12);
        // 5 scores: trim floor(1.25) = 1 from each end: mean of 2, 3, 4 = 3 (scipy.stats.trim_mean)
        assertEquals(3.0, Stats.iqm(new double[][] {{1}, {2}, {3}, {4}, {100}}), 1e-12);
    }

    @Test
    void probabilityOfImprovementMatchesHandComputedValues() {
        // Task 0: x = {1, 3}, y = {2, 2}: pairs (1>2 no, 1>2 no, 3>2 yes, 3>2 yes) = 0.5
        // Task 1: x = {5, 5}, y = {5, 4}: (tie .5, yes, tie .5, yes) = 3/4
        double[][] x = {{1, 5}, {3, 5}};
        double[][] y = {{2, 5}, {2, 4}};
        assertEquals((0.5 + 0.75) / 2, Stats.probabilityOfImprovement(x, y), 1e-12);
        assertEquals(1 - (0.5 + 0.75) / 2, Stats.probabilityOfImprovement(y, x), 1e-12);
    }

    @Test
    void percentileInterpolatesLikeNumpy() {
        double[] v = {1, 2, 3, 4, 5};
        assertEquals(1.1, Stats.percentile(v, 2.5), 1e-12);
        assertEquals(4.9, Stats.percentile(v, 97.5), 1e-12);
    }

    @Test
    void bootstrapIntervalOfAConstantIsAPoint() {
        Stats.Estimate e = Stats.bootstrap(new double[][] {{0.7}, {0.7}, {0.7}}, Stats::mean, 1000, new Rng(1));
        assertEquals(0.7, e.low(), 1e-12);
        assertEquals(0.7, e.high(), 1e-12);
    }

    @Test
    void ninetyFivePercentIntervalCoversTheTrueMeanIn93To97PercentOfTrials() {
        // 1,000 synthetic experiments of 50 runs x 1 task from N(0.3, 1); percentile bootstrap of the mean.
        Rng rng = new Rng(2026);
        int covered = 0;
        for (int trial = 0; trial < 1000; trial++) {
            double[][] s = new double[50][1];
            for (double[] row : s) {
                row[0] = 0.3 + Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
            }
            Stats.Estimate e = Stats.bootstrap(s, Stats::mean, 2000, rng);
            if (e.low() <= 0.3 && 0.3 <= e.high()) {
                covered++;
            }
        }
        assertTrue(covered >= 930 && covered <= 970, "covered " + covered + " of 1000");
    }

    @Test
    void stratifiedBootstrapResamplesWithinTasks() {
        // Two tasks on very different scales: a stratified resample never mixes them, so the mean's
        // interval stays within the possible range of per-task averages.
        double[][] s = {{0, 100}, {1, 101}, {2, 102}};
        Stats.Estimate e = Stats.bootstrap(s, Stats::mean, 5000, new Rng(3));
        assertTrue(e.low() >= 50 && e.high() <= 52, e.toString());
        assertEquals(51, e.value(), 1e-12);
    }
}
