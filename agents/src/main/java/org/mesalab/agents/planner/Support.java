package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import org.mesalab.agents.nn.Ops;

/**
 * How the reward and value heads say a number (MuZero, appendix F). With {@code size} 0 a head is one unit regressed
 * with a squared error. With {@code size} N it is {@code 2N + 1} logits over the points {@code -N step .. N step} of the
 * transformed scale {@code h(x) = sign(x) (sqrt(|x| + 1) - 1) + eps x}: the target is "two-hot" (the two points around
 * {@code h(target)}, weighted so their mean is {@code h(target)}), the loss a cross-entropy, and the number read out is
 * {@code h^-1} of the distribution's mean. The cross-entropy's gradient does not shrink with the error as a squared
 * error's does, which is what MuZero and its successors rely on to resolve small value differences.
 */
record Support(int size, double step) {
    static final Support SCALAR = new Support(0, 1.0);
    /** MuZero's epsilon of h, which makes h^-1 Lipschitz. */
    static final double EPS = 0.001;

    boolean categorical() {
        return size > 0;
    }

    /** Output units of a head: 1, or 2N + 1. */
    int bins() {
        return 2 * size + 1;
    }

    static double h(double x) {
        return Math.signum(x) * (Math.sqrt(Math.abs(x) + 1) - 1) + EPS * x;
    }

    /**
     * The inverse of {@link #h}, written as {@code sign(x) (q^2 - 1)} with {@code q = 2 t / (sqrt(1 + 4 eps t) + 1)},
     * {@code t = |x| + 1 + eps}: the paper's form divides by {@code 2 eps} after a difference of nearly equal square
     * roots, which loses most of float32's digits near 0.
     */
    static double hInverse(double x) {
        double t = Math.abs(x) + 1 + EPS;
        double q = 2 * t / (Math.sqrt(1 + 4 * EPS * t) + 1);
        return Math.signum(x) * (q * q - 1);
    }

    /** The numbers {@code [B]} of head outputs {@code [B, bins]}: {@code h^-1(sum_i softmax(logits)_i point_i)}, differentiable. */
    NDArray scalar(NDArray logits) {
        float[] points = new float[bins()];
        for (int i = 0; i < points.length; i++) {
            points[i] = (float) ((i - size) * step);
        }
        NDArray mean = logits.softmax(1).mul(logits.getManager().create(points)).sum(new int[] {1});
        NDArray t = mean.abs().add((float) (1 + EPS));
        NDArray q = Ops.scale(t, 2).div(Ops.scale(t, 4 * EPS).add(1f).sqrt().add(1f));
        return q.square().sub(1f).mul(mean.sign());
    }

    /** Two-hot targets {@code [count, bins]} of {@code values[0 .. count)}, each clipped to the support's range first. */
    float[] twoHot(float[] values, int count) {
        int bins = bins();
        float[] out = new float[count * bins];
        for (int i = 0; i < count; i++) {
            double pos = Math.max(-size, Math.min(size, h(values[i]) / step)) + size;
            int lo = (int) Math.floor(pos);
            double w = pos - lo;
            out[i * bins + lo] += (float) (1 - w);
            if (lo + 1 < bins) {
                out[i * bins + lo + 1] += (float) w;
            }
        }
        return out;
    }
}
