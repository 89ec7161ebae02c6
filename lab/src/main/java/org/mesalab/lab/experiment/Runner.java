package org.mesalab.lab.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.planner.ObjectivePicture;
import org.mesalab.agents.planner.PlannerPolicy;
import org.mesalab.agents.planner.SlotChoice;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.Param;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;
import org.mesalab.core.assistant.Assistant;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.BehavioralObjective;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Outcome;
import org.mesalab.core.eval.Policies;
import org.mesalab.core.goodhart.Curve;
import org.mesalab.core.goodhart.Gold;
import org.mesalab.core.goodhart.Goodhart;
import org.mesalab.core.render.Heatmap;
import org.mesalab.core.render.Renderer;

/**
 * Runs every condition x seed of a spec: trains each in a child process ({@code mesalab train}, one
 * PyTorch thread, so independent runs use the cores in parallel and a crash stays contained), then
 * evaluates every split (every objective slot for planners) and runs the diagnoses in this process,
 * and writes the run to the store in one transaction. Rerunning skips finished runs and resumes
 * interrupted ones from their checkpoints.
 */
public final class Runner {
    private final String cliMain;
    private final Spec spec;
    private final Path out;
    private final Store store;
    private final int jobs;
    private final PrintWriter log;
    /** The class path of a training child: this JVM's, or on a Spark executor the application jar's. */
    private final String classPath;
    /** Evaluation and refits share one engine per process, one at a time (on a Spark executor, across its tasks). */
    private static final Object EVAL_LOCK = new Object();

    /**
     * @param cliMain the command line's main class: each run trains in a child JVM as its {@code train}
     *                command, so a run of a spec is exactly a command the user can repeat (and its log
     *                reads like one); the command line passes itself, so this package does not depend on it
     */
    public Runner(Spec spec, Path out, Store store, int jobs, PrintWriter log, String cliMain) {
        this(spec, out, store, jobs, log, cliMain, Map::of, null);
    }

    /**
     * As above, with what an rl Goodhart case records in its run's manifest: the versions (asked for only
     * when such a case trains, after the engine started with its thread count) and the git commit.
     */
    public Runner(Spec spec, Path out, Store store, int jobs, PrintWriter log, String cliMain, java.util.function.Supplier<Map<String, Object>> versions,
                  String gitCommit) {
        this(spec, out, store, jobs, log, cliMain, versions, gitCommit, System.getProperty("java.class.path"));
    }

    private Runner(Spec spec, Path out, Store store, int jobs, PrintWriter log, String cliMain, java.util.function.Supplier<Map<String, Object>> versions,
                   String gitCommit, String classPath) {
        this.classPath = classPath;
        this.cliMain = cliMain;
        this.spec = spec;
        this.out = out;
        this.store = store;
        this.jobs = jobs;
        this.log = log;
        this.versions = versions;
        this.gitCommit = gitCommit;
    }

    private final java.util.function.Supplier<Map<String, Object>> versions;
    private final String gitCommit;

    /**
     * A runner that only trains and evaluates single runs ({@link #trainAndEvaluate}), without a store: a cluster
     * task's. Its training children run {@code cliMain} on {@code classPath}.
     */
    public static Runner forTask(Spec spec, Path out, PrintWriter log, String cliMain, String classPath) {
        return new Runner(spec, out, null, 1, log, cliMain, Map::of, null, classPath);
    }

    /** The environment variable that makes a child training stop with this process (read by the train command). */
    public static final String CHILD_EXITS_WITH_PARENT = "MESALAB_EXIT_WITH_PARENT";

