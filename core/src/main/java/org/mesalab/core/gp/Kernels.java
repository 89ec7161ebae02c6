package org.mesalab.core.gp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mesalab.core.UsageException;

/**
 * The kernels (Rasmussen and Williams 2006, ch. 4) and a small expression language for them:
 * {@code rbf}, {@code ard} (RBF with one length scale per feature), {@code matern52}, {@code linear}
 * (scikit-learn's DotProduct), {@code const}, {@code white}, joined with {@code +} and {@code *}
 * ({@code *} binds tighter), and {@code NAME[group,...]} restricting a kernel to named feature groups
 * (columns {@code group.*}) or columns. Examples: {@code rbf+white}, {@code linear*rbf},
 * {@code rbf[action]}, {@code const*ard[outcome]+white}.
 */
public final class Kernels {
    /** scikit-learn's default hyperparameter bounds. */
    static final double LOWER = 1e-5;
    static final double UPPER = 1e5;

    private Kernels() {
    }

    public static final String ALLOWED = "rbf, ard, matern52, linear, const, white, joined by + and *, "
            + "optionally restricted as NAME[group,...], e.g. rbf+white, linear*rbf, rbf[action]";

    /** Parses {@code spec} for data with {@code columns} (feature names). */
    public static Kernel parse(String spec, List<String> columns) {
        String s = spec.replace(" ", "");
        if (s.isEmpty()) {
            throw new UsageException("kernel '' is empty; allowed: " + ALLOWED);
        }
        Kernel sum = null;
        for (String term : split(s, '+', spec)) {
            Kernel product = null;
            for (String factor : split(term, '*', spec)) {
                Kernel f = atom(factor, columns, spec);
                product = product == null ? f : new Product(product, f);
            }
            sum = sum == null ? product : new Sum(sum, product);
        }
        return sum;
    }

