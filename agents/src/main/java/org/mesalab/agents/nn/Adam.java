package org.mesalab.agents.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam (Kingma and Ba 2015) as PyTorch implements it, including {@code weight_decay} as an L2 term
 * added to the gradient, with the global gradient-norm clip applied first. Written here rather than
 * taken from DJL so that its moments can be saved in a checkpoint and resumed exactly. Updates are in
 * place; call {@link #step} inside an {@code NDScope} so temporaries are freed.
 */
public final class Adam {
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;

    private final List<NDArray> params;
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final double eps;
    private final double weightDecay;
    private long t;

    public Adam(NDManager manager, List<NDArray> params, double eps, double weightDecay) {
        this.params = params;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (NDArray p : params) {
            m.add(manager.zeros(p.getShape()));
            v.add(manager.zeros(p.getShape()));
        }
    }

    /**
     * Clips the gradients to global norm {@code maxGradNorm}, takes one Adam step with step size
     * {@code lr}, and zeroes the gradients (PyTorch accumulates them). Returns the norm before clipping.
     */
    public double step(double lr, double maxGradNorm) {
        // Scalars are floats throughout: a Java double would promote the float32 arrays to float64.
        List<NDArray> grads = new ArrayList<>(params.size());
        double sq = 0;
        for (NDArray p : params) {
            NDArray g = p.getGradient();
            grads.add(g);
            sq += g.square().sum().getFloat();
        }
        double norm = Math.sqrt(sq);
        // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
        double scale = maxGradNorm / (norm + 1e-6);
        t++;
        double bc1 = 1 - Math.pow(BETA1, t);
        double bc2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            NDArray g = grads.get(i);
            if (scale < 1) {
                g.muli((float) scale);
            }
            NDArray d = weightDecay > 0 ? g.add(p.mul((float) weightDecay)) : g;
            m.get(i).muli((float) BETA1).addi(d.mul((float) (1 - BETA1)));
            v.get(i).muli((float) BETA2).addi(d.square().muli((float) (1 - BETA2)));
            NDArray denom = v.get(i).sqrt().divi((float) Math.sqrt(bc2)).addi((float) eps);
            // Through a detached alias: PyTorch refuses in-place writes to a leaf that requires a gradient
            // while gradient mode is on, as it is by default on threads other than the engine's first.
            p.stopGradient().subi(m.get(i).div(denom).muli((float) (lr / bc1)));
            g.subi(g);
        }
        return norm;
    }

    public long steps() {
        return t;
    }

    public void save(DataOutputStream out) throws IOException {
        out.writeLong(t);
        out.writeInt(params.size());
        for (int i = 0; i < params.size(); i++) {
            Weights.writeArray(out, "m" + i, m.get(i));
            Weights.writeArray(out, "v" + i, v.get(i));
        }
    }

    public void load(DataInputStream in) throws IOException {
        t = in.readLong();
        int n = in.readInt();
        if (n != params.size()) {
            throw new IOException("optimizer state has " + n + " parameters, the network " + params.size());
        }
        for (int i = 0; i < n; i++) {
            Weights.readArray(in, "m" + i, m.get(i));
            Weights.readArray(in, "v" + i, v.get(i));
        }
    }
}
