package org.mesalab.bench;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Rng;
import org.mesalab.core.VectorEnv;
import org.mesalab.core.envs.Envs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Env steps per second on one thread, random actions, observation writes and auto-resets included.
 * {@code single}: one env; {@code vector}: a {@link VectorEnv} of 64 (scores are per env step).
 *
 * <p>Run: {@code mvn -q -B -DskipTests package && java -jar bench/target/benchmarks.jar EnvStep}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EnvStepBenchmark {
    static final int ENVS = 64;
    static final int BATCH = 1024;

    @Param({"maze", "coinrun", "heist", "lava"})
    public String env;

    @Param({"train"})
    public String split;

    private Distribution dist;
    private Env single;
    private VectorEnv vector;
    private Rng rng;
    private int actions;
    private int[] batch;
    private int[][] actionTable;

    @Setup(Level.Trial)
    public void setup() {
        dist = Envs.get(env).distribution(split, Map.of());
        rng = new Rng(1);
        single = dist.create();
        single.reset(dist.sampleLevelSeed(rng));
        vector = new VectorEnv(dist, ENVS, 2);
        vector.reset();
        actions = dist.env().actions().size();
        batch = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            batch[i] = rng.nextInt(actions);
        }
        actionTable = new int[16][ENVS];
        for (int[] row : actionTable) {
            for (int i = 0; i < ENVS; i++) {
                row[i] = rng.nextInt(actions);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int single() {
        int sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += single.step(rng.nextInt(actions));
            if (single.done()) {
                single.reset(dist.sampleLevelSeed(rng));
            }
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(ENVS * 16)
    public float vector() {
        for (int[] row : actionTable) {
            vector.step(row);
        }
        return vector.rewards[0];
    }
}
