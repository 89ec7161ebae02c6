package org.mesalab.core.gp;

import java.util.ArrayList;
import java.util.List;

/**
 * A covariance function with hyperparameters kept on a log scale (so positivity is free and the
 * optimizer works on log-parameters, as scikit-learn does). Names and defaults follow scikit-learn
 * ({@code length_scale} 1.0, {@code constant_value} 1.0, {@code noise_level} 1.0, {@code sigma_0} 1.0)
 * so results can be compared with it.
 *
 * <p>{@link #gradient} returns {@code dk/d(log theta)} for every hyperparameter, fixed ones included
 * (the optimizer skips those).
 */
public abstract class Kernel {
    /** One hyperparameter: its name, log value, bounds (not logged) and whether it is fixed. */
    public static final class Hyper {
        final String name;
        double log;
        final double lower;
        final double upper;
        boolean fixed;

        Hyper(String name, double value, double lower, double upper) {
            this.name = name;
            this.log = Math.log(value);
            this.lower = lower;
            this.upper = upper;
        }

        public String name() {
            return name;
        }

        public double value() {
            return Math.exp(log);
        }

        public boolean fixed() {
            return fixed;
        }
    }

    /** {@code k(a, b)}; {@code same} is true for the diagonal of a training Gram matrix (white noise uses it). */
    public abstract double k(double[] a, double[] b, boolean same);

    /** Adds {@code dk(a, b)/d(log theta_i)} into {@code out[offset + i]} for this kernel's hyperparameters. */
    public abstract void gradient(double[] a, double[] b, boolean same, double[] out, int offset);

    /** This kernel's hyperparameters (children's included, in order). */
    public abstract List<Hyper> hypers();

    /** The kernel expression with current values, e.g. {@code RBF(length_scale=0.7)}. */
    public abstract String describe();

    public int size() {
        return hypers().size();
    }

    /** Fixes every hyperparameter (no fitting). */
    public Kernel fixAll() {
        for (Hyper h : hypers()) {
            h.fixed = true;
        }
        return this;
    }

    static List<Hyper> concat(Kernel a, Kernel b) {
        List<Hyper> all = new ArrayList<>(a.hypers());
        all.addAll(b.hypers());
        return all;
    }

    static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4g", v);
    }
}
