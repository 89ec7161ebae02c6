package org.mesalab.core.gp;

import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;

/**
 * Exact Gaussian-process regression, Rasmussen and Williams (2006) Algorithm 2.1:
 * {@code L = cholesky(K + alpha I)}, {@code a = L^T \ (L \ y)}, predictive mean {@code k*^T a},
 * variance {@code k(x*, x*) - |L \ k*|^2}, and log marginal likelihood
 * {@code -1/2 y^T a - sum log L_ii - n/2 log 2 pi}. Its gradient with respect to the log
 * hyperparameters is {@code 1/2 tr((a a^T - K^-1) dK/dtheta)} (eq. 5.9).
 *
 * <p>{@code alpha} is scikit-learn's: a fixed variance added to the diagonal (observation noise; its
 * default 1e-10 only stabilizes). When the matrix is still not positive definite (duplicate inputs
 * without noise), jitter is added in growing steps and reported in {@link #warnings()}; if even 1e-4
 * times the mean diagonal does not help, a {@link UsageException} says so.
 */
public final class GaussianProcess {
    public static final double DEFAULT_ALPHA = 1e-10;

    /**
     * Predictive mean and standard deviation of the latent function at one input, and the prior's standard
     * deviation there (what the std would be with no data): their ratio is how unfamiliar the input is, on a
     * scale that does not depend on the kernel's amplitude.
     */
    public record Prediction(double mean, double std, double priorStd) {
        /** The posterior std as a share of the prior's: 0 where the data pin the function down, 1 far from all data. */
        public double relativeStd() {
            return priorStd > 0 ? std / priorStd : 0;
        }
    }

    private final Kernel kernel;
    private final double[][] x;
    private final double[] y;
    private final double alpha;
    private final int n;
    private DMatrixRMaj lower;
    private double[] weights;
    private double lml;
    private double jitter;
    private final List<String> warnings = new ArrayList<>();

    private GaussianProcess(double[][] x, double[] y, Kernel kernel, double alpha) {
        if (x.length == 0) {
            throw new UsageException("no training rows; allowed: at least one row with a y value");
        }
        if (x.length != y.length) {
            throw new IllegalArgumentException("x has " + x.length + " rows, y " + y.length);
        }
        if (!(alpha >= 0) || !Double.isFinite(alpha)) {
            throw new UsageException("--noise=" + alpha + " is out of range; allowed: a number >= 0");
        }
        for (int i = 0; i < x.length; i++) {
            for (double v : x[i]) {
                if (!Double.isFinite(v)) {
                    throw new UsageException("training row " + (i + 1) + " has a non-finite feature value (" + v + "); allowed: finite numbers");
                }
            }
            if (!Double.isFinite(y[i])) {
                throw new UsageException("training row " + (i + 1) + " has a non-finite y (" + y[i] + "); allowed: finite numbers");
            }
        }
        this.x = x;
        this.y = y;
        this.kernel = kernel;
        this.alpha = alpha;
        this.n = x.length;
        factorize();
    }

    /** Conditions the GP on (x, y) with the kernel's current hyperparameters. */
    public static GaussianProcess fit(double[][] x, double[] y, Kernel kernel, double alpha) {
        return new GaussianProcess(x, y, kernel, alpha);
    }

    /**
     * Maximizes the log marginal likelihood over the kernel's free log-hyperparameters within their
     * bounds (projected Adam with analytic gradients), from the current values and {@code restarts}
     * further log-uniform starting points; keeps the best and returns the GP conditioned on it.
     */
    public static GaussianProcess optimize(double[][] x, double[] y, Kernel kernel, double alpha, int restarts, Rng rng) {
        List<Kernel.Hyper> hs = kernel.hypers();
        double[] best = logs(hs);
        double bestLml = Double.NEGATIVE_INFINITY;
        for (int r = 0; r <= restarts; r++) {
            if (r > 0) {
                for (Kernel.Hyper h : hs) {
                    if (!h.fixed) {
                        double lo = Math.max(Math.log(h.lower), Math.log(1e-2));
                        double hi = Math.min(Math.log(h.upper), Math.log(1e2));
                        h.log = lo + rng.nextDouble() * (hi - lo);
                    }
                }
            } else {
                setLogs(hs, best);
            }
            double value = ascend(x, y, kernel, alpha);
            if (value > bestLml) {
                bestLml = value;
                best = logs(hs);
            }
        }
        setLogs(hs, best);
        return fit(x, y, kernel, alpha);
    }

    private static double ascend(double[][] x, double[] y, Kernel kernel, double alpha) {
        List<Kernel.Hyper> hs = kernel.hypers();
        int p = hs.size();
        double[] m = new double[p];
        double[] v = new double[p];
        double lr = 0.1;
        double value = Double.NEGATIVE_INFINITY;
        for (int t = 1; t <= 400; t++) {
            GaussianProcess gp;
            try {
                gp = fit(x, y, kernel, alpha);
            } catch (UsageException e) {
                return Double.NEGATIVE_INFINITY; // this region of hyperparameters is numerically hopeless
            }
            value = gp.logMarginalLikelihood();
            double[] g = gp.logMarginalLikelihoodGradient();
            double step = lr * (t < 300 ? 1.0 : 0.2);
            for (int i = 0; i < p; i++) {
                Kernel.Hyper h = hs.get(i);
                if (h.fixed) {
                    continue;
                }
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                double mh = m[i] / (1 - Math.pow(0.9, t));
                double vh = v[i] / (1 - Math.pow(0.999, t));
                h.log = Math.max(Math.log(h.lower), Math.min(Math.log(h.upper), h.log + step * mh / (Math.sqrt(vh) + 1e-8)));
            }
        }
        try {
            return fit(x, y, kernel, alpha).logMarginalLikelihood();
        } catch (UsageException e) {
            return value;
        }
    }

