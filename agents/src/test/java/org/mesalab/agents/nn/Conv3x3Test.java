package org.mesalab.agents.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;
import org.mesalab.agents.Torch;
import org.mesalab.core.Rng;

class Conv3x3Test {
    private static float[] random(Rng rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return v;
    }

    /**
     * The matrix-product convolution against PyTorch's on one sample (its native kernel: a batch of
     * one does not go to oneDNN): the same output and the same gradients for input, weight and bias.
     */
    @Test
    void theMatrixProductEqualsPyTorchsNativeConvolution() {
        Rng rng = new Rng(4);
        try (NDManager m = Torch.newManager(1)) {
            float[][] v = {random(rng, 8 * 7 * 6), random(rng, 8 * 8 * 9), random(rng, 8), random(rng, 8 * 7 * 6)};
            Shape[] s = {new Shape(1, 8, 7, 6), new Shape(8, 8, 3, 3), new Shape(8), new Shape(1, 8, 7, 6)};
            float[][] gemm = valueAndGradients(m, v, s, false);
            float[][] torch = valueAndGradients(m, v, s, true);
            for (int k = 0; k < gemm.length; k++) {
                assertArrayEquals(torch[k], gemm[k], 1e-4f, "output, then gradients of x, w, b: " + k);
            }
        }
    }

    /** On a batch, the matrix product's input gradient is the central finite difference of the loss. */
    @Test
    void inputGradientsOfABatchMatchFiniteDifferences() {
        Rng rng = new Rng(5);
        try (NDManager m = Torch.newManager(1)) {
            Shape xs = new Shape(5, 8, 7, 6);
            float[][] v = {random(rng, (int) xs.size()), random(rng, 8 * 8 * 9), random(rng, 8), random(rng, (int) xs.size())};
            Shape[] s = {xs, new Shape(8, 8, 3, 3), new Shape(8), xs};
            float[] grad = valueAndGradients(m, v, s, false)[1];
            for (int idx : new int[] {0, 17, 100, 333, 1679}) {
                double[] loss = new double[2];
                for (int side = 0; side < 2; side++) {
                    float[] x = v[0].clone();
                    x[idx] += side == 0 ? 1e-2f : -1e-2f;
                    try (NDManager sub = m.newSubManager()) {
                        loss[side] = Conv3x3.gemm(sub.create(x, xs), sub.create(v[1], s[1]), sub.create(v[2], s[2])).mul(sub.create(v[3], xs))
                                .sum().getFloat();
                    }
                }
                assertEquals((loss[0] - loss[1]) / 2e-2, grad[idx], 2e-3, "d loss / d x[" + idx + "]");
            }
        }
    }

    /**
     * The block, whichever kernel its check chose, gives the matrix product's output and input gradient
     * on a batch, for output channel counts where PyTorch's oneDNN path has been wrong (4, 8, 24) and right (16).
     */
    @Test
    void theBlockIsRightWhicheverKernelItChose() {
        Rng rng = new Rng(6);
        try (NDManager m = Torch.newManager(1)) {
            for (int filters : new int[] {4, 8, 16, 24}) {
                Conv3x3 block = new Conv3x3(filters);
                Shape xs = new Shape(6, 3, 7, 7);
                block.initialize(m, DataType.FLOAT32, xs);
                NDArray w = block.getParameters().get(0).getValue().getArray();
                NDArray b = block.getParameters().get(1).getValue().getArray();
                float[] xv = random(rng, (int) xs.size());
                float[] up = random(rng, 6 * filters * 49);
                Shape ys = new Shape(6, filters, 7, 7);
                float[][] viaBlock;
                float[][] viaGemm;
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = sub.create(xv, xs);
                    x.setRequiresGradient(true);
                    NDArray y;
                    try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                        y = block.forward(new ParameterStore(sub, false), new NDList(x), true).singletonOrThrow();
                        gc.backward(y.mul(sub.create(up, ys)).sum());
                    }
                    viaBlock = new float[][] {y.toFloatArray(), x.getGradient().toFloatArray()};
                    w.getGradient().subi(w.getGradient());
                    b.getGradient().subi(b.getGradient());
                }
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = sub.create(xv, xs);
                    x.setRequiresGradient(true);
                    NDArray y;
                    try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                        y = Conv3x3.gemm(x, w, b);
                        gc.backward(y.mul(sub.create(up, ys)).sum());
                    }
                    viaGemm = new float[][] {y.toFloatArray(), x.getGradient().toFloatArray()};
                }
                assertArrayEquals(viaGemm[0], viaBlock[0], 1e-4f, filters + " filters: output (PyTorch kernel: " + block.usesPytorchKernel() + ")");
                assertArrayEquals(viaGemm[1], viaBlock[1], 1e-3f, filters + " filters: input gradient (PyTorch kernel: " + block.usesPytorchKernel() + ")");
            }
        }
    }

    private static float[][] valueAndGradients(NDManager m, float[][] v, Shape[] s, boolean pytorch) {
        try (NDManager sub = m.newSubManager()) {
            NDArray[] p = new NDArray[3];
            for (int i = 0; i < 3; i++) {
                p[i] = sub.create(v[i], s[i]);
                p[i].setRequiresGradient(true);
            }
            NDArray y;
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                y = pytorch ? Conv3x3.pytorch(p[0], p[1], p[2]) : Conv3x3.gemm(p[0], p[1], p[2]);
                gc.backward(y.mul(sub.create(v[3], s[3])).sum());
            }
            return new float[][] {y.toFloatArray(), p[0].getGradient().toFloatArray(), p[1].getGradient().toFloatArray(), p[2].getGradient().toFloatArray()};
        }
    }
}
