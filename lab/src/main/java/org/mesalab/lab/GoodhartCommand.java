package org.mesalab.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Policies;
import org.mesalab.core.goodhart.Curve;
import org.mesalab.core.goodhart.Fit;
import org.mesalab.core.goodhart.Gold;
import org.mesalab.core.goodhart.Goodhart;
import org.mesalab.core.goodhart.Pressures;
import org.mesalab.core.goodhart.Proxy;
import org.mesalab.core.goodhart.RewardModel;
import org.mesalab.core.goodhart.Scored;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.agents.planner.ProxySearch;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.ProxyRl;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.report.GoodhartChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "goodhart", footer = {"", "Examples:",
        "  mesalab goodhart --env maze --split test --proxy events:cheese+0.02*corner --json",
        "  mesalab goodhart --env maze --proxy events:cheese+0.02*corner --optimizer search --png curve.png",
        "  mesalab goodhart --env maze --proxy events:cheese --pressure 1,2,4,...,4096",
        "  mesalab goodhart --base runs/maze-ppo --split test --proxy events:cheese --pressure 1..64",
        "  mesalab goodhart --env maze --split test --optimizer rl --proxy events:cheese+0.02*corner --pressure 0,64k,...,1M",
        "  mesalab goodhart --env maze --split test --proxy model:x,y --pressure 1,2,4,...,1024",
        "  mesalab goodhart --split test --proxy learned:runs/maze-planner --optimizer search --pressure 1,2,4,...,256",
        "  mesalab goodhart --split test --proxy learned:runs/maze-planner --optimizer search --sampled --pressure 1..64",
        "  mesalab goodhart --assistant --kernel action --pressure 1..64",
        "  mesalab goodhart --assistant --kernel action --pessimism 1 --pressure 1..1024"},
        description = {"Goodhart curves: optimize a proxy objective harder and harder and watch the gold objective (the env's intended",
                "objective, discounted so that delay costs). Per pressure: mean proxy and gold with 95%% bootstrap intervals over levels,",
                "outcome shares, KL from the base policy, Gao et al.'s fits, the peak, and early stopping on held-out levels."})
