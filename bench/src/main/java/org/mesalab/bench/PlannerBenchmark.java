package org.mesalab.bench;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.agents.mcts.Mcts;
import org.mesalab.agents.planner.LatentModel;
import org.mesalab.agents.planner.Planner;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.agents.planner.PlannerNetwork;
import org.mesalab.core.Distribution;
import org.mesalab.core.Rng;
import org.mesalab.core.VectorEnv;
import org.mesalab.core.envs.Envs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The planner's two kinds of network work at its default configuration on maze, one PyTorch thread:
 * one batched search step (all trees, every simulation; the default networks, untrained) and one
 * gradient step on a batch sampled from a replay filled by a few iterations of self-play. Scores are
 * milliseconds per step.
 *
 * <p>Run: {@code mvn -q -B -DskipTests package && java -jar bench/target/benchmarks.jar Planner}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class PlannerBenchmark {
    private NDManager manager;
    private Mcts mcts;
    private LatentModel model;
    private Rng rng;
    private Planner planner;
    private Path dir;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Torch.start(1);
        PlannerConfig cfg = PlannerConfig.defaults().with("warmup", "0");
        Distribution d = Envs.get("maze").distribution("train", Map.of());
        VectorEnv envs = new VectorEnv(d, cfg.numEnvs(), 1);
        envs.reset();
        manager = Torch.newManager(1);
        PlannerNetwork net = PlannerNetwork.create(manager, cfg, envs.env(0), new Rng(2));
        model = new LatentModel(manager, net, null, null, cfg.discount(), cfg.numEnvs(), cfg.simulations());
        model.setRoots(envs.observations, cfg.numEnvs());
        mcts = new Mcts(cfg.searchConfig(), cfg.numEnvs(), envs.env(0).numActions());
        rng = new Rng(3);
        dir = Files.createTempDirectory("mesalab-planner-bench");
        long steps = 10L * cfg.numEnvs() * cfg.unroll();
        planner = Planner.start(cfg.into(RunManifest.of("planner", "maze", "train", Map.of(), 0, 0, 1, steps, 1, Map.of(), "bench",
                Instant.now().toString(), "PlannerBenchmark")), RunDir.create(dir.resolve("run")));
        planner.train(s -> { });
    }

    @Benchmark
    public float searchStep() {
        mcts.search(model, true, rng);
        return mcts.rootValue(0);
    }

    @Benchmark
    public long gradientStep() {
        planner.gradientStep();
        return planner.gradientSteps();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        planner.close();
        manager.close();
    }
}