    private static List<String> split(String s, char op, String spec) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == op && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new UsageException("kernel '" + spec + "' is malformed (empty term); allowed: " + ALLOWED);
            }
        }
        return parts;
    }

    private static Kernel atom(String a, List<String> columns, String spec) {
        String name = a;
        int[] dims = null;
        int open = a.indexOf('[');
        if (open >= 0) {
            if (!a.endsWith("]")) {
                throw new UsageException("kernel '" + spec + "' is malformed near '" + a + "'; allowed: " + ALLOWED);
            }
            name = a.substring(0, open);
            dims = select(a.substring(open + 1, a.length() - 1), columns, spec);
        }
        int d = dims == null ? columns.size() : dims.length;
        Kernel k = switch (name) {
            case "rbf" -> new Rbf(1);
            case "ard" -> new Rbf(d);
            case "matern52" -> new Matern52();
            case "linear" -> new Linear();
            case "const" -> new Constant();
            case "white" -> new White();
            default -> throw new UsageException("unknown kernel '" + name + "' in '" + spec + "'; allowed: " + ALLOWED);
        };
        return dims == null ? k : new Subset(k, dims, a.substring(open + 1, a.length() - 1));
    }

    private static int[] select(String list, List<String> columns, String spec) {
        List<Integer> idx = new ArrayList<>();
        for (String g : list.split(",")) {
            boolean found = false;
            for (int i = 0; i < columns.size(); i++) {
                String c = columns.get(i);
                if (c.equals(g) || c.startsWith(g + ".")) {
                    if (!idx.contains(i)) {
                        idx.add(i);
                    }
                    found = true;
                }
            }
            if (!found) {
                throw new UsageException("kernel '" + spec + "': no feature column or group '" + g + "'; columns: " + String.join(", ", columns));
            }
        }
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---- the kernels ----------------------------------------------------------------------------

    /** Squared exponential; with {@code dims > 1} one length scale per feature (ARD). */
    static final class Rbf extends Kernel {
        private final List<Hyper> h = new ArrayList<>();

        Rbf(int dims) {
            for (int i = 0; i < dims; i++) {
                h.add(new Hyper(dims == 1 ? "length_scale" : "length_scale_" + i, 1.0, LOWER, UPPER));
            }
        }

        private double ls(int i) {
            return h.get(h.size() == 1 ? 0 : i).value();
        }

        @Override
        public double k(double[] a, double[] b, boolean same) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                double d = (a[i] - b[i]) / ls(i);
                s += d * d;
            }
            return Math.exp(-0.5 * s);
        }

        @Override
        public void gradient(double[] a, double[] b, boolean same, double[] out, int offset) {
            double k = k(a, b, same);
            for (int i = 0; i < a.length; i++) {
                double d = (a[i] - b[i]) / ls(i);
                out[offset + (h.size() == 1 ? 0 : i)] += k * d * d;
            }
        }

        @Override
        public List<Hyper> hypers() {
            return h;
        }

        @Override
        public String describe() {
            if (h.size() == 1) {
                return "RBF(length_scale=" + fmt(h.get(0).value()) + ")";
            }
            return "RBF(length_scale=" + Arrays.toString(h.stream().mapToDouble(Hyper::value).mapToObj(Kernel::fmt).toArray()) + ")";
        }
    }

    /** Matern nu = 5/2, isotropic: (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r). */
    static final class Matern52 extends Kernel {
        private final Hyper ls = new Hyper("length_scale", 1.0, LOWER, UPPER);

        private double r(double[] a, double[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                double d = (a[i] - b[i]) / ls.value();
                s += d * d;
            }
            return Math.sqrt(s);
        }

        @Override
        public double k(double[] a, double[] b, boolean same) {
            double r = r(a, b);
            double s5 = Math.sqrt(5) * r;
            return (1 + s5 + 5.0 / 3.0 * r * r) * Math.exp(-s5);
        }

        @Override
        public void gradient(double[] a, double[] b, boolean same, double[] out, int offset) {
            // dk/dr = -(5/3) r (1 + sqrt5 r) exp(-sqrt5 r); dr/dlog(l) = -r.
            double r = r(a, b);
            out[offset] += 5.0 / 3.0 * r * r * (1 + Math.sqrt(5) * r) * Math.exp(-Math.sqrt(5) * r);
        }

        @Override
        public List<Hyper> hypers() {
            return List.of(ls);
        }

        @Override
        public String describe() {
            return "Matern(length_scale=" + fmt(ls.value()) + ", nu=2.5)";
        }
    }

    /** scikit-learn's DotProduct: sigma_0^2 + a . b. */
    static final class Linear extends Kernel {
        private final Hyper sigma0 = new Hyper("sigma_0", 1.0, LOWER, UPPER);

        @Override
        public double k(double[] a, double[] b, boolean same) {
            double s = sigma0.value() * sigma0.value();
            for (int i = 0; i < a.length; i++) {
                s += a[i] * b[i];
            }
            return s;
        }

        @Override
        public void gradient(double[] a, double[] b, boolean same, double[] out, int offset) {
            out[offset] += 2 * sigma0.value() * sigma0.value();
        }

        @Override
        public List<Hyper> hypers() {
            return List.of(sigma0);
        }

        @Override
        public String describe() {
            return "DotProduct(sigma_0=" + fmt(sigma0.value()) + ")";
        }
    }

    static final class Constant extends Kernel {
        private final Hyper c = new Hyper("constant_value", 1.0, LOWER, UPPER);

        @Override
        public double k(double[] a, double[] b, boolean same) {
            return c.value();
        }

        @Override
        public void gradient(double[] a, double[] b, boolean same, double[] out, int offset) {
            out[offset] += c.value();
        }

        @Override
        public List<Hyper> hypers() {
            return List.of(c);
        }

        @Override
        public String describe() {
            return fmt(Math.sqrt(c.value())) + "**2";
        }
    }

    /** Independent noise: noise_level on the diagonal of the training Gram matrix only. */
    static final class White extends Kernel {
        private final Hyper noise = new Hyper("noise_level", 1.0, LOWER, UPPER);

        @Override
        public double k(double[] a, double[] b, boolean same) {
            return same ? noise.value() : 0;
        }

        @Override
        public void gradient(double[] a, double[] b, boolean same, double[] out, int offset) {
            out[offset] += same ? noise.value() : 0;
        }

        @Override
        public List<Hyper> hypers() {
            return List.of(noise);
        }

        @Override
        public String describe() {
            return "WhiteKernel(noise_level=" + fmt(noise.value()) + ")";
        }
    }

    static final class Sum extends Kernel {
        private final Kernel a;
        private final Kernel b;

        Sum(Kernel a, Kernel b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public double k(double[] x, double[] y, boolean same) {
            return a.k(x, y, same) + b.k(x, y, same);
        }

        @Override
        public void gradient(double[] x, double[] y, boolean same, double[] out, int offset) {
            a.gradient(x, y, same, out, offset);
            b.gradient(x, y, same, out, offset + a.size());
        }

        @Override
        public List<Hyper> hypers() {
            return concat(a, b);
        }

        @Override
        public String describe() {
            return a.describe() + " + " + b.describe();
        }
    }

    static final class Product extends Kernel {
        private final Kernel a;
        private final Kernel b;

        Product(Kernel a, Kernel b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public double k(double[] x, double[] y, boolean same) {
            return a.k(x, y, same) * b.k(x, y, same);
        }

        @Override
        public void gradient(double[] x, double[] y, boolean same, double[] out, int offset) {
            // d(ab) = b da + a db
            double ka = a.k(x, y, same);
            double kb = b.k(x, y, same);
            double[] ga = new double[a.size()];
            double[] gb = new double[b.size()];
            a.gradient(x, y, same, ga, 0);
            b.gradient(x, y, same, gb, 0);
            for (int i = 0; i < ga.length; i++) {
                out[offset + i] += kb * ga[i];
            }
            for (int i = 0; i < gb.length; i++) {
                out[offset + ga.length + i] += ka * gb[i];
            }
        }

        @Override
        public List<Hyper> hypers() {
            return concat(a, b);
        }

        @Override
        public String describe() {
            return "(" + a.describe() + ") * (" + b.describe() + ")";
        }
    }

    /** A kernel that looks only at some features: the prior's notion of which situations are similar. */
    static final class Subset extends Kernel {
        private final Kernel inner;
        private final int[] dims;
        private final String label;

        Subset(Kernel inner, int[] dims, String label) {
            this.inner = inner;
            this.dims = dims;
            this.label = label;
        }

        private double[] pick(double[] x) {
            double[] p = new double[dims.length];
            for (int i = 0; i < dims.length; i++) {
                p[i] = x[dims[i]];
            }
            return p;
        }

        @Override
        public double k(double[] a, double[] b, boolean same) {
            return inner.k(pick(a), pick(b), same);
        }

        @Override
        public void gradient(double[] a, double[] b, boolean same, double[] out, int offset) {
            inner.gradient(pick(a), pick(b), same, out, offset);
        }

        @Override
        public List<Hyper> hypers() {
            return inner.hypers();
        }

        @Override
        public String describe() {
            return inner.describe() + "[" + label + "]";
        }
    }
}
