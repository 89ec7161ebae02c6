package org.mesalab.agents.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.mesalab.core.Rng;
import org.mesalab.core.Samplers;

/**
 * A network's parameters by name, in a fixed order: initialized from our own {@link Rng} (orthogonal
 * weights, Saxe et al. 2014, with a gain per layer; zero biases) so a seed gives the same network bit
 * for bit, and saved or loaded as name, shape and float32 values (the checkpoint format of every
 * learner).
 */
public final class Weights {
    private final List<String> names = new ArrayList<>();
    private final List<NDArray> arrays = new ArrayList<>();

    /** Adds every parameter of an initialized block as {@code prefix.NAME}: orthogonal weights times {@code gain}, zero biases. */
    public void add(String prefix, Block block, double gain, Rng init) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            Shape s = a.getShape();
            float[] values;
            if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                int rows = (int) s.get(0);
                values = orthogonal(rows, (int) (s.size() / rows), gain, init);
            } else {
                values = new float[(int) s.size()];
            }
            assign(a, values);
            a.setRequiresGradient(true);
            names.add(prefix + "." + p.getKey());
            arrays.add(a);
        }
    }

    public List<NDArray> arrays() {
        return arrays;
    }

    public List<String> names() {
        return names;
    }

    /** The arrays whose names start with one of {@code prefixes}. */
    public List<NDArray> arraysStartingWith(String... prefixes) {
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < arrays.size(); i++) {
            for (String p : prefixes) {
                if (names.get(i).startsWith(p)) {
                    out.add(arrays.get(i));
                    break;
                }
            }
        }
        return out;
    }

    public long count() {
        long n = 0;
        for (NDArray p : arrays) {
            n += p.size();
        }
        return n;
    }

    public void save(DataOutputStream out) throws IOException {
        out.writeInt(arrays.size());
        for (int i = 0; i < arrays.size(); i++) {
            writeArray(out, names.get(i), arrays.get(i));
        }
    }

    public void load(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n != arrays.size()) {
            throw new IOException("the file has " + n + " parameters, the network " + arrays.size());
        }
        for (int i = 0; i < n; i++) {
            readArray(in, names.get(i), arrays.get(i));
        }
    }

    /** Overwrites these parameters with {@code other}'s (same network shape), in place, without going through Java arrays. */
    public void copyFrom(Weights other) {
        if (other.arrays.size() != arrays.size()) {
            throw new IllegalArgumentException(other.arrays.size() + " parameters to copy into " + arrays.size());
        }
        for (int i = 0; i < arrays.size(); i++) {
            try (NDArray to = arrays.get(i).stopGradient(); NDArray from = other.arrays.get(i).stopGradient()) {
                to.subi(to).addi(from); // exact for the finite values parameters hold
            }
        }
    }

    /** One array as its name, rank, shape and float32 values. */
    public static void writeArray(DataOutputStream out, String name, NDArray a) throws IOException {
        out.writeUTF(name);
        long[] shape = a.getShape().getShape();
        out.writeInt(shape.length);
        for (long d : shape) {
            out.writeLong(d);
        }
        for (float f : a.toFloatArray()) {
            out.writeFloat(f);
        }
    }

    /** Reads what {@link #writeArray} wrote into {@code into}, checking the name and shape. */
    public static void readArray(DataInputStream in, String name, NDArray into) throws IOException {
        String got = in.readUTF();
        if (!got.equals(name)) {
            throw new IOException("expected parameter " + name + ", found " + got);
        }
        int dims = in.readInt();
        long[] shape = new long[dims];
        for (int d = 0; d < dims; d++) {
            shape[d] = in.readLong();
        }
        if (!new Shape(shape).equals(into.getShape())) {
            throw new IOException(name + " has shape " + new Shape(shape) + " in the file, " + into.getShape() + " in the network");
        }
        float[] v = new float[(int) into.size()];
        for (int k = 0; k < v.length; k++) {
            v[k] = in.readFloat();
        }
        assign(into, v);
    }

    /**
     * Writes {@code values} into a parameter in place. Not {@code NDArray.set(Buffer)}: that goes through
     * a deprecated PyTorch mode that prints a warning to stderr in every run. {@code x - x + v} is exact
     * for the finite values a parameter holds. It is written through a detached alias of the same
     * storage: PyTorch refuses in-place writes to a leaf that requires a gradient while gradient mode is
     * on, which it is by default on any thread but the one the engine started on (the experiment
     * runner evaluates on worker threads).
     */
    public static void assign(NDArray into, float[] values) {
        try (NDArray alias = into.stopGradient(); NDArray loaded = into.getManager().create(values, into.getShape())) {
            alias.subi(alias).addi(loaded);
        }
    }

    /**
     * A {@code rows x cols} matrix with orthonormal rows (rows <= cols) or columns, times {@code gain}:
     * torch.nn.init.orthogonal_'s result, by modified Gram-Schmidt on a Gaussian matrix.
     */
    public static float[] orthogonal(int rows, int cols, double gain, Rng rng) {
        int n = Math.max(rows, cols);
        int m = Math.min(rows, cols);
        double[][] v = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                v[i][j] = Samplers.gaussian(rng);
            }
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += v[i][j] * v[k][j];
                }
                for (int j = 0; j < n; j++) {
                    v[i][j] -= dot * v[k][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++) {
                norm += v[i][j] * v[i][j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < n; j++) {
                v[i][j] /= norm;
            }
        }
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = (float) (gain * (rows <= cols ? v[r][c] : v[c][r]));
            }
        }
        return w;
    }
}