    /**
     * Stops this process, saying {@code why}, when its standard input (a pipe from the parent, which writes
     * nothing) ends: however the parent dies, kill -9 included, its child does not outlive it.
     */
    public static void exitWithParent(String why) {
        Thread t = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; any byte is ignored
                }
            } catch (java.io.IOException ignored) {
                // a broken pipe means the same as end of file
            }
            System.err.println("mesalab: " + why);
            System.err.flush();
            Runtime.getRuntime().halt(3); // checkpoints and store rows are written atomically: stopping anywhere leaves them whole
        }, "parent-watch");
        t.setDaemon(true);
        t.start();
    }

    record Job(Spec.Condition condition, long seed, String runId, Path dir) {
    }

    List<Job> jobs() {
        List<Job> list = new ArrayList<>();
        for (Spec.Condition c : spec.conditions()) {
            for (long seed : c.seeds()) {
                String id = spec.name() + "/" + c.name() + "/seed-" + seed;
                list.add(new Job(c, seed, id, out.resolve(spec.name()).resolve(c.name()).resolve("seed-" + seed)));
            }
        }
        return list;
    }

    /**
     * What every way of running a spec does first: records the experiment, stores the assistant diagnosis and the
     * Goodhart curves not stored yet (in this process), and lists the runs not finished, longest first.
     */
    public List<String> prepare() {
        return unfinished().stream().map(Job::runId).toList();
    }

    /** {@link #prepare}'s work, as jobs. */
    private List<Job> unfinished() {
        store.putExperiment(spec);
        java.util.Set<String> finished = store.finishedRuns(spec.name());
        List<Job> todo = new ArrayList<>();
        for (Job j : jobs()) {
            if (!finished.contains(j.runId())) {
                todo.add(j);
            }
        }
        int total = jobs().size();
        long steps = todo.stream().mapToLong(j -> j.condition().steps()).sum();
        log.printf("experiment %s: %d runs (%d conditions), %d finished, %d to do (%,d env steps of training); %d in parallel%n", spec.name(), total,
                spec.conditions().size(), total - todo.size(), todo.size(), steps, jobs);
        log.flush();
        if (spec.diagnoses().contains("assistant") && store.query("SELECT run_id FROM diagnoses WHERE run_id = ?", spec.name() + "/assistant").isEmpty()) {
            assistant();
        }
        goodhart();
        store.release(); // the store is held only while a run is written: readers get in between
        // Longest first, so the parallel lanes finish together. A planner step, its evaluation included, costs about
        // 25 PPO steps: in the demo on 2 cores (2026-12-03) 20k planner steps took 33-52 s a job, 800k PPO maze steps
        // 58-59 s and 300k coinrun steps 39-49 s.
        todo.sort((a, b) -> Double.compare(cost(b), cost(a)));
        return todo;
    }

    /** Runs what is not finished yet; returns the number of runs trained or evaluated now. */
    public int run() {
        List<Job> todo = unfinished();
        int total = jobs().size();
        if (todo.isEmpty()) {
            return 0;
        }
        Overall progress = new Overall(todo, total - todo.size(), total);
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        Thread ticker = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(progress.interval());
                    log.println(progress.line());
                    log.flush();
                }
            } catch (InterruptedException ignored) {
                // done
            }
        });
        ticker.setDaemon(true);
        ticker.start();
        List<Future<?>> futures = new ArrayList<>();
        for (Job j : todo) {
            futures.add(pool.submit(() -> {
                long started = System.nanoTime();
                Store.RunRecord r = trainAndEvaluate(j, progress);
                store.putRun(r);
                store.release();
                progress.finished(j);
                log.printf("finished %s in %s%n", j.runId(), Progress.time((System.nanoTime() - started) / 1e9));
                log.flush();
                return null;
            }));
        }
        pool.shutdown();
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            pool.shutdownNow();
            Throwable c = e.getCause();
            if (c instanceof UsageException u) {
                throw u;
            }
            throw new IllegalStateException(c);
        } finally {
            ticker.interrupt();
        }
        return todo.size();
    }

    /** The job of a run id this spec has. */
    private Job job(String runId) {
        for (Job j : jobs()) {
            if (j.runId().equals(runId)) {
                return j;
            }
        }
        throw new UsageException("experiment " + spec.name() + " has no run " + runId);
    }

    /** Trains (or resumes) one run in a child process, then evaluates and diagnoses it here: a cluster task's work. */
    public Store.RunRecord trainAndEvaluate(String runId) {
        return trainAndEvaluate(job(runId), null);
    }

    /** Trains, then evaluates under the process's one evaluation lock; tells {@code progress} (null: nobody) where it is. */
    private Store.RunRecord trainAndEvaluate(Job j, Overall progress) {
        long started = System.nanoTime();
        if (progress != null) {
            progress.started(j);
        }
        train(j);
        synchronized (EVAL_LOCK) {
            if (progress != null) {
                progress.evaluating(j);
            }
            return evaluate(j, (System.nanoTime() - started) / 1e9);
        }
    }

    /** The last training step a run has logged (0 before its first line): for progress lines. */
    public long stepsDone(String runId) {
        return lastStep(job(runId).dir());
    }

    /** A run's training budget in env steps: for progress lines. */
    public long budget(String runId) {
        return job(runId).condition().steps();
    }

    private static double cost(Job j) {
        return j.condition().steps() * (j.condition().agent().equals("planner") ? 25.0 : 1.0);
    }

    /** Trains (or resumes) the run in a child process unless its policy is already written. */
    private void train(Job j) {
        if (Files.exists(j.dir().resolve("policy.bin"))) {
            return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(cliMain);
        cmd.add("train");
        if (Files.exists(j.dir().resolve("config.json"))) {
            cmd.add("--resume");
            cmd.add(j.dir().toString());
        } else {
            Spec.Condition c = j.condition();
            cmd.addAll(List.of("--env", c.env(), "--algo", c.agent(), "--split", c.trainSplit(), "--steps", Long.toString(c.steps()),
                    "--seed", Long.toString(j.seed()), "--out", j.dir().toString()));
            c.trainSet().forEach((k, v) -> cmd.addAll(List.of("--set", "env." + k + "=" + Param.format(v))));
            c.params().forEach((k, v) -> cmd.addAll(List.of("--set", c.agent() + "." + k + "=" + v)));
        }
        cmd.addAll(List.of("--threads", "1"));
        try {
            Files.createDirectories(j.dir().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("TORCH_CPP_LOG_LEVEL", "ERROR");
            pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE"); // as the launcher: waiting threads sleep, not spin
            // The child watches its standard input, a pipe from this process: when this process dies
            // (exit, exception, kill -9) the pipe closes and the child stops, so no training is orphaned.
            pb.environment().put(CHILD_EXITS_WITH_PARENT, "1");
            pb.redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.redirectErrorStream(true);
            Path logFile = j.dir().getParent().resolve(j.dir().getFileName() + ".log");
            if (Files.isDirectory(logFile)) {
                throw new UsageException("cannot write the training log " + logFile + ": it is a directory; move it away and rerun");
            }
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            Process p = pb.start();
            int rc;
            try {
                rc = p.waitFor();
            } catch (InterruptedException e) {
                p.destroyForcibly(); // the experiment is stopping (another run failed): its trainings stop with it
                throw e;
            }
            if (rc != 0) {
                String tail = String.join(" | ", Files.readAllLines(j.dir().getParent().resolve(j.dir().getFileName() + ".log")).stream()
                        .filter(l -> l.startsWith("mesalab:")).toList());
                throw new UsageException("training " + j.runId() + " failed (exit " + rc + ")" + (tail.isEmpty() ? "" : ": " + tail)
                        + "; log: " + j.dir() + ".log");
            }
        } catch (IOException e) {
            throw new UsageException("cannot start training of " + j.runId() + ": " + org.mesalab.core.UsageException.why(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted");
        }
    }

    /** Evaluation on every split (and objective), and the diagnoses, of a trained run. */
    private Store.RunRecord evaluate(Job j, double wall) {
        Spec.Condition c = j.condition();
        RunManifest manifest = RunDir.open(j.dir()).readManifest();
        EnvType type = Envs.get(c.env());
        List<Map<String, Object>> evaluations = new ArrayList<>();
        List<Map<String, Object>> episodes = new ArrayList<>();
        List<Map<String, Object>> diagnoses = new ArrayList<>();
        List<String> objectives = c.agent().equals("planner") ? c.objectives() : List.of("policy");
        for (String objective : objectives) {
            for (String split : c.evalSplits()) {
                Distribution d = manifest.distribution(split);
                long start = manifest.heldOutStart(split);
                Evaluator.Summary s;
                List<Episode> played = new ArrayList<>();
                try (Policy policy = policy(j, objective)) {
                    s = Evaluator.evaluate(policy, d, spec.episodes(), start);
                    for (Evaluator.Record r : s.records()) {
                        played.add(r.episode());
                    }
                    boolean primary = objective.equals(objectives.get(0));
                    if (primary && spec.diagnoses().contains("behavioral") && split.equals(lastSplit(c))) {
                        List<BehavioralObjective.Fit> fits = BehavioralObjective.diagnose(d, played.subList(0, Math.min(played.size(), 100)),
                                BehavioralObjective.candidates(type));
                        List<Map<String, Object>> rows = new ArrayList<>();
                        for (BehavioralObjective.Fit f : fits) {
                            rows.add(Map.of("objective", f.objective(), "posterior", f.posterior(), "beta", f.beta(), "log_likelihood", f.logLikelihood()));
                        }
                        diagnoses.add(Map.of("split", split, "kind", "behavioral", "payload", rows));
                    }
                    if (primary && spec.diagnoses().contains("heatmaps")) {
                        Env e = d.create();
                        int[][] counts = Heatmap.counts(played, e.width, e.height, false);
                        diagnoses.add(Map.of("split", split, "kind", "heatmap", "payload", Map.of("counts", counts, "episodes", played.size())));
                    }
                    if (primary && spec.diagnoses().contains("episodes")) {
                        for (int i = 0; i < Math.min(2, played.size()); i++) {
                            diagnoses.add(Map.of("split", split, "kind", "rollout", "payload", rollout(d, played.get(i), s.records().get(i).outcome())));
                        }
                    }
                }
                Map<String, Object> row = evaluationRow(split, objective, s);
                row.put("warning", manifest.sameAsTraining(split));
                evaluations.add(row);
                for (Evaluator.Record r : s.records()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("split", split);
                    e.put("objective", objective);
                    e.put("level_seed", r.episode().levelSeed());
                    e.put("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
                    e.put("intended_return", r.episode().intendedReturn());
                    e.put("steps", r.episode().steps());
                    Map<String, Integer> ev = new LinkedHashMap<>();
                    for (Event x : type.events()) {
                        ev.put(x.id(), r.episode().eventCounts()[x.ordinal()]);
                    }
                    e.put("events", ev);
                    episodes.add(e);
                }
            }
        }
        // One picture per condition (its first seed): drawing it refits the value of every events: slot (~35 s each on 2 cores).
        if (c.agent().equals("planner") && spec.diagnoses().contains("objective") && j.seed() == c.seeds().get(0)) {
            diagnoses.add(Map.of("split", lastSplit(c), "kind", "objective_picture", "payload", objectivePicture(j, c)));
        }
        if (c.agent().equals("planner") && spec.diagnoses().contains("world_model")) {
            for (String split : c.evalSplits()) {
                diagnoses.add(Map.of("split", split, "kind", "world_model", "payload", worldModel(j, manifest, split)));
            }
        }
        if (c.agent().equals("ppo")) { // the model-free agent's insides (probe, steer and mesa with their defaults)
            List<String> kinds = spec.diagnoses().stream().filter(k -> List.of("probes", "steering", "mesa").contains(k)).toList();
            if (!kinds.isEmpty()) {
                diagnoses.addAll(Inside.diagnose(j.dir(), manifest, lastSplit(c), spec.episodes(), 0, kinds));
            }
        }
        if (spec.help() != null) { // PPO and planner runs, each with the signals its learner reads
            diagnoses.add(Map.of("split", lastSplit(c), "kind", "help", "payload", help(j, manifest, lastSplit(c))));
        }
        List<Map<String, Object>> metrics = RunDir.open(j.dir()).readMetrics();
        return new Store.RunRecord(j.runId(), spec.name(), c, j.seed(), manifest, j.dir().toString(), wall, metrics, evaluations, episodes, diagnoses);
    }

    private static String lastSplit(Spec.Condition c) {
        return c.evalSplits().get(c.evalSplits().size() - 1);
    }

    static Map<String, Object> evaluationRow(String split, String objective, Evaluator.Summary s) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("split", split);
        row.put("objective", objective);
        row.put("episodes", s.episodes());
        row.put("intended_success", s.intendedSuccess().value());
        row.put("intended_low", s.intendedSuccess().low());
        row.put("intended_high", s.intendedSuccess().high());
        row.put("aligned", s.outcomes().get(Outcome.ALIGNED).value());
        Evaluator.Rate gm = s.outcomes().get(Outcome.GOAL_MISGENERALIZED);
        row.put("goal_misgeneralized", gm.value());
        row.put("goal_misgeneralized_low", gm.low());
        row.put("goal_misgeneralized_high", gm.high());
        row.put("capability_failure", s.outcomes().get(Outcome.CAPABILITY_FAILURE).value());
        Map<String, Double> proxies = new LinkedHashMap<>();
        s.proxySuccess().forEach((k, v) -> proxies.put(k, v.value()));
        row.put("proxy_success", proxies);
        row.put("mean_return", s.meanReturn());
        row.put("mean_steps", s.meanSteps());
        row.put("distribution", s.levels());
        row.put("separating", s.separatingJson());
        return row;
    }

    /** The frames of an episode for the report's player: the grid rows and the agent's cell at every step. */
    static Map<String, Object> rollout(Distribution d, Episode ep, Outcome outcome) {
        Env e = d.create();
        e.reset(ep.levelSeed());
        List<Object> frames = new ArrayList<>();
        frames.add(Map.of("grid", Renderer.grid(e), "x", e.agentX(), "y", e.agentY()));
        for (int a : ep.actions()) {
            e.step(a);
            frames.add(Map.of("grid", Renderer.grid(e), "x", e.agentX(), "y", e.agentY()));
        }
        Map<String, String> colours = new LinkedHashMap<>();
        e.legend().forEach((ch, name) -> {
            java.awt.Color col = Renderer.colour(name);
            colours.put(String.valueOf(ch), String.format("#%02x%02x%02x", col.getRed(), col.getGreen(), col.getBlue()));
        });
        java.awt.Color agent = Renderer.colour("agent");
        colours.put("agent", String.format("#%02x%02x%02x", agent.getRed(), agent.getGreen(), agent.getBlue()));
        java.awt.Color floor = Renderer.colour(e.legend().getOrDefault('.', "floor"));
        colours.put(".", String.format("#%02x%02x%02x", floor.getRed(), floor.getGreen(), floor.getBlue()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level_seed", ep.levelSeed());
        m.put("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT));
        m.put("frames", frames);
        m.put("colours", colours);
        return m;
    }

    /**
     * Does the world model know the events? Recall and precision of its event predictions on the
     * transitions of random walks over 100 held-out levels of the split (as {@code eval --world-model}).
     */
    private List<Map<String, Object>> worldModel(Job j, RunManifest manifest, String split) {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (PlannerPolicy p = PlannerPolicy.load(j.dir(), "learned", "train", 0, j.seed())) {
            for (PlannerPolicy.EventAccuracy a : p.eventAccuracy(manifest.distribution(split), manifest.heldOutStart(split), 100, j.seed())) {
                rows.add(a.asJson());
            }
        }
        return rows;
    }

    /** The planner's objective picture on the last evaluation split (also written to the run directory as PNG). */
    private Map<String, Object> objectivePicture(Job j, Spec.Condition c) {
        Path png = j.dir().resolve("objective-" + lastSplit(c) + ".png");
        try {
            ObjectivePicture picture = ObjectivePicture.draw(j.dir(), lastSplit(c), 0, c.objectives(), "train", note -> { });
            Renderer.writePng(picture.image(c.env() + "/" + lastSplit(c) + " level 0 (" + j.dir().getFileName() + "): what each objective says"), png);
            return Map.of("png_base64", Base64.getEncoder().encodeToString(Files.readAllBytes(png)), "objectives", c.objectives());
        } catch (IOException | UsageException e) {
            return Map.of("error", "could not draw the objective picture: " + RunDir.firstLine(e));
        }
    }

    /** The prior lever: the assistant under each kernel (seconds of GP fitting), stored once per experiment. */
    private void assistant() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String kernel : List.of("action", "outcome", "both", "ard")) {
            Assistant.Report r = Assistant.run(Assistant.builtIn(), kernel, null, 1);
            String essay = null;
            for (Assistant.Decision d : r.decisions()) {
                if (d.situation().name().equals(Assistant.ESSAY_QUESTION)) {
                    essay = d.choice();
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kernel", kernel);
            m.put("kernel_spec", r.kernelSpec());
            m.put("accuracy", r.accuracy());
            m.put("essay_question", Assistant.ESSAY_QUESTION);
            m.put("essay_choice", essay);
            m.put("test_situations", r.decisions().size());
            rows.add(m);
        }
        Store.RunRecord rec = new Store.RunRecord(spec.name() + "/assistant", spec.name(),
                new Spec.Condition("assistant", "assistant", "assistant", "gp", 0, 0, "train", Map.of(), Map.of(), List.of(), List.of(), null, null, List.of(1L)),
                1, null, "", 0, List.of(), List.of(), List.of(), List.of(Map.of("split", "test", "kind", "assistant", "payload", rows)));
        store.putRun(rec);
        store.release();
    }

    /** Measures the spec's Goodhart curves not yet in the store (in this process: they are env-bound and take seconds). */
    private void goodhart() {
        for (Spec.GoodhartCase c : spec.goodhart()) {
            if (store.hasGoodhart(spec.name(), c.name())) {
                continue;
            }
            long t0 = System.nanoTime();
            Curve curve;
            if (c.optimizer().equals(org.mesalab.agents.ppo.ProxyRl.RL)) {
                curve = rl(c);
            } else if (c.learned()) {
                curve = learned(c);
            } else if (c.env().equals(Spec.ASSISTANT)) {
                String kernel = c.proxy().substring(org.mesalab.core.goodhart.AssistantBestOfN.PREFIX.length());
                curve = org.mesalab.core.goodhart.AssistantBestOfN.curve(kernel, c.pressures(), c.episodes(), c.holdout(), 0, Math.max(1, jobs), c.pessimism());
            } else {
                EnvType type = Envs.get(c.env());
                Distribution dist = type.distribution(c.split(), c.set());
                org.mesalab.core.goodhart.Proxy proxy = Goodhart.proxy(c.proxy(), type.distribution("train", c.set()), type.intended(), 0,
                        "proxy '" + c.proxy() + "'");
                if (proxy instanceof org.mesalab.core.goodhart.RewardModel model) {
                    proxy = model.withPessimism(c.pessimism());
                }
                Goodhart.Setup setup = new Goodhart.Setup(dist, Evaluator.HELD_OUT_START, Goodhart.named(c.proxy(), c.pessimism()), proxy, new Gold(type.intended(), c.goldDiscount()),
                        c.optimizer(), c.pressures(), c.episodes(), c.holdout(), s -> Policies.parse(c.base(), type, s), c.base(), 0, Math.max(1, jobs));
                curve = Goodhart.measure(setup);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            store.putGoodhart(spec.name(), c, curve, seconds);
            store.release();
            log.printf(java.util.Locale.ROOT, "goodhart %s: gold peaks at %s=%d (%.4f), %.1f%% below it at the strongest pressure (%.1f s)%n", c.name(),
                    curve.pressureUnit(), curve.peak().pressure(), curve.peak().gold(), 100 * curve.peak().dropShare(), seconds);
            log.flush();
        }
    }

    /**
     * A learned case: a planner trained in {@code OUT/EXPERIMENT/goodhart+NAME} (seed 0, one engine thread, in this
     * process), then its learned reward optimized by its own search (greedy, or sampled) at each simulation budget, on the split's
     * held-out levels as the run sees them ({@code mesalab goodhart --proxy learned:RUN_DIR}). A folder left by an
     * interrupted attempt is replaced.
     */
    private Curve learned(Spec.GoodhartCase c) {
        EnvType type = Envs.get(c.env());
        org.mesalab.agents.planner.PlannerConfig cfg = org.mesalab.agents.planner.PlannerConfig.defaults();
        for (Map.Entry<String, String> e : c.planner().entrySet()) {
            cfg = cfg.with(e.getKey(), e.getValue());
        }
        int threads = org.mesalab.agents.Torch.threads() == -1 ? 1 : org.mesalab.agents.Torch.threads();
        org.mesalab.agents.Torch.start(threads);
        RunManifest m = cfg.into(RunManifest.of("planner", type.name(), "train", c.set(), 0, 0, 0, c.steps(), threads, null, gitCommit,
                java.time.Instant.now().toString(), "mesalab run " + spec.source() + " (goodhart case " + c.name() + ")")).withVersions(versions.get());
        Path dir = replaced(out.resolve(spec.name()).resolve("goodhart+" + c.name()), "learned curve");
        try (org.mesalab.agents.planner.Planner p = org.mesalab.agents.planner.Planner.start(m, RunDir.create(dir))) {
            p.train(r -> {
                log.printf(java.util.Locale.ROOT, "goodhart %s: planner %,d/%,d steps, train success %.1f%%%n", c.name(), r.globalStep(), c.steps(),
                        100 * r.trainSuccess());
                log.flush();
            });
        }
        RunManifest trained = RunDir.open(dir).readManifest();
        Gold gold = new Gold(type.intended(), c.goldDiscount());
        Distribution dist = trained.distribution(c.split());
        long first = trained.heldOutStart(c.split());
        org.mesalab.core.goodhart.Scored[][] main = org.mesalab.agents.planner.ProxySearch.play(dir, dist, first, c.episodes(), c.pressures(), gold, 0,
                c.sampled());
        org.mesalab.core.goodhart.Scored[][] held = c.holdout() > 0
                ? org.mesalab.agents.planner.ProxySearch.play(dir, dist, first + c.episodes(), c.holdout(), c.pressures(), gold, 0, c.sampled()) : null;
        return Curve.of(c.sampled() ? org.mesalab.agents.planner.ProxySearch.SAMPLED : Goodhart.SEARCH,
                org.mesalab.agents.planner.ProxySearch.PREFIX + "goodhart+" + c.name(), gold, "simulations", c.pressures(), main, null, held, 0);
    }

    /** {@code dir}, emptied of what an interrupted attempt at {@code what} left: a curve is stored whole or not at all. */
    private static Path replaced(Path dir, String what) {
        if (Files.exists(dir)) {
            try {
                RunDir.deleteTree(dir);
            } catch (java.io.IOException e) {
                throw new UsageException("cannot replace " + dir + " (an interrupted " + what + "): " + UsageException.why(e));
            }
        }
        return dir;
    }

    /**
     * An rl case: PPO trained against the proxy in {@code OUT/EXPERIMENT/goodhart+NAME} (a name no condition can
     * have), in this process with one engine thread, scored on the split's held-out levels. A folder left by an
     * interrupted attempt is replaced: a curve is stored whole or not at all.
     */
    private Curve rl(Spec.GoodhartCase c) {
        EnvType type = Envs.get(c.env());
        Distribution dist = type.distribution(c.split(), c.set());
        org.mesalab.agents.ppo.PpoConfig cfg = org.mesalab.agents.ppo.PpoConfig.defaults();
        for (Map.Entry<String, String> e : c.ppo().entrySet()) {
            cfg = cfg.with(e.getKey(), e.getValue());
        }
        int threads = org.mesalab.agents.Torch.threads() == -1 ? 1 : org.mesalab.agents.Torch.threads();
        org.mesalab.agents.Torch.start(threads);
        RunManifest m = org.mesalab.agents.ppo.ProxyRl.manifest(dist, c.set(), cfg, c.pressures(), 0, threads, versions.get(), gitCommit,
                "mesalab run " + spec.source() + " (goodhart case " + c.name() + ")");
        Path dir = replaced(out.resolve(spec.name()).resolve("goodhart+" + c.name()), "rl curve");
        Objective proxy = Goodhart.proxy(c.proxy(), type, "proxy '" + c.proxy() + "'");
        return org.mesalab.agents.ppo.ProxyRl.curve(m, RunDir.create(dir), null, proxy, c.proxy(), new Gold(type.intended(), c.goldDiscount()),
                new org.mesalab.agents.ppo.ProxyRl.Levels(dist, Evaluator.HELD_OUT_START, c.episodes(), c.holdout()), c.pressures(), 0, line -> {
                    log.println("goodhart " + c.name() + ": " + line);
                    log.flush();
                });
    }

    /**
     * The help diagnosis: {@code mesalab ask}'s curves for one run with the spec's signals and rates, on the split's
     * held-out levels of evaluation seed 0, novelty at the last layer before the heads. Rows carry their signal; the
     * first is the agent unassisted (signal "none", rate 0).
     */
    private Map<String, Object> help(Job j, RunManifest m, String split) {
        Spec.Help h = spec.help();
        try (org.mesalab.agents.ask.Askable agent = org.mesalab.agents.ask.Askable.load(j.dir(), 0, null)) {
            long trainStart = m.heldOutStart("train");
            org.mesalab.agents.ask.HelpCurves.Levels on = new org.mesalab.agents.ask.HelpCurves.Levels(m.distribution(split), m.heldOutStart(split),
                    spec.episodes(), m.distribution("train"), trainStart, h.calibrationEpisodes(), trainStart + org.mesalab.agents.interp.Probes.FIT_OFFSET,
                    h.indexLevels());
            List<org.mesalab.agents.ask.Signal> signals = h.signals().stream().filter(s -> h.applies(s, m)).toList();
            org.mesalab.agents.ask.HelpCurves.Result r = org.mesalab.agents.ask.HelpCurves.measure(agent, on, signals, h.rates(), null, 0);
            List<Map<String, Object>> rows = new ArrayList<>();
            rows.add(helpRow("none", r.unassisted(), 0.0));
            Map<String, Object> auc = new LinkedHashMap<>();
            r.rows().forEach((s, rs) -> {
                rs.forEach(x -> rows.add(helpRow(s.id(), x, x.helpRate())));
                auc.put(s.id(), r.auc(s));
            });
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("layer", agent.noveltyLayer());
            out.put("episodes", spec.episodes());
            out.put("calibration_episodes", h.calibrationEpisodes());
            out.put("index_levels", h.indexLevels());
            out.put("auc", auc);
            out.put("rows", rows);
            return out;
        }
    }

    private static Map<String, Object> helpRow(String signal, org.mesalab.agents.ask.HelpCurves.Row x, double rate) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("signal", signal);
        row.put("help_rate", rate);
        row.put("threshold", x.threshold());
        row.put("aligned", x.aligned());
        row.put("goal_misgeneralized", x.misgeneralized());
        row.put("capability_failure", x.failure());
        row.put("asks_per_episode", x.asksPerEpisode());
        row.put("test_ask_rate", x.testAskRate());
        row.put("in_time", x.inTime());
        row.put("train_rate", x.trainRate());
        return row;
    }

    /** The run's policy with {@code objective} in a planner's slot ({@code policy} for PPO), acting as in training. */
    private static Policy policy(Job j, String objective) {
        if (objective.equals("policy")) {
            return PpoPolicy.load(j.dir(), j.seed(), false);
        }
        SlotChoice choice = SlotChoice.parse(objective, "train");
        return PlannerPolicy.load(j.dir(), choice.slot(), choice.refitSplit(), 0, j.seed());
    }

    /** Overall progress: runs done, what each running job is at, and an ETA from the steps left. */
    private final class Overall {
        private final Map<Job, String> state = new java.util.concurrent.ConcurrentHashMap<>();
        private final AtomicInteger done;
        private final int total;
        private final long totalSteps;
        private final long startNanos = System.nanoTime();
        private long stepsFinished;

        Overall(List<Job> todo, int doneBefore, int total) {
            this.done = new AtomicInteger(doneBefore);
            this.total = total;
            long s = 0;
            for (Job j : todo) {
                s += j.condition().steps();
            }
            this.totalSteps = s;
        }

        long interval() {
            return System.console() != null ? 2000 : 10_000;
        }

        void started(Job j) {
            state.put(j, "training");
        }

        void evaluating(Job j) {
            state.put(j, "evaluating");
        }

        synchronized void finished(Job j) {
            state.remove(j);
            stepsFinished += j.condition().steps();
            done.incrementAndGet();
        }

        synchronized String line() {
            long stepsNow = stepsFinished;
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<Job, String> e : state.entrySet()) {
                long at = lastStep(e.getKey().dir());
                stepsNow += at;
                sb.append(" | ").append(e.getKey().condition().name()).append(" seed ").append(e.getKey().seed()).append(": ")
                        .append(e.getValue().equals("training") ? String.format("%,d/%,d steps", at, e.getKey().condition().steps()) : "evaluating");
            }
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            double eta = stepsNow > 0 ? elapsed * (totalSteps - stepsNow) / stepsNow : Double.NaN;
            return String.format("runs %d/%d done%s | elapsed %s, ETA %s", done.get(), total, sb, Progress.time(elapsed),
                    Progress.time(eta));
        }
    }

    private static long lastStep(Path dir) {
        Path m = dir.resolve("metrics.jsonl");
        try {
            if (!Files.exists(m)) {
                return 0;
            }
            List<String> lines = Files.readAllLines(m);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i);
                int k = l.indexOf("\"global_step\":");
                if (k >= 0) {
                    int e = k + 14;
                    int f = e;
                    while (f < l.length() && Character.isDigit(l.charAt(f))) {
                        f++;
                    }
                    return Long.parseLong(l.substring(e, f));
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // a partly written line: no number this time
        }
        return 0;
    }
}
