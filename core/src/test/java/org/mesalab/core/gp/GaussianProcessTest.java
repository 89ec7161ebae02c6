package org.mesalab.core.gp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;

class GaussianProcessTest {
    static final List<String> ONE = List.of("x");

    @Test
    void noiseFreeInterpolationReproducesTrainingTargets() {
        double[][] x = {{0.0}, {0.7}, {1.5}, {2.2}, {3.9}};
        double[] y = {1.0, -0.5, 0.3, 2.0, -1.2};
        GaussianProcess gp = GaussianProcess.fit(x, y, Kernels.parse("rbf", ONE), GaussianProcess.DEFAULT_ALPHA);
        for (int i = 0; i < x.length; i++) {
            GaussianProcess.Prediction p = gp.predict(x[i]);
            assertEquals(y[i], p.mean(), 1e-6);
            assertEquals(0.0, p.std(), 1e-4);
        }
    }

    /**
     * The calibrated std: 0 at a training point, 1 far from the data, whatever the prior's amplitude (rbf+white
     * has prior variance 2 on the diagonal, so its raw std far away is sqrt 2, its relative std still 1).
     */
    @Test
    void relativeStdIsCalibratedAgainstThePrior() {
        double[][] x = {{0.0}, {1.0}};
        double[] y = {1.0, 2.0};
        GaussianProcess plain = GaussianProcess.fit(x, y, Kernels.parse("rbf", ONE).fixAll(), GaussianProcess.DEFAULT_ALPHA);
        assertEquals(0.0, plain.predict(new double[] {0.0}).relativeStd(), 1e-4);
        assertEquals(1.0, plain.predict(new double[] {50.0}).relativeStd(), 1e-9);
        assertEquals(1.0, plain.predict(new double[] {50.0}).priorStd(), 1e-9);
        GaussianProcess noisy = GaussianProcess.fit(x, y, Kernels.parse("rbf+white", ONE).fixAll(), GaussianProcess.DEFAULT_ALPHA);
        GaussianProcess.Prediction far = noisy.predict(new double[] {50.0});
        assertEquals(Math.sqrt(2), far.std(), 1e-9, "the raw std carries the prior's amplitude");
        assertEquals(1.0, far.relativeStd(), 1e-9, "the relative std does not");
    }

    @Test
    void oneDimensionalRbfPosteriorMatchesClosedForm() {
        // Training points 0 and 1, targets 1 and 2, length scale 1, no noise. With k01 = e^-0.5:
        // K^-1 y = [1 - 2 k01, 2 - k01] / (1 - k01^2); at x* = 0.5, k* = [e^-0.125, e^-0.125].
        double k01 = Math.exp(-0.5);
        double ks = Math.exp(-0.125);
        double a0 = (1 - 2 * k01) / (1 - k01 * k01);
        double a1 = (2 - k01) / (1 - k01 * k01);
        double mean = ks * (a0 + a1);
        // var = 1 - k*^T K^-1 k* = 1 - 2 ks^2 / (1 + k01)
        double var = 1 - 2 * ks * ks / (1 + k01);
        GaussianProcess gp = GaussianProcess.fit(new double[][] {{0}, {1}}, new double[] {1, 2}, Kernels.parse("rbf", ONE), 0);
        GaussianProcess.Prediction p = gp.predict(new double[] {0.5});
        assertEquals(mean, p.mean(), 1e-10);
        assertEquals(Math.sqrt(var), p.std(), 1e-10);
        // log p(y) = -1/2 y^T K^-1 y - 1/2 log |K| - log 2 pi, |K| = 1 - k01^2
        double lml = -0.5 * (1 * a0 + 2 * a1) - 0.5 * Math.log(1 - k01 * k01) - Math.log(2 * Math.PI);
        assertEquals(lml, gp.logMarginalLikelihood(), 1e-10);
        // Far from the data the posterior returns to the prior.
        assertEquals(0.0, gp.predict(new double[] {50}).mean(), 1e-12);
        assertEquals(1.0, gp.predict(new double[] {50}).std(), 1e-12);
    }

