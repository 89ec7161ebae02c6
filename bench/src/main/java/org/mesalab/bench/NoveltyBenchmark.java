package org.mesalab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mesalab.agents.ask.NoveltyIndex;
import org.mesalab.core.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The novelty signal's query: distance to the nearest of 100,000 stored activations (HNSW), against a
 * brute-force scan of the same vectors. Stored vectors are activation-like: 2,000 centres (states) with
 * small noise, in the width of the default MLP's last layer; queries are fresh draws of the same kind.
 *
 * <p>Run: {@code mvn -q -B -DskipTests package && java -jar bench/target/benchmarks.jar Novelty}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class NoveltyBenchmark {
    @Param({"100000"})
    public int stored;

    @Param({"256"})
    public int width;

    /** HNSW's query breadth (the index's default is 64): the speed and exactness trade-off. */
    @Param({"64"})
    public int ef;

    private NoveltyIndex index;
    private float[][] all;
    private float[][] queries;
    private int next;

    @Setup
    public void setup() {
        Rng rng = new Rng(1);
        float[][] centres = new float[2000][width];
        for (float[] c : centres) {
            for (int j = 0; j < width; j++) {
                c[j] = (float) (rng.nextDouble() * 2 - 1);
            }
        }
        all = new float[stored][];
        List<float[]> list = new ArrayList<>();
        for (int i = 0; i < stored; i++) {
            all[i] = draw(centres, rng);
            list.add(all[i]);
        }
        index = new NoveltyIndex(list);
        queries = new float[1024][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = draw(centres, rng);
        }
        index.searchBreadth(ef);
        int exact = 0;
        for (float[] q : queries) {
            next = 0;
            exact += Math.abs(index.distance(q) - scan(q)) < 1e-4 ? 1 : 0;
        }
        System.out.printf("%nef %d: the exact nearest activation in %d of %d queries%n", ef, exact, queries.length);
        next = 0;
    }

    private float[] draw(float[][] centres, Rng rng) {
        float[] c = centres[rng.nextInt(centres.length)];
        float[] v = new float[width];
        for (int j = 0; j < width; j++) {
            v[j] = c[j] + (float) (0.05 * (rng.nextDouble() * 2 - 1));
        }
        return v;
    }

    @Benchmark
    public double hnsw() {
        return index.distance(queries[next++ & 1023]);
    }

    @Benchmark
    public double bruteForce() {
        return scan(queries[next++ & 1023]);
    }

    private double scan(float[] q) {
        double best = Double.POSITIVE_INFINITY;
        for (float[] v : all) {
            double s = 0;
            for (int j = 0; j < v.length; j++) {
                double d = v[j] - q[j];
                s += d * d;
            }
            best = Math.min(best, s);
        }
        return Math.sqrt(best);
    }
}
