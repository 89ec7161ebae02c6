package org.mesalab.agents.interp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.mesalab.agents.ppo.PolicyNetwork;

/**
 * The activations of a network's named layers ({@link PolicyNetwork#layerNames}) over recorded
 * trajectories: {@code values.get(l)[i]} is layer {@code l}'s flattened activation at step {@code i}.
 * A recurrent network replays each level's observations in order from a zero state, as when it acted.
 */
public record Activations(List<String> layers, List<float[][]> values) {
    /** Rows per forward pass of a feed-forward network: large enough to amortize a call, small enough for memory. */
    private static final int CHUNK = 2048;

    public static Activations of(PolicyNetwork net, NDManager manager, Trajectories traj) {
        return of(net, manager, traj, null);
    }

    /**
     * As {@link #of(PolicyNetwork, NDManager, Trajectories)}, storing only the steps {@code keep} marks (the
     * others' rows are null): a recurrent network still replays every step, but memory holds what is used.
     */
    public static Activations of(PolicyNetwork net, NDManager manager, Trajectories traj, boolean[] keep) {
        List<String> layers = net.layerNames();
        int n = traj.size();
        List<float[][]> values = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            values.add(new float[n][]);
        }
        int d = net.inputSize();
        if (net.lstmSize() == 0) {
            for (int from = 0; from < n; from += CHUNK) {
                int rows = Math.min(CHUNK, n - from);
                float[] batch = new float[rows * d];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(traj.observations().get(from + r), 0, batch, r * d, d);
                }
                int offset = from;
                try (NDManager sub = manager.newSubManager()) {
                    net.forward(sub.create(batch, new Shape(rows, d)), (layer, a) -> {
                        store(values.get(layer), offset, a, keep);
                        return a;
                    }, false);
                }
            }
            return new Activations(layers, values);
        }
        int h = net.lstmSize();
        float[] hs = new float[h];
        float[] cs = new float[h];
        for (int i = 0; i < n; i++) {
            if (traj.steps().get(i).t() == 0) {
                java.util.Arrays.fill(hs, 0f);
                java.util.Arrays.fill(cs, 0f);
            }
            int row = i;
            try (NDManager sub = manager.newSubManager()) {
                NDList out = net.step(sub.create(traj.observations().get(i), new Shape(1, d)), sub.create(hs, new Shape(1, h)),
                        sub.create(cs, new Shape(1, h)), (layer, a) -> {
                            store(values.get(layer), row, a, keep);
                            return a;
                        }, false);
                hs = out.get(2).toFloatArray();
                cs = out.get(3).toFloatArray();
            }
        }
        return new Activations(layers, values);
    }

    /** The activation of each layer for one observation seen first in an episode (a recurrent network starts from zero). */
    public static List<float[]> first(PolicyNetwork net, NDManager manager, float[] observation) {
        Trajectories one = new Trajectories(0, 0, List.of(new Trajectories.Step(0, 0, 0, 0, 0, java.util.Map.of(), 0)), List.of(observation));
        Activations a = of(net, manager, one);
        List<float[]> out = new ArrayList<>();
        for (float[][] v : a.values()) {
            out.add(v[0]);
        }
        return out;
    }

    private static void store(float[][] dst, int from, NDArray a, boolean[] keep) {
        Shape s = a.getShape();
        int rows = (int) s.get(0);
        int cols = (int) (s.size() / rows);
        float[] flat = a.toFloatArray();
        for (int r = 0; r < rows; r++) {
            if (keep == null || keep[from + r]) {
                dst[from + r] = java.util.Arrays.copyOfRange(flat, r * cols, (r + 1) * cols);
            }
        }
    }

    public int index(String layer) {
        return layers.indexOf(layer);
    }
}