    private static double[] logs(List<Kernel.Hyper> hs) {
        double[] l = new double[hs.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = hs.get(i).log;
        }
        return l;
    }

    private static void setLogs(List<Kernel.Hyper> hs, double[] l) {
        for (int i = 0; i < l.length; i++) {
            hs.get(i).log = l[i];
        }
    }

    private DMatrixRMaj gram() {
        DMatrixRMaj k = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = kernel.k(x[i], x[j], i == j);
                k.set(i, j, v);
                k.set(j, i, v);
            }
            k.add(i, i, alpha);
        }
        return k;
    }

    private void factorize() {
        DMatrixRMaj k = gram();
        double meanDiag = 0;
        for (int i = 0; i < n; i++) {
            meanDiag += k.get(i, i);
        }
        meanDiag = Math.max(meanDiag / n, 1e-300);
        jitter = 0;
        for (int attempt = 0; attempt <= 7; attempt++) {
            DMatrixRMaj kj = k.copy();
            if (jitter > 0) {
                for (int i = 0; i < n; i++) {
                    kj.add(i, i, jitter);
                }
            }
            CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
            if (chol.decompose(kj) && finiteDiagonal(chol.getT(null))) {
                lower = chol.getT(null);
                break;
            }
            jitter = jitter == 0 ? 1e-10 * meanDiag : jitter * 10;
        }
        if (lower == null) {
            throw new UsageException("the kernel matrix is not positive definite even with jitter " + String.format("%.1e", jitter / 10)
                    + " (duplicate inputs or a degenerate kernel); add observation noise (--noise) or a white kernel");
        }
        if (jitter > 0) {
            warnings.add(String.format("added jitter %.1e to the diagonal: the kernel matrix was singular (duplicate or near-duplicate inputs?)", jitter));
        }
        double[] z = y.clone();
        TriangularSolver_DDRM.solveL(lower.data, z, n);
        TriangularSolver_DDRM.solveTranL(lower.data, z, n);
        weights = z;
        double quad = 0;
        double logDet = 0;
        for (int i = 0; i < n; i++) {
            quad += y[i] * weights[i];
            logDet += Math.log(lower.get(i, i));
        }
        lml = -0.5 * quad - logDet - 0.5 * n * Math.log(2 * Math.PI);
    }

    private static boolean finiteDiagonal(DMatrixRMaj l) {
        for (int i = 0; i < l.numRows; i++) {
            double d = l.get(i, i);
            if (!(d > 0) || !Double.isFinite(d)) {
                return false;
            }
        }
        return true;
    }

    public double logMarginalLikelihood() {
        return lml;
    }

    /** d log p(y | X, theta) / d log theta, for every hyperparameter of the kernel (R&W eq. 5.9). */
    public double[] logMarginalLikelihoodGradient() {
        DMatrixRMaj inv = CommonOps_DDRM.identity(n);
        for (int c = 0; c < n; c++) {
            double[] col = new double[n];
            col[c] = 1;
            TriangularSolver_DDRM.solveL(lower.data, col, n);
            TriangularSolver_DDRM.solveTranL(lower.data, col, n);
            for (int r = 0; r < n; r++) {
                inv.set(r, c, col[r]);
            }
        }
        int p = kernel.size();
        double[] grad = new double[p];
        double[] dk = new double[p];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                java.util.Arrays.fill(dk, 0);
                kernel.gradient(x[i], x[j], i == j, dk, 0);
                double w = weights[i] * weights[j] - inv.get(i, j);
                for (int q = 0; q < p; q++) {
                    grad[q] += 0.5 * w * dk[q];
                }
            }
        }
        return grad;
    }

    /**
     * Predictive mean and std at {@code xs}, as scikit-learn's {@code predict(return_std=True)}: the
     * prior variance is the kernel's diagonal (so a white-noise term is included, {@code alpha} is not).
     */
    public Prediction predict(double[] xs) {
        double[] ks = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            ks[i] = kernel.k(xs, x[i], false);
            mean += ks[i] * weights[i];
        }
        TriangularSolver_DDRM.solveL(lower.data, ks, n);
        double prior = kernel.k(xs, xs, true);
        double var = prior;
        for (double v : ks) {
            var -= v * v;
        }
        return new Prediction(mean, Math.sqrt(Math.max(0, var)), Math.sqrt(Math.max(0, prior)));
    }

    public Kernel kernel() {
        return kernel;
    }

    public double jitter() {
        return jitter;
    }

    public List<String> warnings() {
        return warnings;
    }
}
