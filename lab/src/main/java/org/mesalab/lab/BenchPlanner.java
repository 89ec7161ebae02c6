package org.mesalab.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.agents.planner.Planner;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.core.EnvType;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Self-play and training throughput of the planner at a configuration: a real run in a temporary
 * directory (deleted afterwards), measured after its warm-up.
 */
@Command(name = "planner", footer = {"", "Examples:", "  mesalab bench planner --json", "  mesalab bench planner --steps 50000 --set planner.num_envs=128",
        "  mesalab bench planner --env coinrun --set planner.overlap=false --threads 1"},
        description = {"Planner self-play + training throughput: env steps/s, gradient steps/s, samples per env step, the share of",
            "time in network calls, and the achieved GFLOP/s of all network work (search and training, counted from the layer sizes)."})
final class BenchPlanner implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--env", defaultValue = "maze", description = "environment (default: ${DEFAULT-VALUE})")
    String env;

    @Option(names = "--steps", defaultValue = "40000", description = "env steps of the measured run (default: ${DEFAULT-VALUE})")
    long steps;

    @Option(names = "--threads", defaultValue = "1", description = "PyTorch threads (default: ${DEFAULT-VALUE}, as each run of an experiment)")
    int threads;

    @Option(names = "--set", paramLabel = "planner.KEY=VALUE", description = "planner hyperparameter (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public void run() {
        EnvType type = Envs.get(env);
        if (steps < 1000 || steps > 100_000_000) {
            throw new UsageException("--steps=" + steps + " is out of range; allowed: [1000, 100000000]");
        }
        if (threads < 1 || threads > 256) {
            throw new UsageException("--threads=" + threads + " is out of range; allowed: [1, 256]");
        }
        PlannerConfig cfg = PlannerConfig.defaults();
        for (String kv : sets) {
            int eq = kv.indexOf('=');
            if (eq <= 0 || !kv.startsWith("planner.")) {
                throw new UsageException("--set " + kv + " is malformed; allowed: planner.KEY=VALUE");
            }
            cfg = cfg.with(kv.substring("planner.".length(), eq), kv.substring(eq + 1));
        }
        cfg = cfg.with("checkpoint_every", Integer.toString(Integer.MAX_VALUE)).validate(steps, type.splits().keySet());
        Path dir;
        try {
            dir = Files.createTempDirectory("mesalab-bench-planner");
        } catch (IOException e) {
            throw new UsageException("cannot create a temporary directory: " + org.mesalab.core.UsageException.why(e));
        }
        Torch.start(threads);
        RunManifest m = cfg.into(RunManifest.of("planner", env, "train", Map.of(), 0, 0, 1, steps, threads, Map.of(), "bench", Instant.now().toString(),
                "mesalab bench planner"));
        Map<String, Object> out = new LinkedHashMap<>();
        try (Planner p = Planner.start(m, RunDir.create(dir.resolve("run")))) {
            double[] mark = new double[5]; // wall, global step, gradient steps, network seconds, flops at the end of warm-up
            long start = System.nanoTime();
            final PlannerConfig c = cfg;
            p.train(s -> {
                if (mark[0] == 0 && s.globalStep() >= Math.max(c.warmup(), steps / 5)) {
                    mark[0] = (System.nanoTime() - start) / 1e9;
                    mark[1] = p.globalStep();
                    mark[2] = p.gradientSteps();
                    mark[3] = p.networkSeconds();
                    mark[4] = p.flops();
                }
            });
            double wall = (System.nanoTime() - start) / 1e9 - mark[0];
            double network = p.networkSeconds() - mark[3];
            out.put("env", env);
            out.put("threads", threads);
            out.put("overlap", cfg.overlap());
            out.put("num_envs", cfg.numEnvs());
            out.put("simulations", cfg.simulations());
            out.put("env_steps_per_second", (p.globalStep() - mark[1]) / wall);
            out.put("gradient_steps_per_second", (p.gradientSteps() - mark[2]) / wall);
            out.put("samples_per_env_step", (double) cfg.updatesPerStep() * cfg.batchSize() / cfg.numEnvs());
            out.put("network_share", network / (wall * (cfg.overlap() ? 2 : 1)));
            out.put("gflops", (p.flops() - mark[4]) / network / 1e9);
            out.put("measured_seconds", wall);
        } finally {
            delete(dir);
        }
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Json.print(w, out);
            return;
        }
        w.printf("planner on %s, %d envs x %d simulations%s, %d thread(s): %,.0f env steps/s, %,.1f gradient steps/s, %.1f samples per env step,"
                        + " %.0f%% in network calls, %.1f GFLOP/s%n", env, cfg.numEnvs(), cfg.simulations(), cfg.overlap() ? " (actor and learner overlapped)" : "",
                threads, out.get("env_steps_per_second"), out.get("gradient_steps_per_second"), out.get("samples_per_env_step"),
                100 * (double) out.get("network_share"), out.get("gflops"));
        w.flush();
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it up eventually
        }
    }
}