    @Test
    void marginalLikelihoodGradientMatchesFiniteDifferences() {
        Rng rng = new Rng(4);
        List<String> cols = List.of("a.x", "a.y", "b.z");
        double[][] x = new double[12][3];
        double[] y = new double[12];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 3; j++) {
                x[i][j] = rng.nextDouble() * 3;
            }
            y[i] = Math.sin(x[i][0]) + 0.3 * x[i][2] + 0.1 * rng.nextDouble();
        }
        for (String spec : List.of("rbf", "ard", "matern52", "linear", "const*rbf+white", "linear*rbf[a]+matern52[b]", "const+ard[a]*white")) {
            Kernel k = Kernels.parse(spec, cols);
            List<Kernel.Hyper> hs = k.hypers();
            for (int i = 0; i < hs.size(); i++) {
                hs.get(i).log = Math.log(0.5 + 0.3 * i);
            }
            double[] g = GaussianProcess.fit(x, y, k, 1e-3).logMarginalLikelihoodGradient();
            for (int i = 0; i < hs.size(); i++) {
                double h = 1e-5;
                double base = hs.get(i).log;
                hs.get(i).log = base + h;
                double up = GaussianProcess.fit(x, y, k, 1e-3).logMarginalLikelihood();
                hs.get(i).log = base - h;
                double down = GaussianProcess.fit(x, y, k, 1e-3).logMarginalLikelihood();
                hs.get(i).log = base;
                double fd = (up - down) / (2 * h);
                assertEquals(fd, g[i], 1e-4 * Math.max(1, Math.abs(fd)), spec + " d/d log " + hs.get(i).name());
            }
        }
    }

    @Test
    void fittedLengthScaleRecoversTheGeneratingOne() {
        for (double truth : new double[] {0.3, 1.0, 2.5}) {
            // Sample f ~ GP(0, RBF(truth)) at 80 inputs in [0, 10], add noise 0.05^2, fit RBF + white.
            Rng rng = new Rng(11);
            int n = 80;
            double[][] x = new double[n][1];
            for (int i = 0; i < n; i++) {
                x[i][0] = 10.0 * rng.nextDouble();
            }
            Kernel gen = Kernels.parse("rbf", ONE);
            gen.hypers().get(0).log = Math.log(truth);
            double[] y = sample(x, gen, 0.05, rng);
            Kernel fit = Kernels.parse("rbf+white", ONE);
            GaussianProcess gp = GaussianProcess.optimize(x, y, fit, GaussianProcess.DEFAULT_ALPHA, 3, new Rng(2));
            double got = fit.hypers().get(0).value();
            assertTrue(Math.abs(Math.log(got / truth)) < Math.log(1.3), "length scale " + got + " for truth " + truth);
            assertTrue(Double.isFinite(gp.logMarginalLikelihood()));
        }
    }

    /** Draws f(x) + noise from the GP prior: L z with L = chol(K + 1e-8 I). */
    static double[] sample(double[][] x, Kernel k, double noise, Rng rng) {
        int n = x.length;
        double[][] l = new double[n][n];
        double[][] kk = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                kk[i][j] = k.k(x[i], x[j], false) + (i == j ? 1e-8 : 0);
            }
        }
        for (int i = 0; i < n; i++) { // plain Cholesky-Banachiewicz, independent of the code under test
            for (int j = 0; j <= i; j++) {
                double s = kk[i][j];
                for (int m = 0; m < j; m++) {
                    s -= l[i][m] * l[j][m];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = gaussian(rng);
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                y[i] += l[i][j] * z[j];
            }
            y[i] += noise * gaussian(rng);
        }
        return y;
    }

    static double gaussian(Rng rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    @Test
    void duplicateInputsGetJitterAndAClearWarningNotNaN() {
        double[][] x = {{1.0}, {1.0}, {2.0}};
        double[] y = {0.5, 0.5, 1.0};
        GaussianProcess gp = GaussianProcess.fit(x, y, Kernels.parse("rbf", ONE), 0);
        assertTrue(gp.jitter() > 0);
        assertFalse(gp.warnings().isEmpty());
        assertTrue(gp.warnings().get(0).contains("duplicate"));
        GaussianProcess.Prediction p = gp.predict(new double[] {1.5});
        assertTrue(Double.isFinite(p.mean()) && Double.isFinite(p.std()));
        assertTrue(Double.isFinite(gp.logMarginalLikelihood()));
        // Contradictory duplicates are fitted in between, still finite.
        GaussianProcess c = GaussianProcess.fit(new double[][] {{1}, {1}}, new double[] {0, 1}, Kernels.parse("rbf", ONE), 0);
        assertTrue(Double.isFinite(c.predict(new double[] {1}).mean()));
    }

    @Test
    void degenerateKernelIsAClearError() {
        // An overflowing kernel (constant e^800) cannot be factorized with any jitter.
        Kernel huge = Kernels.parse("const", ONE);
        huge.hypers().get(0).log = 800;
        UsageException e = assertThrows(UsageException.class,
                () -> GaussianProcess.fit(new double[][] {{0}, {1}}, new double[] {1, 2}, huge, 0));
        assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
        UsageException nan = assertThrows(UsageException.class,
                () -> GaussianProcess.fit(new double[][] {{0}, {Double.NaN}}, new double[] {1, 2}, Kernels.parse("rbf", ONE), 0));
        assertTrue(nan.getMessage().contains("row 2"), nan.getMessage());
    }

    @Test
    void kernelSpecsParseAndBadOnesAreUsageErrors() {
        List<String> cols = List.of("action.pay", "action.force", "outcome.dies");
        assertEquals("RBF(length_scale=1.000)[action]", Kernels.parse("rbf[action]", cols).describe());
        assertEquals("(DotProduct(sigma_0=1.000)) * (RBF(length_scale=1.000)) + WhiteKernel(noise_level=1.000)",
                Kernels.parse("linear*rbf+white", cols).describe());
        assertEquals(3, Kernels.parse("ard", cols).size());
        assertEquals(2, Kernels.parse("ard[action]", cols).size());
        for (String bad : List.of("", "gauss", "rbf+", "rbf[planet]", "rbf[action", "*rbf")) {
            UsageException e = assertThrows(UsageException.class, () -> Kernels.parse(bad, cols), bad);
            assertTrue(e.getMessage().contains("allowed") || e.getMessage().contains("columns"), e.getMessage());
        }
    }

    @Test
    void sklearnDefaultsAndFixedHyperparametersAreKept() {
        Kernel k = Kernels.parse("rbf", ONE).fixAll();
        GaussianProcess.optimize(new double[][] {{0}, {1}, {2}}, new double[] {0, 1, 0}, k, 1e-10, 2, new Rng(1));
        assertEquals(1.0, k.hypers().get(0).value(), 1e-12, "fixed length scale stays at scikit-learn's default 1.0");
    }
}
