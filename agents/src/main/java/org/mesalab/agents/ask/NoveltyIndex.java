package org.mesalab.agents.ask;

import com.github.jelmerk.knn.DistanceFunctions;
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
        index = HnswIndex.newBuilder(d, DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE, activations.size()).withM(M).withEf(EF).withEfConstruction(EF_CONSTRUCTION)
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

    /** Distance from {@code activation} to the nearest stored one. */
    public double distance(float[] activation) {
        List<SearchResult<Vec, Float>> r = index.findNearest(activation, 1);
        return r.get(0).distance();
    }

    public int size() {
        return size;
    }
}
