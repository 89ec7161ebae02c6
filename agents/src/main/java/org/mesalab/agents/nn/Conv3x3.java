package org.mesalab.agents.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A 3 x 3 convolution, stride 1, zero padding 1 ("same" size), with gradients that are right.
 *
 * <p>Why not DJL's {@code Conv2d} alone: on a batch, PyTorch hands the convolution to oneDNN, and on
 * this project's machines (AMD EPYC with AVX-512, PyTorch 2.7.1) oneDNN's backward pass is wrong when
 * the number of output channels is not a multiple of 16: the input gradient differs from finite
 * differences by several units, and the bias gradient is now and then NaN from the first step on (in
 * about one process in ten, with the same seed). With 16 or 32 channels it agrees. So when this block
 * is initialized it runs one small gradient check of PyTorch's convolution against the same
 * convolution written as a matrix product over shifted copies of the input (im2col, as PyTorch's own
 * {@code slow_conv2d}); it uses PyTorch's kernel only where the two agree, and the matrix product
 * (slower, built from matmul, slices and sums, whose CPU kernels are plain) otherwise. The check runs
 * once per shape and process.
 *
 * <p>Shapes: input {@code [B, C, H, W]}, weight {@code [O, C, 3, 3]} (PyTorch's layout), bias
 * {@code [O]}, output {@code [B, O, H, W]}.
 */
public final class Conv3x3 extends AbstractBlock {
    /** (C, O, H, W) to whether PyTorch's convolution passed the gradient check. */
    private static final Map<String, Boolean> CHECKED = new ConcurrentHashMap<>();

    private final int filters;
    private final Parameter weight;
    private final Parameter bias;
    private boolean pytorchKernel = true;

    public Conv3x3(int filters) {
        super((byte) 1);
        this.filters = filters;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT).build());
        this.bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS).build());
    }

    @Override
    protected void prepare(Shape[] inputs) {
        weight.setShape(new Shape(filters, inputs[0].get(1), 3, 3));
        bias.setShape(new Shape(filters));
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        Shape in = inputShapes[0];
        pytorchKernel = pytorchIsRight(manager, (int) in.get(1), filters, (int) in.get(2), (int) in.get(3));
    }

    /** Whether this layer uses PyTorch's convolution kernel (false: the matrix product). */
    public boolean usesPytorchKernel() {
        return pytorchKernel;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
        Shape in = inputs[0];
        return new Shape[] {new Shape(in.get(0), filters, in.get(2), in.get(3))};
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = store.getValue(weight, x.getDevice(), training);
        NDArray b = store.getValue(bias, x.getDevice(), training);
        return new NDList(pytorchKernel ? pytorch(x, w, b) : gemm(x, w, b));
    }

    static NDArray pytorch(NDArray x, NDArray w, NDArray b) {
        return Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
    }

    /** The convolution as one matrix product: {@code x [B, C, H, W]}, {@code w [O, C, 3, 3]}, {@code b [O]} to {@code [B, O, H, W]}. */
    static NDArray gemm(NDArray x, NDArray w, NDArray b) {
        long batch = x.getShape().get(0);
        long c = x.getShape().get(1);
        long h = x.getShape().get(2);
        long wd = x.getShape().get(3);
        long o = w.getShape().get(0);
        NDArray padded = x.pad(new Shape(1, 1, 1, 1), 0); // [B, C, H + 2, W + 2]
        NDList shifted = new NDList(9);
        for (int dy = 0; dy < 3; dy++) {
            for (int dx = 0; dx < 3; dx++) {
                shifted.add(padded.get(":, :, " + dy + ":" + (dy + h) + ", " + dx + ":" + (dx + wd)));
            }
        }
        // columns [B, C * 9, H * W]: row c * 9 + (dy * 3 + dx), as the weight [O, C, 3, 3] flattens.
        NDArray columns = NDArrays.stack(shifted, 2).reshape(batch, c * 9, h * wd);
        // An op's result belongs to its caller's manager. The weight and bias belong to the network, so their
        // reshapes (and the product called on them, with the autograd graph that holds the columns) would live as
        // long as the network: about 3 MB per training step at batch 256 (measured), until the process died. They
        // move to the input's manager, which the caller closes after the step.
        NDArray wm = w.reshape(o, c * 9);
        wm.attach(x.getManager());
        NDArray bm = b.reshape(1, o, 1);
        bm.attach(x.getManager());
        NDArray out = wm.matMul(columns); // [B, O, H * W]
        return out.add(bm).reshape(batch, o, h, wd);
    }

    /**
     * Output and the gradients of input, weight and bias under a fixed random upstream gradient, for a
     * batch of 4 (a batch, so PyTorch takes the path the training takes), by both implementations;
     * true when they agree to float precision and are finite.
     */
    static boolean pytorchIsRight(NDManager manager, int c, int o, int h, int w) {
        return CHECKED.computeIfAbsent(c + "x" + o + "x" + h + "x" + w, k -> {
            try (NDManager sub = manager.newSubManager()) {
                return agree(sub, c, o, h, w);
            } catch (IllegalStateException collecting) {
                return false; // another gradient collector is open: without the check, the matrix product is the safe choice
            }
        });
    }

    private static boolean agree(NDManager sub, int c, int o, int h, int w) {
        java.util.Random r = new java.util.Random(1);
        long[][] shapes = {{4, c, h, w}, {o, c, 3, 3}, {o}, {4, o, h, w}}; // x, weight, bias, upstream gradient
        float[][] inputs = new float[4][];
        for (int i = 0; i < 4; i++) {
            inputs[i] = new float[(int) new Shape(shapes[i]).size()];
            for (int j = 0; j < inputs[i].length; j++) {
                inputs[i][j] = (float) (r.nextDouble() * 2 - 1);
            }
        }
        float[][] a = gradients(sub, inputs, shapes, true);
        float[][] g = gradients(sub, inputs, shapes, false);
        for (int i = 0; i < a.length; i++) {
            double scale = 0;
            for (float v : g[i]) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int j = 0; j < a[i].length; j++) {
                if (!(Math.abs(a[i][j] - g[i][j]) <= 1e-4 * (1 + scale))) { // also false for NaN
                    return false;
                }
            }
        }
        return true;
    }

    private static float[][] gradients(NDManager m, float[][] values, long[][] shapes, boolean pytorch) {
        try (NDManager sub = m.newSubManager()) {
            NDArray[] p = new NDArray[3];
            for (int i = 0; i < 3; i++) {
                p[i] = sub.create(values[i], new Shape(shapes[i]));
                p[i].setRequiresGradient(true);
            }
            NDArray up = sub.create(values[3], new Shape(shapes[3]));
            NDArray y;
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                y = pytorch ? pytorch(p[0], p[1], p[2]) : gemm(p[0], p[1], p[2]);
                gc.backward(y.mul(up).sum());
            }
            return new float[][] {y.toFloatArray(), p[0].getGradient().toFloatArray(), p[1].getGradient().toFloatArray(),
                    p[2].getGradient().toFloatArray()};
        }
    }
}
