package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.Diverged;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.Torch;
import org.mesalab.agents.TrainSetup;
import org.mesalab.agents.planner.Planner;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.agents.ppo.Ppo;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.UpdateStats;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", description = {
        "Train an agent on a split's levels and write a run directory (config.json, metrics.jsonl, checkpoints/, policy.bin).",
        "--set env.KEY=VALUE overrides a level-generator parameter; --set ppo.KEY=VALUE a PPO hyperparameter,",
        "--set planner.KEY=VALUE a planner hyperparameter (see README)."})
final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--env", description = "environment name (not needed with --resume)")
    String env;

    @Option(names = "--algo", defaultValue = "ppo", description = "learner: ppo or planner (MCTS over learned networks) (default: ${DEFAULT-VALUE})")
    String algo;

    @Option(names = "--split", defaultValue = "train", description = "split to train on (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "env.KEY=VALUE, ppo.KEY=VALUE or planner.KEY=VALUE (repeatable)")
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
        String resumedAlgo = null;
        if (resume != null) {
            Path dir = !resume.isEmpty() ? Path.of(resume) : out;
            if (dir == null) {
                throw new UsageException("--resume needs a run directory: --resume RUN_DIR or --out RUN_DIR --resume");
            }
            resumedAlgo = String.valueOf(RunDir.open(dir).readConfig().get("algo"));
        }
        String chosen = resumedAlgo != null ? resumedAlgo : algo;
        if (chosen.equals("planner")) {
            trainPlanner();
            return;
        }
        if (!chosen.equals("ppo")) {
            throw new UsageException("--algo=" + algo + " is not available; allowed: ppo, planner");
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
            EnvType type = newRunEnv();
            Map<String, Double> envOverrides = new LinkedHashMap<>();
            List<String> envSets = new ArrayList<>();
            Map<String, String> hyper = splitSets("ppo", envSets);
            PpoConfig cfg = PpoConfig.defaults();
            for (Map.Entry<String, String> h : hyper.entrySet()) {
                cfg = cfg.with(h.getKey(), h.getValue());
            }
            envOverrides.putAll(EnvOptions.parse(type, envSets));
            total = budget(defaultSteps(env));
            nThreads = threadCount();
            cfg.validate(total);
            Distribution train = TrainSetup.trainDistribution(type, split, envOverrides, startLevel, numLevels);
            RunDir run = RunDir.create(out);
            // All input is valid: start the engine before anything else touches it, since the thread count is fixed at start.
            Torch.start(nThreads);
            config = manifest("ppo", train, envOverrides, total, nThreads);
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
        } catch (Diverged d) {
            throw new UsageException(d.getMessage());
        }
        summarize(config, ppo.globalStep(), ppo.completedUpdates(), startStep, started, network[0],
                last[0] == null ? Double.NaN : last[0].trainSuccess(), last[0] == null ? Double.NaN : last[0].meanReturn(), Ppo.WINDOW);
    }

    /** A new run needs --env and --out: the env's type. */
    private EnvType newRunEnv() {
        if (env == null) {
            throw new UsageException("--env is required; allowed: " + Envs.names());
        }
        if (out == null) {
            throw new UsageException("--out RUN_DIR is required");
        }
        return Envs.get(env);
    }

    /** --steps, or the learner's default budget for the env; positive. */
    private long budget(long defaultSteps) {
        long total = steps != null ? steps : defaultSteps;
        if (total <= 0) {
            throw new UsageException("--steps=" + total + " is out of range; allowed: a positive integer");
        }
        return total;
    }

    /** --threads, or the number of cores; in [1, 256]. */
    private int threadCount() {
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (n <= 0 || n > 256) {
            throw new UsageException("--threads=" + n + " is out of range; allowed: [1, 256]");
        }
        return n;
    }

    /**
     * Splits the --set values into the learner's hyperparameters ({@code learner.KEY=VALUE}, returned
     * without the prefix, in order) and env overrides (added to {@code envSets}); the other learner's
     * prefix is refused.
     */
    private Map<String, String> splitSets(String learner, List<String> envSets) {
        String other = learner.equals("ppo") ? "planner" : "ppo";
        Map<String, String> hyper = new LinkedHashMap<>();
        for (String kv : sets) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--set " + kv + " is malformed; allowed: env.KEY=VALUE or " + learner + ".KEY=VALUE");
            }
            String key = kv.substring(0, eq).trim();
            if (key.startsWith(learner + ".")) {
                hyper.put(key.substring(learner.length() + 1), kv.substring(eq + 1));
            } else if (key.startsWith(other + ".")) {
                throw new UsageException("--set " + kv + ": " + other + ".* applies to --algo " + other + "; allowed with --algo " + learner
                        + ": env.KEY=VALUE or " + learner + ".KEY=VALUE");
            } else {
                envSets.add(kv);
            }
        }
        return hyper;
    }

    /** The run's manifest: everything needed to reproduce it. */
    private Map<String, Object> manifest(String algoName, Distribution train, Map<String, Double> envOverrides, long total, int nThreads) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("algo", algoName);
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
        return config;
    }

    private void summarize(Map<String, Object> config, long globalStep, int updates, long startStep, long started, double networkSeconds,
                           double trainSuccess, double meanReturn, int window) {
        double wall = (System.nanoTime() - started) / 1e9;
        long done = globalStep - startStep;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_dir", out.toString());
        summary.put("env", config.get("env"));
        summary.put("algo", config.get("algo"));
        summary.put("steps", globalStep);
        summary.put("updates", updates);
        summary.put("wall_seconds", wall);
        summary.put("steps_per_second", done / wall);
        summary.put("network_share", wall > 0 ? networkSeconds / wall : Double.NaN);
        summary.put("train_success", trainSuccess);
        summary.put("mean_return", meanReturn);
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            Json.print(w, summary);
        } else {
            w.printf("trained %s: %,d steps in %s (%,.0f steps/s, %.0f%% in network calls); train success %.1f%% over the last %d episodes%n",
                    config.get("env"), globalStep, Progress.time(wall), done / wall, 100 * networkSeconds / wall, 100 * trainSuccess, window);
            w.printf("run directory: %s  (evaluate: mesalab eval %s --split test)%n", out, out);
            w.flush();
        }
    }

    /** Same flow as PPO's: new run or resume, progress on stderr, a summary on stdout. */
    private void trainPlanner() {
        Planner planner;
        Map<String, Object> config;
        long total;
        if (resume != null) {
            Path dir = !resume.isEmpty() ? Path.of(resume) : out;
            RunDir run = RunDir.open(dir);
            config = run.readConfig();
            total = ((Number) config.get("total_steps")).longValue();
            if (steps != null && steps != total) {
                throw new UsageException("--steps=" + steps + " differs from the run's " + total + "; a resumed run keeps its budget");
            }
            @SuppressWarnings("unchecked")
            PlannerConfig cfg = PlannerConfig.fromMap((Map<String, Object>) config.get("planner"));
            EnvType type = Envs.get((String) config.get("env"));
            planner = Planner.resume(run, TrainSetup.trainDistribution(config), modelData(cfg, type, (String) config.get("split"), TrainSetup.overrides(config)), cfg,
                    ((Number) config.get("seed")).longValue(), total, ((Number) config.get("threads")).intValue());
            out = dir;
        } else {
            EnvType type = newRunEnv();
            List<String> envSets = new ArrayList<>();
            Map<String, String> hyper = splitSets("planner", envSets);
            PlannerConfig cfg = PlannerConfig.defaults();
            for (Map.Entry<String, String> h : hyper.entrySet()) {
                cfg = cfg.with(h.getKey(), h.getValue());
            }
            Map<String, Double> envOverrides = new LinkedHashMap<>(EnvOptions.parse(type, envSets));
            total = budget(defaultPlannerSteps(env));
            int nThreads = threadCount();
            cfg.validate(total, type.splits().keySet());
            Distribution train = TrainSetup.trainDistribution(type, split, envOverrides, startLevel, numLevels);
            Distribution modelData = modelData(cfg, type, split, envOverrides);
            RunDir run = RunDir.create(out);
            Torch.start(nThreads);
            config = manifest("planner", train, envOverrides, total, nThreads);
            planner = Planner.start(cfg, train, modelData, seed, total, nThreads, run, config);
        }
        Progress progress = new Progress(System.err, System.console() != null, 5);
        long started = System.nanoTime();
        long startStep = planner.globalStep();
        Planner.Report[] last = new Planner.Report[1];
        double[] network = new double[1];
        final long budget = total;
        try (planner) {
            planner.train(r -> {
                last[0] = r;
                network[0] += r.networkSeconds();
                progress.onProgress(r.iteration(), r.iterations(), r.globalStep(), budget, r.stepsPerSecond(), r.meanReturn(), r.trainSuccess());
            });
        } catch (Diverged d) {
            throw new UsageException(d.getMessage());
        }
        summarize(config, planner.globalStep(), planner.completedIterations(), startStep, started, network[0],
                last[0] == null ? Double.NaN : last[0].trainSuccess(), last[0] == null ? Double.NaN : last[0].meanReturn(), Planner.WINDOW);
    }

    /**
     * The reward-free world-model data of model lanes: the lower (training) half of the model split's
     * levels, that split as every run sees it ({@link TrainSetup#trainingHalf}).
     */
    private static Distribution modelData(PlannerConfig cfg, EnvType type, String trainSplit, Map<String, Double> overrides) {
        return cfg.modelEnvs() == 0 ? null : TrainSetup.trainingHalf(type, cfg.modelSplit(), trainSplit, overrides);
    }

    /** Default planner budgets per env: maze reaches 95% train success well within these (BENCHMARKS.md). */
    static long defaultPlannerSteps(String env) {
        return switch (env) {
            case "maze" -> 300_000L;
            case "coinrun" -> 300_000L;
            default -> 500_000L;
        };
    }
}
