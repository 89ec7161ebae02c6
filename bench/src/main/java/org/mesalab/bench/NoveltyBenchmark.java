package org.mesalab.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.mesalab.agents.ask.NoveltyIndex;
import org.mesalab.agents.interp.Npy;
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
 * The novelty signal's query: distance to the nearest of 100,000 stored activations (HNSW over their
 * principal components, candidates re-ranked at full width), against a brute-force scan of the same
 * vectors. Two kinds of stored vectors: {@code synthetic}, 2,000 random centres (states) with small noise
 * in the width of the default MLP's last layer, spanning all 256 dimensions (the worst case for a
 * projection), queries fresh draws of the same kind; or a real layer's activations, a {@code .npy} file
 * written by {@code mesalab activations} ({@code -p activations=DIR/hidden2.npy}): its first rows are
 * stored, 1,024 evenly spaced rows after them are the queries.
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

    /** HNSW's query breadth (the index's default is 32): the speed and exactness trade-off. */
    @Param({"32"})
    public int ef;

    /** Share of variance the searched principal components hold (the index's default is 0.9; 1: unprojected). */
    @Param({"0.9"})
    public double variance;

    /** {@code synthetic}, or the path of a {@code .npy} matrix of activations. */
    @Param({"synthetic"})
    public String activations;

    private NoveltyIndex index;
    private float[][] all;
    private float[][] queries;
    private int next;

    @Setup
    public void setup() {
        if (activations.equals("synthetic")) {
            synthetic();
        } else {
            float[][] rows = Npy.readMatrix(Path.of(activations));
            if (rows.length < stored + 1024) {
                throw new IllegalArgumentException(activations + " has " + rows.length + " rows; needs stored + 1,024 = " + (stored + 1024));
            }
            all = Arrays.copyOf(rows, stored);
            queries = new float[1024][];
            int step = (rows.length - stored) / queries.length;
            for (int i = 0; i < queries.length; i++) {
                queries[i] = rows[stored + i * step];
            }
        }
        long start = System.nanoTime();
        index = new NoveltyIndex(Arrays.asList(all), variance);
        System.out.printf("%nindex of %d x %d (%d distinct, %d components) built in %.1f s%n", all.length, all[0].length, index.size(), index.components(),
                (System.nanoTime() - start) / 1e9);
        index.searchBreadth(ef);
        int exact = 0;
        double[] excess = new double[queries.length];
        for (int i = 0; i < queries.length; i++) {
            double found = index.distance(queries[i]);
            double nearest = scan(queries[i]);
            exact += Math.abs(found - nearest) < 1e-4 ? 1 : 0;
            excess[i] = nearest > 0 ? found / nearest - 1 : 0;
        }
        Arrays.sort(excess);
        System.out.printf("%nef %d: the exact nearest activation in %d of %d queries; reported distance above the nearest: "
                + "99th percentile %.1f%%, max %.1f%%%n", ef, exact, queries.length, 100 * excess[excess.length * 99 / 100],
                100 * excess[excess.length - 1]);
        next = 0;
    }

    private void synthetic() {
        Rng rng = new Rng(1);
        float[][] centres = new float[2000][width];
        for (float[] c : centres) {
            for (int j = 0; j < width; j++) {
                c[j] = (float) (rng.nextDouble() * 2 - 1);
            }
        }
        all = new float[stored][];
        for (int i = 0; i < stored; i++) {
            all[i] = draw(centres, rng);
        }
        queries = new float[1024][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = draw(centres, rng);
        }
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
