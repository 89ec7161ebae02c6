package org.mesalab.agents.ask;

import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.Item;
import com.github.jelmerk.knn.SearchResult;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * Nearest training activation, fast. Activations are projected onto their leading principal components,
 * as many as hold {@value #VARIANCE} of their variance and at least {@value #MIN_COMPONENTS}; an HNSW graph
 * (Malkov and Yashunin 2018; hnswlib's Java port) over the projections proposes the {@value #CANDIDATES}
 * nearest, and the answer is the exact full-width Euclidean distance to the nearest of those. So a distance
 * is never below the true nearest one, and equals it whenever the true nearest is among the candidates
 * (BENCHMARKS.md measures how often on trained agents' last hidden layers: maze and coinrun PPO, 100,000
 * stored activations each).
 *
 * <p>Why project: a query's time goes to fetching scattered stored vectors, one per visited graph node, not
 * to the arithmetic; tens of floats per node instead of 256 is what brings a query over 100,000 activations
 * to tens of microseconds. Why by variance: on activations that span all their dimensions a fixed 16
 * components missed the nearest in half the queries (BENCHMARKS.md), so such activations keep nearly all
 * their components and the index stays as exact (and as slow) as an unprojected one. Items are added one by
 * one in order, HNSW draws each item's level from a hash of its id, and the components come from a fixed
 * sample, so the same activations give the same index and the same answers.
 */
public final class NoveltyIndex {
    /** Share of the activations' variance the kept components hold. */
    static final double VARIANCE = 0.9;
    /**
     * Fewer components than this buy little speed and cost exactness: coinrun's layer holds 90% of its variance
     * in 7, and 16 candidates on 16 components held the nearest in only 906 of 1,024 queries (BENCHMARKS.md).
     */
    static final int MIN_COMPONENTS = 32;
    /** Candidates re-ranked at full width. */
    static final int CANDIDATES = 32;
    /** Activations the principal components are fitted on (every k-th one when there are more). */
    private static final int PCA_SAMPLE = 20_000;
    /**
     * HNSW's graph degree and search breadths (hnswlib's defaults are 10 / 10 / 200; a wider graph for recall).
     * A query searches as wide as the candidates it returns (on maze's layer ef 64 measured 2.2x slower than ef
     * 16 for one more exact answer in 1,024: BENCHMARKS.md).
     */
    private static final int M = 16;
    private static final int EF = CANDIDATES;
    private static final int EF_CONSTRUCTION = 200;

    private record Vec(Integer id, float[] vector) implements Item<Integer, float[]> {
        @Override
        public int dimensions() {
            return vector.length;
        }
    }

    private final HnswIndex<Integer, float[], Vec, Float> index;
    private final float[][] stored;
    private final float[] mean;
    /** Rows are the kept principal directions, or null when the activations are searched unprojected. */
    private final float[][] components;

    public NoveltyIndex(List<float[]> activations) {
        this(activations, VARIANCE);
    }

    /**
     * An index searching on the leading principal components that hold {@code variance} of the activations'
     * variance (at least {@value #MIN_COMPONENTS}); at 1, or when that is all of them, it searches the
     * activations unprojected (the exact nearest up to HNSW's own misses).
     */
    public NoveltyIndex(List<float[]> activations, double variance) {
        if (!(variance > 0 && variance <= 1)) {
            throw new IllegalArgumentException("variance=" + variance);
        }
        if (activations.isEmpty()) {
            throw new IllegalArgumentException("no training activations");
        }
        int d = activations.get(0).length;
        stored = distinct(activations);
        double[] sum = new double[d];
        for (float[] a : stored) {
            for (int j = 0; j < d; j++) {
                sum[j] += a[j];
            }
        }
        mean = new float[d];
        for (int j = 0; j < d; j++) {
            mean[j] = (float) (sum[j] / stored.length);
        }
        components = d > MIN_COMPONENTS && variance < 1 ? principalComponents(stored, mean, variance) : null;
        int width = components == null ? d : components.length;
        index = HnswIndex.newBuilder(width, DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE, stored.length).withM(M).withEf(EF)
                .withEfConstruction(EF_CONSTRUCTION).build();
        for (int i = 0; i < stored.length; i++) {
            index.add(new Vec(i, project(stored[i])));
        }
    }

    /** Principal components searched, or the activations' width when unprojected. */
    public int components() {
        return components == null ? mean.length : components.length;
    }

    /** Activation as a hash key by content: a repeated activation adds nothing to a nearest-distance query. */
    private record Content(float[] v) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Content c && Arrays.equals(v, c.v);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(v);
        }
    }

    /**
     * The activations without repeats, first occurrences in order. Repeats (a state revisited, the same
     * observation on another step) leave every nearest distance as it was, and an HNSW graph over many equal
     * points links them to each other instead of to their surroundings, which cost the measured exactness on
     * real activations (BENCHMARKS.md).
     */
    private static float[][] distinct(List<float[]> activations) {
        Set<Content> seen = new LinkedHashSet<>();
        for (float[] a : activations) {
            seen.add(new Content(a));
        }
        return seen.stream().map(Content::v).toArray(float[][]::new);
    }

    /**
     * The leading eigenvectors of the activations' covariance (from an evenly spaced sample of them) that hold
     * {@code variance} of the total, at least {@value #MIN_COMPONENTS}; null when that takes all of them.
     */
    private static float[][] principalComponents(float[][] x, float[] mean, double variance) {
        int d = mean.length;
        int step = Math.max(1, x.length / PCA_SAMPLE);
        int n = (x.length + step - 1) / step;
        DMatrixRMaj centred = new DMatrixRMaj(n, d);
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < d; j++) {
                centred.set(r, j, x[r * step][j] - mean[j]);
            }
        }
        DMatrixRMaj covariance = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransA(centred, centred, covariance);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(covariance)) {
            throw new IllegalStateException("eigendecomposition of the activations' covariance failed");
        }
        Integer[] order = new Integer[d];
        double total = 0;
        for (int i = 0; i < d; i++) {
            order[i] = i;
            total += Math.max(0, eig.getEigenvalue(i).real);
        }
        // Largest eigenvalue first; ties by index, so the order does not depend on the sort.
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(eig.getEigenvalue(b).real, eig.getEigenvalue(a).real);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int k = 0;
        double held = 0;
        while (k < d && (k < MIN_COMPONENTS || held < variance * total)) {
            held += Math.max(0, eig.getEigenvalue(order[k]).real);
            k++;
        }
        if (k >= d) {
            return null;
        }
        float[][] out = new float[k][d];
        for (int c = 0; c < k; c++) {
            DMatrixRMaj v = eig.getEigenVector(order[c]);
            double norm = NormOps_DDRM.normF(v);
            for (int j = 0; j < d; j++) {
                out[c][j] = (float) (v.get(j) / norm);
            }
        }
        return out;
    }

    private float[] project(float[] a) {
        if (components == null) {
            return a;
        }
        float[] p = new float[components.length];
        for (int c = 0; c < components.length; c++) {
            float[] v = components[c];
            float s = 0;
            for (int j = 0; j < a.length; j++) {
                s += (a[j] - mean[j]) * v[j];
            }
            p[c] = s;
        }
        return p;
    }

    /**
     * Sets the graph search's breadth (default {@value #EF}; below the {@value #CANDIDATES} candidates it has no effect):
     * smaller is faster and misses the exact nearest activation more often (BENCHMARKS.md measures both).
     */
    public void searchBreadth(int ef) {
        if (ef < 1) {
            throw new IllegalArgumentException("ef=" + ef);
        }
        index.setEf(ef);
    }

    /** Distance from {@code activation} to the nearest stored one (of the graph's candidates, at full width). */
    public double distance(float[] activation) {
        double best = Double.POSITIVE_INFINITY;
        for (SearchResult<Vec, Float> c : index.findNearest(project(activation), CANDIDATES)) {
            float[] s = stored[c.item().id()];
            double sum = 0;
            for (int j = 0; j < s.length; j++) {
                double e = s[j] - activation[j];
                sum += e * e;
            }
            best = Math.min(best, sum);
        }
        return Math.sqrt(best);
    }

    /** Distinct activations stored. */
    public int size() {
        return stored.length;
    }
}
