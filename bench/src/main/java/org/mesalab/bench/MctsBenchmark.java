package org.mesalab.bench;

import java.util.concurrent.TimeUnit;
import org.mesalab.agents.mcts.DummyModel;
import org.mesalab.agents.mcts.Mcts;
import org.mesalab.core.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Tree operations of the batched search (selection, expansion, backup) with a model that has no
 * network: scores are simulations per second over all trees, one thread. 5 actions (maze), 16 trees
 * of 32 simulations per search.
 *
 * <p>Run: {@code mvn -q -B -DskipTests package && java -jar bench/target/benchmarks.jar Mcts}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MctsBenchmark {
    static final int TREES = 16;
    static final int SIMULATIONS = 32;

    @Param({"GUMBEL", "PUCT"})
    public String kind;

    private Mcts mcts;
    private DummyModel model;
    private Rng rng;

    @Setup
    public void setup() {
        mcts = new Mcts(Mcts.Config.defaults(Mcts.Kind.valueOf(kind), SIMULATIONS), TREES, 5);
        model = new DummyModel(TREES, 5);
        rng = new Rng(1);
    }

    @Benchmark
    @OperationsPerInvocation(TREES * SIMULATIONS)
    public float search() {
        mcts.search(model, true, rng);
        return mcts.rootValue(0);
    }
}
