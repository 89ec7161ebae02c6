package org.mesalab.agents.nn;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with constants that is safe under autograd. DJL's {@code NDArray.mul(Number)} (and
 * {@code div}, {@code maximum}) wraps the constant in a temporary tensor backed by a Java direct
 * buffer and closes it right after the op; PyTorch's backward of a product keeps that tensor to
 * compute the gradient, so a garbage collection before {@code backward} frees memory the backward
 * then reads: gradients become garbage, now and then NaN, and runs stop being reproducible (observed
 * with the planner's loss). Here the constant lives in the operand's manager until the step's
 * manager closes, after the backward pass.
 */
public final class Ops {
    private Ops() {
    }

    /** {@code x * c}, differentiable in x. */
    public static NDArray scale(NDArray x, double c) {
        return x.mul(x.getManager().create((float) c));
    }
}
