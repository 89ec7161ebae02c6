package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.Diverged;
import org.mesalab.agents.EpisodeWindow;
import org.mesalab.agents.Learner;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.agents.planner.Planner;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.agents.ppo.Ppo;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.core.EnvType;
import org.mesalab.core.Param;
import org.mesalab.core.Settings;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.experiment.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", footer = {"", "Examples:", "  mesalab train --env maze --seed 1 --out runs/maze-ppo", "  mesalab train --env maze --set env.cheese_region=3 --set ppo.width=64 --out runs/r3", "  mesalab train --env maze --algo planner --set planner.model_envs=4 --out runs/maze-planner", "  mesalab train --out runs/maze-ppo --resume"}, description = {
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

    @Option(names = "--threads", description = "PyTorch threads (default: 1 for MLP networks, half the cores for conv; see BENCHMARKS.md);"
            + " results are reproducible per seed and thread count")
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
     * maze: 81% held-out train success at 1.5M steps (3 seeds), 100% at 3M; coinrun passes 95% near 0.3M; heist learns slowly (59% at 4M, 87% at 8M).
     */
    static long defaultSteps(String env) {
        return switch (env) {
            case "maze" -> 3_000_000L;
            case "coinrun" -> 1_000_000L;
            case "heist" -> 8_000_000L;
            default -> 500_000L;
        };
    }

    /**
     * Set by the experiment runner for its child trainings: the child stops when its parent is gone
     * (its standard input, a pipe from the parent, reaches end of file, which happens however the
     * parent dies, kill -9 included), so no training outlives the run that started it.
     */

    @Override
    public void run() {
        if (System.getenv(org.mesalab.lab.experiment.Runner.CHILD_EXITS_WITH_PARENT) != null) {
            org.mesalab.lab.experiment.Runner.exitWithParent("the experiment that started this training is gone; stopping (resume continues from the last checkpoint)");
        }
        Learner<?> learner = resume != null ? resume() : start();
        // The run directory is this process's while it trains: a second writer is refused with this PID.
        try (RunDir.Lock lock = held) {
            train(learner);
        }
    }

    /** The lock on the run directory, taken before the learner touches any file in it. */
    private RunDir.Lock held;

    /** Continues the run of --resume (or --out): its manifest decides everything but the progress output. */
    private Learner<?> resume() {
        Path dir = !resume.isEmpty() ? Path.of(resume) : out;
        if (dir == null) {
            throw new UsageException("--resume needs a run directory: --resume RUN_DIR or --out RUN_DIR --resume");
        }
        PrintWriter err = spec.commandLine().getErr();
        RunDir run = RunDir.open(dir).warnTo(w -> {
            err.println(w);
            err.flush();
        });
        RunManifest m = run.readManifest();
        refuseNewRunOptions(m);
        if (steps != null && steps != m.totalSteps()) {
            throw new UsageException("--steps=" + steps + " differs from the run's " + m.totalSteps()
                    + "; a resumed run keeps its budget (its learning-rate schedule depends on it)");
        }
        out = dir;
        held = run.lock(command());
        return m.isPlanner() ? Planner.resume(run) : Ppo.resume(run);
    }

    /**
     * A resumed run is its manifest: an option that would change it is refused rather than ignored
     * (the same value, as the experiment runner's {@code --threads 1}, is fine).
     */
    private void refuseNewRunOptions(RunManifest m) {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        Map<String, Object[]> given = new LinkedHashMap<>();
        given.put("--env", new Object[] {env, m.env()});
        given.put("--algo", new Object[] {algo, m.algo()});
        given.put("--split", new Object[] {split, m.split()});
        given.put("--seed", new Object[] {seed, m.seed()});
        given.put("--threads", new Object[] {threads, m.threads()});
        given.put("--num-levels", new Object[] {numLevels, m.numLevels()});
        given.put("--start-level", new Object[] {startLevel, m.startLevel()});
        for (Map.Entry<String, Object[]> g : given.entrySet()) {
            Object[] v = g.getValue();
            if (pr.hasMatchedOption(g.getKey()) && !String.valueOf(v[0]).equals(String.valueOf(v[1]))) {
                throw new UsageException(g.getKey() + "=" + v[0] + " differs from the resumed run's " + v[1]
                        + "; a resumed run keeps its configuration (config.json); allowed: leave it out, or start a new run with another --out");
            }
        }
        if (!sets.isEmpty()) {
            throw new UsageException("--set " + sets.get(0) + " cannot change a resumed run (its configuration is config.json); allowed: leave it out,"
                    + " or start a new run with another --out");
        }
    }

    /** A new run: every input is checked before the run directory is created or the engine starts. */
    private Learner<?> start() {
        if (!algo.equals("ppo") && !algo.equals("planner")) {
            throw new UsageException("--algo=" + algo + " is not available; allowed: ppo, planner");
        }
        EnvType type = newRunEnv();
        List<String> envSets = new ArrayList<>();
        Map<String, String> hyper = splitSets(algo, envSets);
        Map<String, Double> envOverrides = type.parseOverrides(envSets);
        boolean planner = algo.equals("planner");
        long total = budget(planner ? defaultPlannerSteps(env) : defaultSteps(env));
        int nThreads = threadCount("conv".equals(hyper.get("network")));
        if (seed < 0) {
            throw new UsageException("--seed=" + seed + " is out of range; allowed: a non-negative integer");
        }
        if (numLevels < 0) {
            throw new UsageException("--num-levels=" + numLevels + " is out of range; allowed: 0 (unbounded) or a positive integer");
        }
        if (startLevel < 0) {
            throw new UsageException("--start-level=" + startLevel + " is out of range; allowed: a non-negative integer");
        }
        RunManifest m = RunManifest.of(algo, env, split, envOverrides, startLevel, numLevels, seed, total, nThreads, null,
                Versions.gitCommit(), Instant.now().toString(), command());
        if (planner) {
            PlannerConfig cfg = PlannerConfig.defaults();
            for (Map.Entry<String, String> h : hyper.entrySet()) {
                cfg = cfg.with(h.getKey(), h.getValue());
            }
            m = cfg.validate(total, type.splits().keySet()).into(m);
            noteRounding(total, cfg.numEnvs(), "planner.num_envs");
        } else {
            PpoConfig cfg = PpoConfig.defaults();
            for (Map.Entry<String, String> h : hyper.entrySet()) {
                cfg = cfg.with(h.getKey(), h.getValue());
            }
            m = cfg.validate(total).into(m);
            noteRounding(total, cfg.batchSize(), "ppo.num_envs x ppo.num_steps");
        }
        RunDir run = RunDir.create(out);
        held = run.lock(command());
        // All input is valid: start the engine before anything else touches it, since the thread count is fixed at start.
        Torch.start(nThreads);
        m = m.withVersions(Versions.all());
        return planner ? Planner.start(m, run) : Ppo.start(m, run);
    }

    /** The command line as the user typed it (for the manifest). */
    private String command() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        // The command's own name comes first when the whole command line is recorded; it is written once.
        boolean named = !args.isEmpty() && args.get(0).equals("train");
        return "mesalab train " + String.join(" ", named ? args.subList(1, args.size()) : args);
    }

    /** Trains to the end of the budget with progress on stderr, then prints the summary. */
    private <S extends Learner.Stats> void train(Learner<S> learner) {
        Progress progress = new Progress(System.err, System.console() != null, 5);
        long started = System.nanoTime();
        long startStep = learner.globalStep();
        List<Learner.Stats> last = new ArrayList<>(List.of());
        double[] network = new double[1];
        long total = learner.manifest().totalSteps();
        try (learner) {
            learner.train(s -> {
                last.clear();
                last.add(s);
                network[0] += s.networkSeconds();
                progress.onProgress(s, total);
            });
        } catch (Diverged d) {
            throw new UsageException(d.getMessage());
        }
        Learner.Stats end = last.isEmpty() ? null : last.get(0);
        summarize(learner.manifest(), learner.globalStep(), learner.completedIterations(), startStep, started, network[0],
                end == null ? Double.NaN : end.trainSuccess(), end == null ? Double.NaN : end.meanReturn());
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

    /** The largest budget, as in experiment specs: 10^10 env steps (weeks on a laptop; beyond it iteration counts overflow). */
    static final long MAX_STEPS = 10_000_000_000L;

    /** --steps, or the learner's default budget for the env; in [1, 10^10]. */
    private long budget(long defaultSteps) {
        long total = steps != null ? steps : defaultSteps;
        if (total <= 0 || total > MAX_STEPS) {
            throw new UsageException("--steps=" + total + " is out of range; allowed: [1, 10000000000]");
        }
        return total;
    }

    /** Training runs whole iterations: a budget that is not a multiple of one is said to be rounded down, not silently cut. */
    private void noteRounding(long total, long unit, String what) {
        if (total % unit != 0) {
            spec.commandLine().getErr().printf("mesalab: note: --steps=%d trains %,d steps: whole iterations of %,d (%s)%n", total, total / unit * unit,
                    unit, what);
            spec.commandLine().getErr().flush();
        }
    }

    /**
     * --threads, or the default measured on 2 cores (BENCHMARKS.md, "Threads under contention"): a
     * second thread gains 10-12% on an idle machine and loses 60-70% when another process wants a
     * core (PyTorch's threads wait for each other), for the MLP and the conv trunk alike. So a run
     * takes one thread on 2 cores; conv runs take half the cores on larger machines (not measured
     * there: the half leaves the rest to env stepping and other runs). In [1, 256].
     */
    private int threadCount(boolean conv) {
        int n = threads != null ? threads : conv ? Math.max(1, Runtime.getRuntime().availableProcessors() / 2) : 1;
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

    private void summarize(RunManifest m, long globalStep, int updates, long startStep, long started, double networkSeconds,
                           double trainSuccess, double meanReturn) {
        double wall = (System.nanoTime() - started) / 1e9;
        long done = globalStep - startStep;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_dir", out.toString());
        summary.put("env", m.env());
        summary.put("algo", m.algo());
        summary.put("steps", globalStep);
        summary.put("steps_this_session", done); // a resumed run: the wall time and speed below are this session's
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
            String session = done == globalStep ? String.format("%,d steps in %s", globalStep, Progress.time(wall))
                    : String.format("%,d steps, %,d of them in this session's %s", globalStep, done, Progress.time(wall));
            String success = Double.isNaN(trainSuccess) ? "no training episode ended yet"
                    : String.format("train success %.1f%% over the last %d episodes", 100 * trainSuccess, EpisodeWindow.SIZE);
            w.printf("trained %s: %s (%,.0f steps/s, %.0f%% in network calls); %s%n", m.env(), session, done / wall, 100 * networkSeconds / wall, success);
            w.printf("run directory: %s  (evaluate: mesalab eval %s --split test)%n", out, out);
            w.flush();
        }
    }

    /** The learners' hyperparameters for {@code train --help}, from their declarations: key, default, allowed values, meaning. */
    static List<String> hyperparameterHelp() {
        List<String> lines = new ArrayList<>();
        for (Settings<?> s : List.of(PpoConfig.SETTINGS, PlannerConfig.SETTINGS)) {
            lines.add("");
            lines.add("Hyperparameters (--set " + s.owner() + ".KEY=VALUE), default; allowed; meaning:");
            for (Param p : s.params()) {
                lines.add(String.format("  %-18s %-8s %s; %s", p.name(), p.defaultText(), p.range(), p.doc()).replace("%", "%%"));
            }
        }
        lines.add("");
        lines.add("Env parameters (--set env.KEY=VALUE): see 'mesalab envs'.");
        return lines;
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
