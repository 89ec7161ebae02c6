package org.mesalab.core.goodhart;

/**
 * Gao et al. 2022's functional forms for gold against the optimization distance d = sqrt(KL), fitted by
 * least squares to the gold gained over the base (gold(d) - gold(0)):
 * best-of-n {@code d (alpha - beta d)}, RL {@code d (alpha - beta ln d)}.
 *
 * @param form  {@code best-of-n} or {@code rl}
 * @param alpha the initial slope
 * @param beta  how fast the gain bends down (positive: gold eventually falls)
 * @param r2    coefficient of determination of the fit (NaN when the gains do not vary)
 */
public record Fit(String form, double alpha, double beta, double r2) {
    public static final String BEST_OF_N = "best-of-n";
    public static final String RL = "rl";

    /** Fits {@code gain = d (alpha - beta d)}. */
    public static Fit bestOfN(double[] d, double[] gain) {
        return fit(BEST_OF_N, d, gain);
    }

    /** Fits {@code gain = d (alpha - beta ln d)}. */
    public static Fit rl(double[] d, double[] gain) {
        return fit(RL, d, gain);
    }

    /** The fitted gain at distance d. */
    public double predict(double d) {
        return d * (alpha - beta * bend(form, d));
    }

    private static double bend(String form, double d) {
        return form.equals(BEST_OF_N) ? d : (d > 0 ? Math.log(d) : 0);
    }

    /** Two-feature least squares without intercept: gain = alpha * d - beta * d * bend(d). */
    private static Fit fit(String form, double[] d, double[] gain) {
        if (d.length != gain.length) {
            throw new IllegalArgumentException("d and gain differ in length");
        }
        double s11 = 0;
        double s12 = 0;
        double s22 = 0;
        double t1 = 0;
        double t2 = 0;
        for (int i = 0; i < d.length; i++) {
            double f1 = d[i];
            double f2 = -d[i] * bend(form, d[i]);
            s11 += f1 * f1;
            s12 += f1 * f2;
            s22 += f2 * f2;
            t1 += f1 * gain[i];
            t2 += f2 * gain[i];
        }
        double det = s11 * s22 - s12 * s12;
        if (Math.abs(det) < 1e-12 * Math.max(1, s11 * s22)) {
            return new Fit(form, Double.NaN, Double.NaN, Double.NaN);
        }
        double alpha = (t1 * s22 - t2 * s12) / det;
        double beta = (s11 * t2 - s12 * t1) / det;
        Fit f = new Fit(form, alpha, beta, Double.NaN);
        double mean = 0;
        for (double g : gain) {
            mean += g / gain.length;
        }
        double res = 0;
        double tot = 0;
        for (int i = 0; i < d.length; i++) {
            double e = gain[i] - f.predict(d[i]);
            res += e * e;
            tot += (gain[i] - mean) * (gain[i] - mean);
        }
        return new Fit(form, alpha, beta, tot > 0 ? 1 - res / tot : Double.NaN);
    }
}
