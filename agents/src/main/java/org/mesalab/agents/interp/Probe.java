package org.mesalab.agents.interp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * A linear probe: ridge regression onto the one-hot classes (one-vs-rest, argmax to predict), on
 * standardized features with a bias. The ridge penalty is chosen from {@link #LAMBDAS} on a fifth of the
 * fitting levels held out by level (so a probe cannot win by memorizing a level), then refitted on all of
 * them. Closed form through EJML, so a fit is deterministic and takes seconds for thousands of samples.
 */
public final class Probe {
    static final double[] LAMBDAS = {0.1, 1, 10, 100, 1000, 10000};
    /** Wider layers would need the dual form; none of mesalab's networks comes near. */
    public static final int MAX_FEATURES = 8192;

    private Probe() {
    }

    /**
     * How well a probe fitted on one set of samples predicts another.
     *
     * @param accuracy share of scored samples classified right (a class never seen in fitting counts as wrong)
     * @param chance   the share a constant guess (the fitting set's most frequent class) gets right
     * @param classes  distinct classes in the fitting set
     */
    public record Fit(double accuracy, double chance, int fitSamples, int scoreSamples, int classes, double lambda) {
    }

    /** One sample set: features per sample, the class of each ({@code -1}: no label, skipped) and its level (for the held-out choice of lambda). */
    public record Data(float[][] x, int[] y, int[] level) {
        Data keep(java.util.function.IntPredicate which) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < y.length; i++) {
                if (y[i] >= 0 && which.test(i)) {
                    idx.add(i);
                }
            }
            float[][] xs = new float[idx.size()][];
            int[] ys = new int[idx.size()];
            int[] ls = new int[idx.size()];
            for (int k = 0; k < idx.size(); k++) {
                xs[k] = x[idx.get(k)];
                ys[k] = y[idx.get(k)];
                ls[k] = level[idx.get(k)];
            }
            return new Data(xs, ys, ls);
        }
    }

    public static Fit fit(Data fitSet, Data scoreSet) {
        Data fit = fitSet.keep(i -> true);
        Data score = scoreSet.keep(i -> true);
        if (fit.y().length == 0 || score.y().length == 0) {
            return new Fit(Double.NaN, Double.NaN, fit.y().length, score.y().length, 0, Double.NaN);
        }
        int d = fit.x()[0].length;
        if (d > MAX_FEATURES) {
            throw new IllegalArgumentException("layer of " + d + " features; the probe handles at most " + MAX_FEATURES);
        }
        Map<Integer, Integer> classes = new LinkedHashMap<>();
        for (int y : fit.y()) {
            classes.computeIfAbsent(y, k -> classes.size());
        }
        int majority = mostFrequent(fit.y());
        double chance = 0;
        for (int y : score.y()) {
            chance += y == majority ? 1 : 0;
        }
        chance /= score.y().length;
        double[] mean = new double[d];
        double[] std = new double[d];
        standardization(fit.x(), mean, std);
        // Lambda on held-out levels of the fitting set, then one fit on all of it.
        Data inner = fit.keep(i -> fit.level()[i] % 5 != 4);
        Data held = fit.keep(i -> fit.level()[i] % 5 == 4);
        double lambda = LAMBDAS[2];
        if (inner.y().length > 0 && held.y().length > 0) {
            DMatrixRMaj g = gram(inner.x(), mean, std);
            DMatrixRMaj b = cross(inner.x(), inner.y(), classes, mean, std);
            double best = -1;
            for (double l : LAMBDAS) {
                double acc = accuracy(solve(g, b, l), held, classes, mean, std);
                if (acc > best) {
                    best = acc;
                    lambda = l;
                }
            }
        }
        DMatrixRMaj w = solve(gram(fit.x(), mean, std), cross(fit.x(), fit.y(), classes, mean, std), lambda);
        return new Fit(accuracy(w, score, classes, mean, std), chance, fit.y().length, score.y().length, classes.size(), lambda);
    }

    private static int mostFrequent(int[] ys) {
        Map<Integer, Integer> n = new LinkedHashMap<>();
        int best = ys[0];
        for (int y : ys) {
            int c = n.merge(y, 1, Integer::sum);
            if (c > n.get(best)) {
                best = y;
            }
        }
        return best;
    }

    private static void standardization(float[][] x, double[] mean, double[] std) {
        int d = mean.length;
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= x.length;
        }
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                double v = row[j] - mean[j];
                std[j] += v * v;
            }
        }
        for (int j = 0; j < d; j++) {
            std[j] = Math.sqrt(std[j] / x.length);
            if (std[j] < 1e-8) {
                std[j] = 1; // a constant feature: centred to 0, it carries nothing
            }
        }
    }

    /** Standardized features with a trailing 1 for the bias. */
    private static DMatrixRMaj design(float[][] x, double[] mean, double[] std) {
        int d = mean.length;
        DMatrixRMaj m = new DMatrixRMaj(x.length, d + 1);
        double[] data = m.data;
        for (int i = 0; i < x.length; i++) {
            int o = i * (d + 1);
            for (int j = 0; j < d; j++) {
                data[o + j] = (x[i][j] - mean[j]) / std[j];
            }
            data[o + d] = 1;
        }
        return m;
    }

    private static DMatrixRMaj gram(float[][] x, double[] mean, double[] std) {
        DMatrixRMaj a = design(x, mean, std);
        DMatrixRMaj g = new DMatrixRMaj(a.numCols, a.numCols);
        CommonOps_DDRM.multInner(a, g);
        return g;
    }

    private static DMatrixRMaj cross(float[][] x, int[] y, Map<Integer, Integer> classes, double[] mean, double[] std) {
        DMatrixRMaj a = design(x, mean, std);
        DMatrixRMaj t = new DMatrixRMaj(x.length, classes.size());
        for (int i = 0; i < y.length; i++) {
            t.set(i, classes.get(y[i]), 1);
        }
        DMatrixRMaj b = new DMatrixRMaj(a.numCols, classes.size());
        CommonOps_DDRM.multTransA(a, t, b);
        return b;
    }

    /** Ridge weights {@code (G + lambda I) \ B}; the bias (last row) is not penalized. */
    private static DMatrixRMaj solve(DMatrixRMaj g, DMatrixRMaj b, double lambda) {
        DMatrixRMaj a = g.copy();
        for (int j = 0; j < a.numRows - 1; j++) {
            a.add(j, j, lambda);
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(a.numRows);
        DMatrixRMaj w = new DMatrixRMaj(b.numRows, b.numCols);
        if (!solver.setA(a)) { // singular without a penalty on the bias only when the data is degenerate: fall back to LU
            solver = LinearSolverFactory_DDRM.general(a.numRows, a.numCols);
            solver.setA(a);
        }
        solver.solve(b, w);
        return w;
    }

    private static double accuracy(DMatrixRMaj w, Data s, Map<Integer, Integer> classes, double[] mean, double[] std) {
        int[] label = new int[classes.size()];
        classes.forEach((y, c) -> label[c] = y);
        DMatrixRMaj a = design(s.x(), mean, std);
        DMatrixRMaj scores = new DMatrixRMaj(a.numRows, w.numCols);
        CommonOps_DDRM.mult(a, w, scores);
        int right = 0;
        for (int i = 0; i < a.numRows; i++) {
            int best = 0;
            for (int c = 1; c < w.numCols; c++) {
                if (scores.get(i, c) > scores.get(i, best)) {
                    best = c;
                }
            }
            right += label[best] == s.y()[i] ? 1 : 0;
        }
        return (double) right / a.numRows;
    }
}
