package org.mesalab.agents.interp;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mesalab.core.UsageException;

/**
 * NumPy's {@code .npy} format (version 1.0: magic, a header dict padded to 64 bytes, little-endian data),
 * so activations open with {@code numpy.load} and steering vectors can come back from Python. Only the
 * two shapes used here: float32 matrices {@code [n, d]} and vectors {@code [d]}.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {
    }

    public static void writeMatrix(Path file, float[][] rows, int cols) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            header(out, "<f4", "(" + rows.length + ", " + cols + ")");
            ByteBuffer b = ByteBuffer.allocate(cols * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] r : rows) {
                b.clear();
                b.asFloatBuffer().put(r);
                out.write(b.array());
            }
        }
    }

    public static void writeVector(Path file, float[] v) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            header(out, "<f4", "(" + v.length + ",)");
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            out.write(b.array());
        }
    }

    private static void header(OutputStream out, String dtype, String shape) throws IOException {
        StringBuilder h = new StringBuilder("{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape + ", }");
        while ((MAGIC.length + 4 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (h.length() & 0xff), (byte) (h.length() >> 8)});
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static final Pattern VECTOR = Pattern.compile("'descr':\\s*'([<>|]?f[48])'.*'fortran_order':\\s*False.*'shape':\\s*\\((\\d+),\\s*\\)");
    private static final Pattern MATRIX =
            Pattern.compile("'descr':\\s*'([<>|]?f[48])'.*'fortran_order':\\s*False.*'shape':\\s*\\((\\d+),\\s*(\\d+)\\)");

    /** A float vector (float32 or float64, either byte order); a usage error naming the file otherwise. */
    public static float[] readVector(Path file) {
        return read(file, VECTOR, "a one-dimensional")[0];
    }

    /** A float matrix {@code [n, d]} (float32 or float64, either byte order, C order), one array per row. */
    public static float[][] readMatrix(Path file) {
        return read(file, MATRIX, "a two-dimensional");
    }

    private static float[][] read(Path file, Pattern shape, String allowed) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            byte[] magic = in.readNBytes(6);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new UsageException(file + " is not a .npy file; allowed: a NumPy array saved with numpy.save");
            }
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            int len = major == 1 ? Short.toUnsignedInt(Short.reverseBytes(in.readShort())) : Integer.reverseBytes(in.readInt());
            String header = new String(in.readNBytes(len), StandardCharsets.US_ASCII);
            Matcher m = shape.matcher(header);
            if (!m.find()) {
                throw new UsageException(file + " holds " + header.trim() + "; allowed: " + allowed + " float32 or float64 array");
            }
            String descr = m.group(1);
            int rows = m.groupCount() == 3 ? Integer.parseInt(m.group(2)) : 1;
            int n = Integer.parseInt(m.group(m.groupCount()));
            int size = descr.endsWith("8") ? 8 : 4;
            ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            float[][] out = new float[rows][n];
            for (float[] v : out) {
                byte[] data = in.readNBytes(n * size);
                if (data.length != n * size) {
                    throw new UsageException(file + " is cut short: a row has " + data.length + " of " + n * size + " data bytes");
                }
                ByteBuffer b = ByteBuffer.wrap(data).order(order);
                for (int i = 0; i < n; i++) {
                    v[i] = size == 8 ? (float) b.getDouble() : b.getFloat();
                }
            }
            return out;
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + UsageException.why(e));
        }
    }
}