final class GoodhartCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    EnvOptions envOptions = new EnvOptions();

    @Option(names = "--env", description = "environment (not needed when --base is a run directory)")
    String env;

    @Option(names = "--proxy", description = "the objective the optimizer maximizes: events:EXPR, e.g. events:cheese+0.02*corner; model:FEATURES[@KERNEL],"
            + " a Gaussian-process reward model over x, y and events fitted to gold on random walks of training levels (best-of-n), e.g. model:x,y;"
            + " or learned:RUN_DIR, a planner's learned reward optimized by its own search (pressure = simulations) (not with --assistant)")
    String proxy;

    @Option(names = "--assistant", description = "the essay's assistant instead of an env: best-of-n over plans for a request (and refusing), scored by a"
            + " Gaussian-process reward model with --kernel; gold is the hidden true reward")
    boolean assistant;

    @Option(names = "--kernel", defaultValue = "action", description = "--assistant: the reward model's prior kernel: action, outcome, both, ard, or an"
            + " expression (default: ${DEFAULT-VALUE})")
    String kernel;

    @Option(names = "--pessimism", defaultValue = "0", paramLabel = "BETA", description = "--assistant or --proxy model:...: score by the reward model's mean"
            + " less BETA posterior standard deviations, a lower confidence bound (default: ${DEFAULT-VALUE}, the mean)")
    double pessimism;

    @Option(names = "--gold", defaultValue = "intended", description = "gold objective: intended or an objective of the env (default: ${DEFAULT-VALUE})")
    String gold;

    @Option(names = "--gold-discount", defaultValue = "0.97", description = "gold's discount per step: sooner is better, so delay costs gold (default: ${DEFAULT-VALUE})")
    double goldDiscount;

    @Option(names = "--optimizer", defaultValue = Goodhart.BEST_OF_N, description = "best-of-n (pressure n), search (exact lookahead on the true simulator;"
            + " pressure = depth) or rl (PPO with the proxy as reward, from a fresh start; pressure = env steps of training) (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--ppo", paramLabel = "KEY=VALUE", description = "--optimizer rl: a PPO hyperparameter (repeatable), e.g. --ppo num_envs=16 (see mesalab help train)")
    List<String> ppoSets = new java.util.ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "--optimizer rl: keep the PPO run trained against the proxy in DIR (default: a temporary folder, deleted)")
    Path out;

    @Option(names = "--sampled", description = "--proxy learned:RUN_DIR: the planner's search acts as in training (root noise, its action drawn),"
            + " not greedily; divergence = the KL of its improved policy from the policy head at each step")
    boolean sampled;

    @Option(names = "--pressure", description = "pressure values, e.g. 1,2,4,...,1024 or 1..64 (default: 1,2,4,...,1024 for best-of-n, 0,1,2,4,...,256 for search)")
    String pressure;

    @Option(names = "--base", defaultValue = "random", description = "best-of-n's sampling policy: random, oracle:NAME, or a run directory; rl's initial"
            + " policy: random (a fresh initialization) or a PPO run directory to fine-tune (default: ${DEFAULT-VALUE})")
    String base;

    @Option(names = "--episodes", defaultValue = "300", description = "levels on the curve, one optimized episode each per pressure (default: ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--holdout", defaultValue = "30", description = "further levels whose gold picks the early-stopping pressure; 0: none (default: ${DEFAULT-VALUE})")
    int holdout;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the sampling and the intervals (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "threads over levels; results do not depend on it (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--png", paramLabel = "FILE", description = "also draw the curve; .svg writes SVG, anything else PNG")
    Path png;

    @Override
    public void run() {
        long t0 = System.nanoTime();
        if (png != null) {
            org.mesalab.core.OutputFile.prepare(png, "--png");
        }
        if (assistant) {
            assistantCurve(t0);
            return;
        }
        if (pessimism != 0 && (proxy == null || !proxy.startsWith(RewardModel.PREFIX))) {
            throw new UsageException("--pessimism=" + pessimism + " applies to Gaussian-process proxies (a posterior std): --assistant, or --proxy model:FEATURES;"
                    + " allowed: --assistant --pessimism BETA or --proxy model:... --pessimism BETA");
        }
        if (!(pessimism >= 0 && pessimism <= 10)) {
            throw new UsageException("--pessimism=" + pessimism + " is out of range; allowed: [0, 10] posterior standard deviations");
        }
        if (sampled && (proxy == null || !proxy.startsWith(ProxySearch.PREFIX))) {
            throw new UsageException("--sampled applies to a planner's search on its learned proxy; allowed: --proxy learned:RUN_DIR --optimizer search"
                    + " --sampled");
        }
        if (proxy == null) {
            throw new UsageException("--proxy is required (e.g. --proxy events:cheese+0.02*corner), unless --assistant");
        }
        if (proxy.startsWith(ProxySearch.PREFIX)) {
            learnedCurve(t0);
            return;
        }
        Curve curve;
        Setup setup = setup();
        try {
            curve = optimizer.equals(RL) ? rl(setup.goodhart()) : Goodhart.measure(setup.goodhart());
        } finally {
            setup.close();
        }
        Goodhart.Setup g = setup.goodhart();
        String baseName = optimizer.equals(Goodhart.SEARCH) ? "random" : optimizer.equals(RL) && base.equals("random") ? "a fresh PPO initialization" : base;
        finish(curve, g.dist().env().name(), g.dist().split(), g.dist().params().asJson(), baseName,
                optimizer.equals(RL) ? ppoConfig().validate(g.pressures()[g.pressures().length - 1]).toMap() : null, t0);
    }

    /** Draws (--png) and prints the curve, as text or JSON with its setup. */
    private void finish(Curve curve, String envName, String split, Object distribution, String baseName, Map<String, Object> ppo, long t0) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (png != null) {
            try {
                GoodhartChart.write(curve, png);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", envName);
            m.put("split", split);
            m.put("distribution", distribution);
            m.put("base", baseName);
            if (ppo != null) {
                m.put("ppo", ppo);
            }
            m.put("seed", seed);
            m.put("seconds", seconds);
            m.put("curve", curve);
            Json.print(out, m);
        } else {
            print(out, curve, seconds);
        }
        if (png != null && !json) {
            out.println("wrote " + png);
        }
        out.flush();
    }

    private void checkCounts() {
        if (episodes < 1 || episodes > 100_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 100000]");
        }
        if (holdout < 0 || holdout > 100_000) {
            throw new UsageException("--holdout=" + holdout + " is out of range; allowed: [0, 100000]");
        }
        if (threads < 1 || threads > 256) {
            throw new UsageException("--threads=" + threads + " is out of range; allowed: [1, 256]");
        }
        if (seed < 0 || seed > 1_000_000) {
            throw new UsageException("--seed=" + seed + " is out of range; allowed: [0, 1000000]");
        }
    }

    /** Which of --base, --set and --ppo/--out were given: what the assistant's and a learned proxy's curves do not take. */
    private List<String> givenLevelAndRunOptions() {
        List<String> given = new java.util.ArrayList<>();
        if (!base.equals("random")) {
            given.add("--base");
        }
        if (!envOptions.overrides.isEmpty()) {
            given.add("--set");
        }
        if (!ppoSets.isEmpty() || out != null) {
            given.add(out != null ? "--out" : "--ppo");
        }
        return given;
    }

    /** Largest number of plans the assistant searches per request. */
    static final long MAX_PLANS = 1 << 16;

    /** --assistant: best-of-n over plans under the kernel's reward model, on the built-in requests. */
    private void assistantCurve(long t0) {
        List<String> given = new java.util.ArrayList<>();
        if (env != null) {
            given.add("--env");
        }
        if (proxy != null) {
            given.add("--proxy");
        }
        given.addAll(givenLevelAndRunOptions());
        if (!given.isEmpty()) {
            throw new UsageException(String.join(", ", given) + " does not apply to --assistant (its proxy is the reward model of --kernel, its levels the"
                    + " built-in requests); allowed: --kernel, --optimizer best-of-n, --pressure, --episodes, --holdout, --seed, --threads");
        }
        if (!optimizer.equals(Goodhart.BEST_OF_N)) {
            throw new UsageException("--optimizer=" + optimizer + " does not apply to --assistant; allowed: best-of-n");
        }
        if (!org.mesalab.core.assistant.Assistant.KERNELS.containsKey(kernel)) {
            org.mesalab.core.gp.Kernels.parse(kernel, org.mesalab.core.assistant.Assistant.FEATURES); // an expression: checked here, one line if bad
        }
        if (!(pessimism >= 0 && pessimism <= 10)) {
            throw new UsageException("--pessimism=" + pessimism + " is out of range; allowed: [0, 10] posterior standard deviations");
        }
        long[] pressures = Pressures.parse(pressure != null ? pressure : "1,2,4,...,64", 1, MAX_PLANS);
        checkCounts();
        Curve curve = org.mesalab.core.goodhart.AssistantBestOfN.curve(kernel, pressures, episodes, holdout, seed, threads, pessimism);
        finish(curve, "assistant", "test", Map.of("requests", org.mesalab.core.assistant.Assistant.requests(), "kernel", kernel, "pessimism", pessimism),
                "refuse, or n random plans", null, t0);
    }

    /**
     * --proxy learned:RUN: the planner's learned reward is the proxy and its own search (greedy, pressure = simulations)
     * the optimizer, on held-out levels of the run's own distribution.
     */
    private void learnedCurve(long t0) {
        if (!optimizer.equals(Goodhart.SEARCH)) {
            throw new UsageException("--proxy=" + proxy + " is optimized by the planner's own search; allowed: --optimizer search (pressure = simulations)");
        }
        List<String> given = givenLevelAndRunOptions();
        if (!given.isEmpty()) {
            throw new UsageException(String.join(", ", given) + " does not apply to a learned proxy (its levels are the run's own, its base the planner's"
                    + " policy head); allowed: --split, --gold, --gold-discount, --pressure, --episodes, --holdout, --seed");
        }
        long[] pressures = Pressures.parse(pressure != null ? pressure : "1,2,4,...,256", 1, ProxySearch.MAX_SIMULATIONS);
        checkCounts();
        Path run = Path.of(proxy.substring(ProxySearch.PREFIX.length()));
        if (!java.nio.file.Files.isDirectory(run)) {
            throw new UsageException("--proxy=" + proxy + ": " + run + " is not a run directory; allowed: learned:RUN_DIR of a planner run");
        }
        RunManifest m = RunDir.open(run).readManifest();
        if (!m.isPlanner()) {
            throw new UsageException("--proxy=" + proxy + " is a " + m.algo() + " run; allowed: learned:RUN_DIR of a planner run (its reward head is the proxy)");
        }
        if (env != null && !env.equals(m.env())) {
            throw new UsageException("--env=" + env + " but " + run + " was trained on " + m.env() + "; allowed: " + m.env() + " or no --env");
        }
        EnvType type = m.type();
        if (!type.splits().containsKey(envOptions.split)) {
            throw new UsageException("--split=" + envOptions.split + " is not a split of " + m.env() + "; allowed: " + String.join(", ", type.splits().keySet()));
        }
        Gold g = new Gold(gold.equals("intended") ? type.intended() : type.objective(gold), goldDiscount);
        Distribution dist = m.distribution(envOptions.split);
        long first = m.heldOutStart(envOptions.split) + seed * 10_000_000L;
        Scored[][] main = ProxySearch.play(run, dist, first, episodes, pressures, g, seed, sampled);
        Scored[][] held = holdout > 0 ? ProxySearch.play(run, dist, first + episodes, holdout, pressures, g, seed, sampled) : null;
        Curve curve = Curve.of(sampled ? ProxySearch.SAMPLED : Goodhart.SEARCH, proxy, g, "simulations", pressures, main, null, held, seed);
        finish(curve, m.env(), envOptions.split, dist.params().asJson(), "the planner's policy head (KL of the " + (sampled ? "sampled" : "greedy")
                + " search from it)", null, t0);
    }

    /** The measured setup and what must be closed after it (a loaded run's policy). */
    private record Setup(Goodhart.Setup goodhart, AutoCloseable resource) {
        void close() {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** RL against the proxy: trained by the PPO learner (agents), not in the core. */
    static final String RL = ProxyRl.RL;
    /** Longest RL run a curve may ask for. */
    static final long MAX_RL_STEPS = 1_000_000_000L;

    private Setup setup() {
        if (!optimizer.equals(RL) && !optimizer.equals(Goodhart.BEST_OF_N) && !optimizer.equals(Goodhart.SEARCH)) {
            throw new UsageException("--optimizer=" + optimizer + " is not known; allowed: " + Goodhart.OPTIMIZERS + ", " + RL);
        }
        long[] range = optimizer.equals(RL) ? new long[] {0, MAX_RL_STEPS} : Goodhart.range(optimizer);
        String pressureSpec = pressure != null ? pressure : optimizer.equals(Goodhart.SEARCH) ? "0,1,2,4,...,256"
                : optimizer.equals(RL) ? "0,16384,32768,65536,...,1048576" : "1,2,4,...,1024";
        long[] pressures = Pressures.parse(pressureSpec, range[0], range[1]);
        checkCounts();
        boolean model = proxy.startsWith(RewardModel.PREFIX);
        if (!proxy.toLowerCase(Locale.ROOT).startsWith("events:") && !model) {
            throw new UsageException("--proxy=" + proxy + " is not known; allowed: events:EXPR (e.g. events:cheese+0.02*corner), model:FEATURES"
                    + " (a reward model, e.g. model:x,y) or learned:RUN_DIR (a planner's learned reward)");
        }
        if (model && !optimizer.equals(Goodhart.BEST_OF_N)) {
            throw new UsageException("--proxy=" + proxy + " (a reward model, scored step by step) is optimized by best-of-n only; allowed: --optimizer best-of-n");
        }
        boolean runBase = !base.equals("random") && !base.startsWith("oracle:");
        if (runBase && optimizer.equals(Goodhart.SEARCH)) {
            throw new UsageException("--base=" + base + " does not apply to --optimizer=search (its base is the random policy); allowed: random");
        }
        if (optimizer.equals(RL)) {
            if (!base.equals("random")) {
                rlBase(); // checked before any work
            }
            if (pressures[pressures.length - 1] < 1) {
                throw new UsageException("--pressure=" + pressureSpec + " has no training; allowed: env steps whose largest is at least 1");
            }
            ppoConfig().validate(pressures[pressures.length - 1]);
            if (out != null && java.nio.file.Files.exists(out.resolve("config.json"))) {
                throw new UsageException("--out=" + out + " already holds a run; allowed: a new or empty folder");
            }
        } else if (!ppoSets.isEmpty() || out != null) {
            throw new UsageException((out != null ? "--out" : "--ppo " + ppoSets.get(0)) + " applies to --optimizer rl only; allowed with --optimizer="
                    + optimizer + ": none");
        }
        long offset = seed * 10_000_000L;
        Distribution dist;
        LongFunction<Policy> sampler;
        AutoCloseable resource = null;
        int usedThreads = threads;
        if (optimizer.equals(RL)) {
            // The curve's levels: held-out levels of --env/--split (the base run's env when --env is not given); the rl run trains on the split's others.
            String name = env != null ? env : base.equals("random") ? null : rlBase().env();
            if (name == null) {
                throw new UsageException("--env is required unless --base is a run directory; allowed: " + Envs.names());
            }
            dist = envOptions.distribution(name);
            sampler = null;
            if (out != null) {
                org.mesalab.core.OutputFile.prepareDirectory(out, "--out"); // last: every other input is checked
            }
        } else if (runBase) {
            if (!envOptions.overrides.isEmpty()) {
                throw new UsageException("--set does not apply with a run as --base (it is evaluated on its own levels)");
            }
            Subject subject = Subject.of(Path.of(base), null, env, envOptions.split, List.of(), seed, false, Subject.PlannerChoice.DEFAULT,
                    spec.commandLine().getErr());
            dist = subject.distribution();
            Policy shared = subject.policy();
            // One learned policy plays every level in turn (it is not thread-safe); its sampling stream continues across levels.
            sampler = s -> new Policy() {
                public int act(org.mesalab.core.Env e) {
                    return shared.act(e);
                }

                public String name() {
                    return shared.name();
                }
            };
            resource = subject;
            usedThreads = 1;
            offset = subject.start() - Evaluator.HELD_OUT_START;
        } else {
            if (env == null) {
                throw new UsageException("--env is required unless --base is a run directory; allowed: " + Envs.names());
            }
            dist = envOptions.distribution(env);
            EnvType type = dist.env();
            Policies.parse(base, type, 0).close(); // validates the spec before any work
            sampler = s -> Policies.parse(base, type, s);
        }
        EnvType type = dist.env();
        // The prefix was checked above, before a run is loaded; here the expression is parsed for the env.
        Objective g = gold.equals("intended") ? type.intended() : type.objective(gold);
        Proxy p;
        if (model) { // fitted to the gold reward on the env's training split (with --set's overrides)
            RewardModel.check(proxy, type, "--proxy=" + proxy); // before minutes of fitting
            p = RewardModel.fit(proxy, type.distribution("train", type.parseOverrides(envOptions.overrides)), g, seed, "--proxy=" + proxy)
                    .withPessimism(pessimism);
            spec.commandLine().getErr().println("reward model: " + ((RewardModel) p).describe());
        } else {
            String written = proxy.toLowerCase(Locale.ROOT);
            p = new Proxy.Events(Goodhart.proxy("events:" + written.substring("events:".length()).trim(), type, "--proxy=" + proxy));
        }
        return new Setup(new Goodhart.Setup(dist, Evaluator.HELD_OUT_START + offset, Goodhart.named(proxy, pessimism), p, new Gold(g, goldDiscount), optimizer, pressures,
                episodes, holdout, sampler, base, seed, usedThreads), resource);
    }

    /** The manifest of --base RUN once read (rlBase). */
    private RunManifest rlBaseManifest;

    /** The trained PPO run that --optimizer rl fine-tunes (--base RUN): its manifest, checked against --env, read once. */
    private RunManifest rlBase() {
        if (rlBaseManifest != null) {
            return rlBaseManifest;
        }
        Path dir = Path.of(base);
        if (base.startsWith("oracle:") || !java.nio.file.Files.isDirectory(dir)) {
            throw new UsageException("--base=" + base + " does not apply to --optimizer=rl; allowed: random (a fresh PPO initialization) or a PPO run directory");
        }
        RunManifest m = RunDir.open(dir).readManifest();
        if (m.isPlanner()) {
            throw new UsageException("--base=" + base + " is a planner run; allowed with --optimizer=rl: a PPO run directory");
        }
        if (env != null && !env.equals(m.env())) {
            throw new UsageException("--base=" + base + " was trained on " + m.env() + ", not --env=" + env + "; allowed: a PPO run of " + env);
        }
        RunDir.open(dir).policyFile(m.plannedIterations()); // has a policy
        rlBaseManifest = m;
        return m;
    }

    private PpoConfig ppoConfig() {
        PpoConfig cfg = !optimizer.equals(RL) || base.equals("random") ? PpoConfig.defaults() : PpoConfig.of(rlBase());
        for (String kv : ppoSets) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--ppo " + kv + " is malformed; allowed: KEY=VALUE, e.g. num_envs=16");
            }
            cfg = cfg.with(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return cfg;
    }

    /**
     * The rl curve: PPO on the split's training levels with the proxy as reward, scored at each pressure on
     * the curve's held-out levels of the same split. The run's manifest is written to its folder; the
     * proxy it was rewarded by is recorded with the curve.
     */
    private Curve rl(Goodhart.Setup g) {
        int threads = Torch.threads() == -1 ? 1 : Torch.threads();
        Torch.start(threads);
        Distribution dist = g.dist();
        RunManifest m = ProxyRl.manifest(dist, dist.env().parseOverrides(envOptions.overrides), ppoConfig(), g.pressures(), seed, threads, Versions.all(),
                Versions.gitCommit(), "mesalab goodhart --optimizer rl --proxy " + proxy);
        Path dir = out;
        try {
            if (dir == null) {
                dir = java.nio.file.Files.createTempDirectory("mesalab-goodhart-rl");
                java.nio.file.Files.delete(dir); // RunDir.create makes it
            }
            PrintWriter err = spec.commandLine().getErr();
            Path baseParams = base.equals("random") ? null : RunDir.open(Path.of(base)).policyFile(rlBase().plannedIterations()).params();
            return ProxyRl.curve(m, RunDir.create(dir), baseParams, ((Proxy.Events) g.proxy()).objective(), proxy, g.gold(), new ProxyRl.Levels(dist, g.first(), g.levels(), g.holdout()),
                    g.pressures(), seed, line -> {
                        err.println(line);
                        err.flush();
                    });
        } catch (IOException e) {
            throw new UsageException("cannot make a folder for the rl run: " + UsageException.why(e) + "; give --out DIR");
        } finally {
            if (out == null && dir != null) {
                deleteTree(dir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try {
            RunDir.deleteTree(dir);
        } catch (IOException ignored) {
            // a temporary folder: the OS cleans it eventually
        }
    }

    private static void print(PrintWriter out, Curve c, double seconds) {
        out.printf(Locale.ROOT, "%s on proxy '%s', %d levels; gold: %s%n", c.optimizer(), c.proxy(), c.levels(), c.gold());
        out.printf(Locale.ROOT, "%8s %7s %22s %22s %8s %8s %8s %6s%n", c.pressureUnit(), "KL", "proxy [95% CI]", "gold [95% CI]",
                "aligned", "misgen", "failure", "steps");
        for (Curve.Point p : c.points()) {
            out.printf(Locale.ROOT, "%8d %7.3f %22s %22s %7.1f%% %7.1f%% %7.1f%% %6.1f%n", p.pressure(), p.kl(),
                    ci(p.proxy()), ci(p.gold()), 100 * p.aligned(), 100 * p.misgeneralized(), 100 * p.failure(), p.steps());
        }
        for (Fit f : c.fits()) {
            out.printf(Locale.ROOT, "fit %-9s gold - gold(0) = d (alpha - beta %s): alpha %.4f, beta %.4f, R^2 %.3f%n", f.form(),
                    f.form().equals(Fit.RL) ? "ln d" : "d", f.alpha(), f.beta(), f.r2());
        }
        Curve.Peak pk = c.peak();
        out.printf(Locale.ROOT, "gold peaks at %s=%d: %.4f (base %.4f); at the strongest pressure %.4f, %.1f%% below the peak%n",
                c.pressureUnit(), pk.pressure(), pk.gold(), pk.baseGold(), pk.strongestGold(), 100 * pk.dropShare());
        if (c.earlyStop() != null) {
            Curve.EarlyStop es = c.earlyStop();
            out.printf(Locale.ROOT, "early stopping on %d held-out levels picks %s=%d: gold %.4f (true peak %.4f, strongest %.4f)%n",
                    es.holdoutLevels(), c.pressureUnit(), es.chosenPressure(), es.gold(), es.peakGold(), es.strongestGold());
        }
        out.printf(Locale.ROOT, "%.1f s%n", seconds);
    }

    private static String ci(org.mesalab.core.stats.Stats.Estimate e) {
        return String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", e.value(), e.low(), e.high());
    }
}
