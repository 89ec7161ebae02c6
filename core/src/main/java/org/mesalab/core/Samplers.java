package org.mesalab.core;

/**
 * The random variates every learner draws, in one place, each from an explicit {@link Rng} (so streams
 * stay reproducible); each method's javadoc says how many numbers it draws.
 */
public final class Samplers {
    private Samplers() {
    }

    /** Standard normal by Box-Muller; two draws. */
    public static double gaussian(Rng rng) {
        double u = 1.0 - rng.nextDouble();
        double w = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }

    /** Standard Gumbel, {@code -log(-log U)}; one draw. */
    public static double gumbel(Rng rng) {
        return -Math.log(-Math.log(Math.max(rng.nextDouble(), 1e-300)));
    }

    /** Gamma(alpha, 1) by Marsaglia and Tsang (2000), boosted by {@code U^(1/alpha)} for alpha < 1; a varying number of draws. */
    public static double gamma(double alpha, Rng rng) {
        if (alpha < 1) {
            return gamma(alpha + 1, rng) * Math.pow(Math.max(rng.nextDouble(), 1e-300), 1 / alpha);
        }
        double d = alpha - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = gaussian(rng);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** An index drawn from {@code softmax(logits[off .. off + k))}; one draw. */
    public static int categorical(float[] logits, int off, int k, Rng rng) {
        double lse = logSumExp(logits, off, k);
        double u = rng.nextDouble();
        for (int i = 0; i < k; i++) {
            u -= Math.exp(logits[off + i] - lse);
            if (u < 0) {
                return i;
            }
        }
        return k - 1;
    }

    /** {@code softmax(logits)} as probabilities (the maximum subtracted first, for stability). */
    public static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            z += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= z;
        }
        return p;
    }

    /** Entropy (nats) of the probability vector {@code p[off .. off + k)}; zero entries add nothing. */
    public static double entropy(float[] p, int off, int k) {
        double h = 0;
        for (int i = off; i < off + k; i++) {
            h -= p[i] > 0 ? p[i] * Math.log(p[i]) : 0;
        }
        return h;
    }

    /** {@code log sum_i exp(logits[off + i])} for i < k, computed stably. */
    public static double logSumExp(float[] logits, int off, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        return max + Math.log(sum);
    }

    /** {@code log softmax(logits[off .. off + k))[a]}. */
    public static float logSoftmaxAt(float[] logits, int off, int k, int a) {
        return (float) (logits[off + a] - logSumExp(logits, off, k));
    }
}
