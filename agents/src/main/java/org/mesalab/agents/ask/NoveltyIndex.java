package org.mesalab.agents.ask;

import com.github.jelmerk.knn.DistanceFunction;
import com.github.jelmerk.knn.Item;
import com.github.jelmerk.knn.SearchResult;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import java.util.List;

/**
 * Nearest training activation, fast: an HNSW graph (Malkov and Yashunin 2018; hnswlib's Java port) over
 * activations recorded on training levels, answering the Euclidean distance to the nearest one. Items
 * are added one by one in order and HNSW draws each item's level from a hash of its id, so the same
 * activations give the same index and the same answers.
 */
public final class NoveltyIndex {
    /** HNSW's graph degree and search breadths (hnswlib's defaults are 10 / 10 / 200; a wider search for recall). */
    private static final int M = 16;
    private static final int EF = 64;
    private static final int EF_CONSTRUCTION = 200;

    private record Vec(Integer id, float[] vector) implements Item<Integer, float[]> {
        @Override
        public int dimensions() {
            return vector.length;
        }
    }

    private final HnswIndex<Integer, float[], Vec, Float> index;
    private final int size;

    public NoveltyIndex(List<float[]> activations) {
        if (activations.isEmpty()) {
            throw new IllegalArgumentException("no training activations");
        }
        int d = activations.get(0).length;
        index = HnswIndex.newBuilder(d, new Euclidean(), activations.size()).withM(M).withEf(EF).withEfConstruction(EF_CONSTRUCTION)
                .build();
        for (int i = 0; i < activations.size(); i++) {
            index.add(new Vec(i, activations.get(i)));
        }
        size = activations.size();
    }

    /**
     * Sets the search breadth of queries (default {@value #EF}): smaller is faster and misses the exact nearest
     * activation more often (BENCHMARKS.md measures both).
     */
    public void searchBreadth(int ef) {
        if (ef < 1) {
            throw new IllegalArgumentException("ef=" + ef);
        }
        index.setEf(ef);
    }

    /**
     * Euclidean distance with eight partial sums. hnswlib's own sums the squares in one float, so every addition waits
     * for the previous one (about four cycles per dimension, 0.4 us for a 256-wide vector, most of a query's time);
     * independent sums let the core overlap them (BENCHMARKS.md measures the difference).
     */
    static final class Euclidean implements DistanceFunction<float[], Float> {
        private static final long serialVersionUID = 1L;

        @Override
        public Float distance(float[] u, float[] v) {
            return (float) Math.sqrt(squared(u, v));
        }

        static float squared(float[] u, float[] v) {
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            int n = u.length;
            int i = 0;
            for (; i + 7 < n; i += 8) {
                float d0 = u[i] - v[i];
                float d1 = u[i + 1] - v[i + 1];
                float d2 = u[i + 2] - v[i + 2];
                float d3 = u[i + 3] - v[i + 3];
                float d4 = u[i + 4] - v[i + 4];
                float d5 = u[i + 5] - v[i + 5];
                float d6 = u[i + 6] - v[i + 6];
                float d7 = u[i + 7] - v[i + 7];
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
                s4 += d4 * d4;
                s5 += d5 * d5;
                s6 += d6 * d6;
                s7 += d7 * d7;
            }
            for (; i < n; i++) {
                float d = u[i] - v[i];
                s0 += d * d;
            }
            return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        }
    }

    /** Distance from {@code activation} to the nearest stored one. */
    public double distance(float[] activation) {
        List<SearchResult<Vec, Float>> r = index.findNearest(activation, 1);
        return r.get(0).distance();
    }

    public int size() {
        return size;
    }
}
