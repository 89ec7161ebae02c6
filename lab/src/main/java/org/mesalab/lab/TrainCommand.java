package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.Ppo;
import org.mesalab.agents.PpoConfig;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.Torch;
import org.mesalab.agents.TrainSetup;
import org.mesalab.agents.UpdateStats;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.Envs;
import org.mesalab.core.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", description = {
        "Train an agent on a split's levels and write a run directory (config.json, metrics.jsonl, checkpoints/, policy.bin).",
        "--set env.KEY=VALUE overrides a level-generator parameter; --set ppo.KEY=VALUE a PPO hyperparameter (see README)."})
final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--env", description = "environment name (not needed with --resume)")
    String env;

    @Option(names = "--algo", defaultValue = "ppo", description = "learner: ppo (default: ${DEFAULT-VALUE})")
    String algo;

    @Option(names = "--split", defaultValue = "train", description = "split to train on (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "env.KEY=VALUE or ppo.KEY=VALUE (repeatable)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--num-levels", defaultValue = "0", description = "train on this many distinct levels; 0: unbounded (default: ${DEFAULT-VALUE})")
    long numLevels;

    @Option(names = "--start-level", defaultValue = "0", description = "first level index of the split used (default: ${DEFAULT-VALUE})")
    long startLevel;

    @Option(names = "--steps", description = "env steps in total (default: the env's budget, see README)")
    Long steps;

    @Option(names = "--seed", defaultValue = "1", description = "master seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "PyTorch threads (default: the number of cores); results are reproducible per seed and thread count")
    Integer threads;

    @Option(names = "--out", description = "run directory to create (or continue with --resume)")
    Path out;

    @Option(names = "--resume", arity = "0..1", paramLabel = "RUN_DIR", fallbackValue = "",
            description = "continue an interrupted run from its last checkpoint (RUN_DIR, or the --out directory)")
    String resume;

    @Option(names = "--json", description = "print the summary as JSON")
    boolean json;

    /**
     * Default budgets per env, from measured learning curves of the default network (BENCHMARKS.md):
     * maze: 81% held-out train success at 1.5M steps (3 seeds), 100% at 3M; coinrun passes 95% near 0.3M; heist learns slowly (59% at 4M).
     */
    static long defaultSteps(String env) {
        return switch (env) {
            case "maze" -> 3_000_000L;
            case "coinrun" -> 1_000_000L;
            case "heist" -> 4_000_000L;
            default -> 500_000L;
        };
    }

    @Override
    public void run() {
        if (!algo.equals("ppo")) {
            throw new UsageException("--algo=" + algo + " is not available; allowed: ppo");
        }
        Ppo ppo;
        Map<String, Object> config;
        long total;
        int nThreads;
        if (resume != null) {
            Path dir = !resume.isEmpty() ? Path.of(resume) : out;
            if (dir == null) {
                throw new UsageException("--resume needs a run directory: --resume RUN_DIR or --out RUN_DIR --resume");
            }
            RunDir run = RunDir.open(dir);
            config = run.readConfig();
            if (!"ppo".equals(config.get("algo"))) {
                throw new UsageException(dir + " is not a PPO run");
            }
            total = ((Number) config.get("total_steps")).longValue();
            nThreads = ((Number) config.get("threads")).intValue();
            if (steps != null && steps != total) {
                throw new UsageException("--steps=" + steps + " differs from the run's " + total + "; a resumed run keeps its budget (its learning-rate schedule depends on it)");
            }
            @SuppressWarnings("unchecked")
            PpoConfig cfg = PpoConfig.fromMap((Map<String, Object>) config.get("ppo"));
            ppo = Ppo.resume(run, TrainSetup.trainDistribution(config), cfg, ((Number) config.get("seed")).longValue(), total, nThreads);
            out = dir;
        } else {
            if (env == null) {
                throw new UsageException("--env is required; allowed: " + Envs.names());
            }
            if (out == null) {
                throw new UsageException("--out RUN_DIR is required");
            }
            EnvType type = Envs.get(env);
            Map<String, Double> envOverrides = new LinkedHashMap<>();
            PpoConfig cfg = PpoConfig.defaults();
            List<String> envSets = new ArrayList<>();
            for (String kv : sets) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new UsageException("--set " + kv + " is malformed; allowed: env.KEY=VALUE or ppo.KEY=VALUE");
                }
                String key = kv.substring(0, eq).trim();
                if (key.startsWith("ppo.")) {
                    cfg = cfg.with(key.substring(4), kv.substring(eq + 1));
                } else {
                    envSets.add(kv);
                }
            }
            envOverrides.putAll(EnvOptions.parse(type, envSets));
            total = steps != null ? steps : defaultSteps(env);
            if (total <= 0) {
                throw new UsageException("--steps=" + total + " is out of range; allowed: a positive integer");
            }
            nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            if (nThreads <= 0 || nThreads > 256) {
                throw new UsageException("--threads=" + nThreads + " is out of range; allowed: [1, 256]");
            }
            cfg.validate(total);
            Distribution train = TrainSetup.trainDistribution(type, split, envOverrides, startLevel, numLevels);
            RunDir run = RunDir.create(out);
            // All input is valid: start the engine before anything else touches it, since the thread count is fixed at start.
            Torch.start(nThreads);
            config = new LinkedHashMap<>();
            config.put("algo", "ppo");
            config.put("env", env);
            config.put("split", split);
            config.put("env_overrides", envOverrides);
            config.put("env_params", train.params().asJson());
            config.put("start_level", startLevel);
            config.put("num_levels", numLevels);
            config.put("seed", seed);
            config.put("total_steps", total);
            config.put("threads", nThreads);
            config.put("versions", Versions.all());
            config.put("git_commit", Versions.gitCommit());
            config.put("created", Instant.now().toString());
            config.put("command", "mesalab train " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            ppo = Ppo.start(cfg, train, seed, total, nThreads, run, config);
        }
        Progress progress = new Progress(System.err, System.console() != null, 5);
        long started = System.nanoTime();
        long startStep = ppo.globalStep();
        UpdateStats[] last = new UpdateStats[1];
        double[] network = new double[1];
        final long budget = total;
        try (ppo) {
            ppo.train(s -> {
                last[0] = s;
                network[0] += s.networkSeconds();
                progress.onUpdate(s, budget);
            });
        } catch (Ppo.Diverged d) {
            throw new UsageException(d.getMessage());
        }
        double wall = (System.nanoTime() - started) / 1e9;
        long done = ppo.globalStep() - startStep;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_dir", out.toString());
        summary.put("env", config.get("env"));
        summary.put("steps", ppo.globalStep());
        summary.put("updates", ppo.completedUpdates());
        summary.put("wall_seconds", wall);
        summary.put("steps_per_second", done / wall);
        summary.put("network_share", wall > 0 ? network[0] / wall : Double.NaN);
        summary.put("train_success", last[0] == null ? Double.NaN : last[0].trainSuccess());
        summary.put("mean_return", last[0] == null ? Double.NaN : last[0].meanReturn());
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Json.print(w, summary);
        } else {
            w.printf("trained %s: %,d steps in %s (%,.0f steps/s, %.0f%% in network calls); train success %.1f%% over the last %d episodes%n",
                    config.get("env"), ppo.globalStep(), Progress.time(wall), done / wall, 100 * network[0] / wall,
                    100 * (last[0] == null ? Double.NaN : last[0].trainSuccess()), Ppo.WINDOW);
            w.printf("run directory: %s  (evaluate: mesalab eval %s --split test)%n", out, out);
            w.flush();
        }
    }
}
