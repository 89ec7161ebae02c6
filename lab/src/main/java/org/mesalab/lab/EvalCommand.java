package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Outcome;
import org.mesalab.core.stats.Stats;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", footer = {"", "Examples:", "  mesalab eval runs/maze-ppo --split test --episodes 500 --json", "  mesalab eval --policy oracle:corner --env maze --split test", "  mesalab eval --runs runs/s1 runs/s2 runs/s3 --versus runs/b1 runs/b2 runs/b3 --split test", "  mesalab eval runs/maze-planner --objective events:cheese --refit-split test", "  mesalab eval --runs runs/p1 runs/p2 runs/p3 --split train --search-quality", "  mesalab eval runs/maze-ppo --ask-for-help novelty --help-rate 0.05"}, description = {
        "Evaluate a trained run (RUN_DIR) or a built-in policy (--policy with --env) on held-out levels of a split:",
        "intended success, each proxy's success, and outcomes (aligned / goal_misgeneralized / capability_failure) with 95%% intervals."})
final class EvalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    SubjectOptions target = new SubjectOptions();






    @Option(names = "--episodes", defaultValue = "200", description = "episodes, each on a different held-out level (default: ${DEFAULT-VALUE})")
    int episodes;


    @Option(names = "--greedy", description = "take the most likely action instead of sampling (trained policies)")
    boolean greedy;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--world-model", description = "planner runs: instead of playing, score the world model's event predictions on random-walk "
            + "transitions of the split's held-out levels (recall and precision per event)")
    boolean worldModel;

    @Option(names = "--search-quality", description = "planner runs (RUN_DIR or --runs): play the split's held-out levels and score, at every decision, how much "
            + "probability the policy head (prior) and the search's improved policy (its training target) put on the actions the intended "
            + "objective's exact oracle calls optimal: does the search improve on its prior?")
    boolean searchQuality;

    @Option(names = "--runs", arity = "1..*", paramLabel = "RUN_DIR", description = "aggregate several training runs (seeds) of one condition")
    List<Path> runs;

    @Option(names = "--versus", arity = "1..*", paramLabel = "RUN_DIR", description = "with --runs: a second condition; reports P(a --runs run beats a --versus run)")
    List<Path> versus;

    @Option(names = "--resamples", defaultValue = "50000", description = "bootstrap resamples for --runs (default: ${DEFAULT-VALUE}, as rliable)")
    int resamples;

    @Option(names = "--ask-for-help", paramLabel = "SIGNAL", description = "PPO and planner runs: ask the intended objective's oracle for the action when SIGNAL "
            + "(entropy, max_prob, novelty, value_std, value_gap, surprise, random, oracle) exceeds --threshold, or the threshold that gives --help-rate"
            + " on training levels (as mesalab ask)")
    String askForHelp;

    @Option(names = "--threshold", description = "with --ask-for-help: ask when the signal exceeds this")
    Double threshold;

    @Option(names = "--help-rate", description = "with --ask-for-help: the share of steps that ask on held-out training levels, in (0, 1] (default: 0.05)")
    Double helpRate;

    @Override
    public void run() {
        if (episodes <= 0 || episodes > 1_000_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 1000000]");
        }
        if (versus != null && (runs == null || runs.isEmpty())) {
            throw new UsageException("--versus needs --runs (the condition to compare against it)");
        }
        if (searchQuality) {
            searchQuality();
            return;
        }
        if (runs != null && !runs.isEmpty()) {
            if (target.runDir != null || target.policySpec != null) {
                throw new UsageException("give --runs, or a RUN_DIR, or --policy, not several");
            }
            aggregate();
            return;
        }
        if (worldModel) {
            worldModel();
            return;
        }
        if (askForHelp != null || threshold != null || helpRate != null) {
            askForHelp();
            return;
        }
        Evaluator.Summary s;
        String name;
        String warning;
        String source;
        try (Subject subject = target.open(greedy, spec.commandLine().getErr())) {
            s = Evaluator.evaluate(subject.policy(), subject.distribution(), episodes, subject.start());
            name = subject.policy().name();
            warning = subject.warning();
            source = subject.source();
        }
        print(s, name, warning, source);
    }

    /** One signal at one threshold or rate: {@code mesalab ask} with this command's run, split, episodes and seed. */
    private void askForHelp() {
        if (askForHelp == null) {
            throw new UsageException("--threshold and --help-rate go with --ask-for-help SIGNAL");
        }
        if (target.runDir == null) {
            throw new UsageException("--ask-for-help needs a RUN_DIR (a PPO or planner run), not --policy");
        }
        if (!target.planner().isDefault() || greedy) {
            throw new UsageException("--ask-for-help plays the agent as trained (a planner on its learned objective and training budget, sampling);"
                    + " allowed: without --objective, --simulations and --greedy");
        }
        if (threshold != null && helpRate != null) {
            throw new UsageException("give --threshold or --help-rate, not both");
        }
        AskCommand ask = new AskCommand();
        ask.spec = spec;
        ask.runs = List.of(target.runDir);
        ask.signals = List.of(askForHelp);
        ask.rates = List.of(helpRate == null ? 0.05 : helpRate);
        ask.threshold = threshold;
        ask.split = target.split;
        ask.episodes = episodes;
        ask.calibration = 100;
        ask.indexLevels = 200;
        ask.seed = target.seed;
        ask.json = json;
        ask.run();
    }

    private void worldModel() {
        try (Subject subject = target.open(true, spec.commandLine().getErr())) {
            if (!(subject.policy() instanceof org.mesalab.agents.planner.PlannerPolicy p)) {
                throw new UsageException("--world-model applies to planner runs (RUN_DIR)");
            }
            List<org.mesalab.agents.planner.PlannerPolicy.EventAccuracy> acc = p.eventAccuracy(subject.distribution(), subject.start(), episodes, target.seed);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Map<String, Object>> rows = new java.util.ArrayList<>();
                for (org.mesalab.agents.planner.PlannerPolicy.EventAccuracy a : acc) {
                    rows.add(a.asJson());
                }
                Json.print(out, Map.of("split", target.split, "episodes", episodes, "events", rows));
                return;
            }
            out.printf("world model on %s/%s, random-walk transitions of %d held-out levels (predicted: p > 0.5)%n",
                    subject.distribution().env().name(), target.split, episodes);
            for (org.mesalab.agents.planner.PlannerPolicy.EventAccuracy a : acc) {
                out.printf("  %-8s %,9d transitions  %,6d happened  recall %6s  precision %6s%n", a.event(), a.transitions(), a.positives(),
                        Report.pct(a.recall()), Report.pct(a.precision()));
            }
            out.flush();
        }
    }

    private void checkResamples() {
        if (resamples < 10 || resamples > 10_000_000) {
            throw new UsageException("--resamples=" + resamples + " is out of range; allowed: [10, 10000000]");
        }
    }

    /** {@code --search-quality}: {@link org.mesalab.agents.planner.SearchQuality} per run, and with several runs the mean over runs with its 95%% bootstrap interval. */
    private void searchQuality() {
        checkResamples();
        if (worldModel || askForHelp != null || versus != null) {
            throw new UsageException("--search-quality goes alone with a RUN_DIR or --runs; allowed with it: --split, --episodes, --seed, --simulations, --objective, --greedy, --json");
        }
        boolean several = runs != null && !runs.isEmpty();
        if (several == (target.runDir != null)) {
            throw new UsageException("--search-quality needs a planner RUN_DIR or --runs RUN_DIR..., not both and not --policy");
        }
        List<Path> dirs = several ? runs : List.of(target.runDir);
        if (several) {
            distinctRuns(dirs, null);
        }
        Scored scored = score(dirs, (run, subject) -> {
            if (!(subject.policy() instanceof org.mesalab.agents.planner.PlannerPolicy p)) {
                throw new UsageException("--search-quality applies to planner runs; " + run + " is not one");
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("run_dir", run.toString());
            Map<String, Double> metrics = new LinkedHashMap<>();
            Map<String, org.mesalab.agents.planner.SearchQuality.Result> parts = new LinkedHashMap<>();
            parts.put("visited", org.mesalab.agents.planner.SearchQuality.visited(p, subject.distribution(), subject.start(), episodes));
            parts.put("every_state", org.mesalab.agents.planner.SearchQuality.everyState(p, subject.distribution(), subject.start(), episodes));
            parts.forEach((part, q) -> {
                Map<String, Object> fields = q.asJson();
                json.put(part, fields);
                fields.forEach((k, v) -> {
                    if (!k.equals("decisions")) {
                        metrics.put(part + "." + k, ((Number) v).doubleValue());
                    }
                });
            });
            return new Row(subject.distribution().env().name(), json, metrics);
        });
        String envName = scored.env();
        List<Map<String, Object>> perRun = scored.perRun();
        Map<String, double[][]> scores = scored.scores();
        Rng rng = new Rng(target.seed);
        Map<String, Stats.Estimate> means = new LinkedHashMap<>();
        Map<String, Object> agg = new LinkedHashMap<>();
        for (Map.Entry<String, double[][]> e : scores.entrySet()) {
            Stats.Estimate mean = Stats.bootstrap(e.getValue(), Stats::mean, resamples, rng);
            means.put(e.getKey(), mean);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mean", mean.value());
            m.put("ci95", new double[] {mean.low(), mean.high()});
            agg.put(e.getKey(), m);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>(); // in this order every time (Map.of's order changes between JVM runs)
            doc.put("env", envName);
            doc.put("split", target.split);
            doc.put("episodes", episodes);
            doc.put("runs", perRun);
            doc.put("aggregate", agg);
            Json.print(out, doc);
            return;
        }
        out.printf("search quality on %s/%s, %d held-out levels per run: probability on the intended objective's optimal actions%n", envName,
                target.split, episodes);
        for (String part : List.of("visited", "every_state")) {
            out.printf("%s%n", part.equals("visited") ? "  on the agent's own decisions (one episode per level):" : "  on every reachable state of the levels, each once:");
            out.printf("    %-40s %9s %8s %8s %8s %8s %8s%n", "run", "decisions", "prior", "search", "taken", "uniform", "still");
            for (Map<String, Object> row : perRun) {
                @SuppressWarnings("unchecked")
                Map<String, Object> q = (Map<String, Object>) row.get(part);
                    out.printf("    %-40s %,9d %8s %8s %8s %8s %8s%n", row.get("run_dir"), (Long) q.get("decisions"), Report.pct((Double) q.get("prior_optimal_mass")),
                        Report.pct((Double) q.get("search_optimal_mass")), Report.pct((Double) q.get("taken_optimal")),
                        Report.pct((Double) q.get("uniform_optimal_mass")), Report.pct((Double) q.get("taken_still")));
            }
            Stats.Estimate viaTrue = means.get(part + ".value_lookahead_true_step_optimal");
            if (viaTrue != null) {
                Stats.Estimate viaModel = means.get(part + ".value_lookahead_model_step_optimal");
                out.printf("    one step of lookahead, greedy in r + gamma v(next) with the learned value head: optimal %.1f%% stepping the true"
                        + " simulator, %.1f%% stepping the learned model%s%n", 100 * viaTrue.value(), 100 * viaModel.value(),
                        dirs.size() > 1 ? " (means over runs)" : "");
                out.printf("    the model's step moves Q by %.4f on average; the true step's Q spans %.4f over a state's actions%n",
                        means.get(part + ".model_step_q_error").value(), means.get(part + ".true_step_q_range").value());
            }
            Stats.Estimate gain = means.get(part + ".improvement");
            if (dirs.size() > 1) {
                out.printf("    search - prior, mean over %d runs: %+.1f points [%+.1f, %+.1f]: %s%n", dirs.size(), 100 * gain.value(), 100 * gain.low(),
                        100 * gain.high(), gain.high() < 0 ? "the search's target is worse than the prior it trains"
                                : gain.low() > 0 ? "the search improves on its prior" : "no measurable difference (inconclusive)");
            } else {
                out.printf("    search - prior: %+.1f points (one run: no interval over seeds; give --runs)%n", 100 * gain.value());
            }
        }
        out.flush();
    }

    /**
     * One run counts once, and one condition is one learner: a directory named twice in a condition, or
     * a condition of several learners, would make the intervals claim seeds that are not there. (The
     * same runs on both sides is a valid sanity check: P(improvement) is then 0.5.)
     */
    private static void distinctRuns(List<Path> runs, List<Path> versus) {
        for (List<Path> group : versus == null ? List.of(runs) : List.of(runs, versus)) {
            java.util.Set<Path> seen = new java.util.HashSet<>();
            for (Path r : group) {
                if (!seen.add(r.toAbsolutePath().normalize())) {
                    throw new UsageException("run " + r + " is named twice in one condition; allowed: each run directory once (a run is one seed)");
                }
            }
            String algo = null;
            for (Path r : group) {
                String a = org.mesalab.agents.RunDir.open(r).readManifest().algo();
                if (algo != null && !algo.equals(a)) {
                    throw new UsageException("runs of several learners in one condition (" + algo + " and " + a + " at " + r
                            + "); allowed: runs of one learner, the other learner with --versus");
                }
                algo = a;
            }
        }
    }

    /** One training run of {@code --runs} (or the RUN_DIR), opened with this command's split, seed, sampling and planner options. */
    private Subject open(Path run) {
        return Subject.of(run, null, target.env, target.split, target.sets, target.seed, greedy, target.planner(), spec.commandLine().getErr());
    }

    /** Evaluated runs of one condition: per-run JSON rows and, per metric, scores {@code [runs][1]}. */
    private record Scored(String env, List<Map<String, Object>> perRun, Map<String, double[][]> scores) {
    }

    /** One run's result: its env, its JSON row, and the numbers aggregated over runs. */
    private record Row(String env, Map<String, Object> json, Map<String, Double> metrics) {
    }

    private interface RunScorer {
        Row score(Path run, Subject subject);
    }

    /** Plain evaluation of each run. */
    private Scored score(List<Path> dirs) {
        return score(dirs, (run, subject) -> {
            Evaluator.Summary s = Evaluator.evaluate(subject.policy(), subject.distribution(), episodes, subject.start());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_dir", run.toString());
            m.put("distribution", s.levels());
            m.put("parameters", subject.source());
            if (subject.warning() != null) {
                m.put("warning", subject.warning());
            }
            m.put("intended_success", s.intendedSuccess().value());
            Map<String, Double> proxies = values(s.proxySuccess());
            m.put("proxy_success", proxies);
            Map<String, Double> outcomes = values(s.outcomes());
            m.put("outcomes", outcomes);
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("intended_success", s.intendedSuccess().value());
            proxies.forEach((k, v) -> metrics.put("proxy_success." + k, v));
            outcomes.forEach((k, v) -> metrics.put("outcomes." + k, v));
            return new Row(s.env(), m, metrics);
        });
    }

    /** Each run opened and scored by {@code scorer}; the runs must be of one env. */
    private Scored score(List<Path> dirs, RunScorer scorer) {
        List<Map<String, Object>> perRun = new java.util.ArrayList<>();
        Map<String, double[][]> scores = new LinkedHashMap<>();
        String envName = null;
        for (int r = 0; r < dirs.size(); r++) {
            Row row;
            try (Subject subject = open(dirs.get(r))) {
                row = scorer.score(dirs.get(r), subject);
            }
            if (envName != null && !envName.equals(row.env())) {
                throw new UsageException("runs of several envs (" + envName + " and " + row.env() + "); allowed: runs of one env");
            }
            envName = row.env();
            perRun.add(row.json());
            final int at = r;
            row.metrics().forEach((k, v) -> scores.computeIfAbsent(k, key -> new double[dirs.size()][1])[at][0] = v);
        }
        return new Scored(envName, perRun, scores);
    }

    /**
     * Several training seeds of one condition: per-run rates, then mean, IQM and stratified-bootstrap
     * intervals across runs; with {@code --versus}, the probability that a run of this condition beats
     * a run of the other on each metric (rliable's probability of improvement), with its interval.
     */
    private void aggregate() {
        checkResamples();
        distinctRuns(runs, versus);
        Scored mine = score(runs);
        Scored other = versus == null || versus.isEmpty() ? null : score(versus);
        if (other != null && !other.env().equals(mine.env())) {
            throw new UsageException("--versus runs are on " + other.env() + ", --runs on " + mine.env() + "; allowed: runs of one env");
        }
        Rng rng = new Rng(target.seed);
        Map<String, Object> agg = new LinkedHashMap<>();
        Map<String, Object> means = new LinkedHashMap<>();
        Map<String, Object> ci = new LinkedHashMap<>();
        Map<String, Object> improvement = new LinkedHashMap<>();
        for (Map.Entry<String, double[][]> e : mine.scores().entrySet()) {
            double[][] sc = e.getValue();
            Stats.Estimate mean = Stats.bootstrap(sc, Stats::mean, resamples, rng);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mean", mean.value());
            m.put("iqm", Stats.iqm(sc));
            m.put("ci95", new double[] {mean.low(), mean.high()});
            agg.put(e.getKey(), m);
            means.put(e.getKey(), mean.value());
            ci.put(e.getKey(), new double[] {mean.low(), mean.high()});
            if (other != null && other.scores().containsKey(e.getKey())) {
                Stats.Estimate p = Stats.probabilityOfImprovement(sc, other.scores().get(e.getKey()), resamples, rng);
                Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("value", p.value());
                pm.put("ci95", new double[] {p.low(), p.high()});
                improvement.put(e.getKey(), pm);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", mine.env());
            m.put("split", target.split);
            m.put("runs", runs.size());
            m.put("episodes", episodes);
            m.put("intended_success", means.get("intended_success"));
            m.put("aggregate", agg);
            m.put("ci95", ci);
            m.put("ci_method", "stratified bootstrap over runs, percentile, " + resamples + " resamples");
            m.put("per_run", mine.perRun());
            if (other != null) {
                m.put("versus_runs", versus.size());
                m.put("probability_of_improvement", improvement);
                m.put("versus_per_run", other.perRun());
            }
            Json.print(out, m);
            return;
        }
        out.printf("%d runs on %s/%s, %d held-out levels each; mean across runs [95%% stratified bootstrap CI], IQM%n", runs.size(),
                mine.env(), target.split, episodes);
        for (Map.Entry<String, Object> e : agg.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) e.getValue();
            double[] c = (double[]) m.get("ci95");
            out.printf("  %-34s %5.1f%%  [%5.1f, %5.1f]  IQM %5.1f%%", e.getKey(), 100 * (double) m.get("mean"), 100 * c[0], 100 * c[1],
                    100 * (double) m.get("iqm"));
            if (improvement.containsKey(e.getKey())) {
                @SuppressWarnings("unchecked")
                Map<String, Object> pm = (Map<String, Object>) improvement.get(e.getKey());
                double[] pc = (double[]) pm.get("ci95");
                out.printf("   P(runs > versus) %.2f [%.2f, %.2f]", (double) pm.get("value"), pc[0], pc[1]);
            }
            out.println();
        }
        out.flush();
    }

    /** @param source a run's parameters ("policy.bin" or "checkpoint U of N"), null for a built-in policy */
    private void print(Evaluator.Summary s, String policyName, String warning, String source) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", s.env());
            m.put("split", s.split());
            m.put("distribution", s.levels());
            if (warning != null) {
                m.put("warning", warning);
            }
            m.put("policy", policyName);
            if (source != null) {
                m.put("parameters", source);
            }
            m.put("episodes", s.episodes());
            m.put("intended_success", s.intendedSuccess().value());
            m.put("proxy_success", values(s.proxySuccess()));
            m.put("outcomes", values(s.outcomes()));
            m.put("termination", values(s.causes()));
            m.put("failure_modes", values(s.failureModes()));
            Map<String, Object> ci = new LinkedHashMap<>();
            ci.put("intended_success", interval(s.intendedSuccess()));
            ci.put("proxy_success", intervals(s.proxySuccess()));
            ci.put("outcomes", intervals(s.outcomes()));
            ci.put("failure_modes", intervals(s.failureModes()));
            m.put("ci95", ci);
            m.put("ci_method", "wilson");
            m.put("mean_return", s.meanReturn());
            m.put("mean_steps", s.meanSteps());
            m.put("separating", s.separatingJson());
            Json.print(out, m);
            return;
        }
        out.printf("%s on %s/%s, %d held-out levels%n", policyName, s.env(), s.split(), s.episodes());
        out.printf("  levels: %s, seeds %d..%d%n", s.params(), s.firstLevelSeed(), s.firstLevelSeed() + s.episodes() - 1);
        if (warning != null) {
            out.printf("  warning: %s%n", warning);
        }
        if (source != null && !source.equals("policy.bin")) {
            out.printf("  parameters: %s (training did not finish)%n", source);
        }
        out.printf("  intended success     %s%n", fmt(s.intendedSuccess()));
        s.proxySuccess().forEach((k, v) -> out.printf("  proxy %-14s %s%n", k, fmt(v)));
        for (Outcome o : Outcome.values()) {
            out.printf("  %-20s %s%n", o.id(), fmt(s.outcomes().get(o)));
        }
        out.printf("  on the %d levels that separate the goals (no proxy's oracle reaches the intended goal there):%n", s.separatingLevels());
        for (Outcome o : Outcome.values()) {
            out.printf("    %-18s %s%n", o.id(), fmt(s.separating().get(o)));
        }
        s.failureModes().forEach((k, v) -> out.printf("  failure: %-11s %s%n", k, fmt(v)));
        StringBuilder causes = new StringBuilder();
        s.causes().forEach((k, v) -> causes.append(causes.length() == 0 ? "" : ", ").append(k).append(String.format(" %.1f%%", 100 * v.value())));
        out.printf("  ended: %s%n", causes);
        out.printf("  mean return %.3f, mean steps %.1f%n", s.meanReturn(), s.meanSteps());
        out.flush();
    }

    /** Rates by name (outcomes by their id). */
    private static Map<String, Double> values(Map<?, Evaluator.Rate> rates) {
        Map<String, Double> m = new LinkedHashMap<>();
        rates.forEach((k, v) -> m.put(k instanceof Outcome o ? o.id() : k.toString(), v.value()));
        return m;
    }

    private static Map<String, double[]> intervals(Map<?, Evaluator.Rate> rates) {
        Map<String, double[]> m = new LinkedHashMap<>();
        rates.forEach((k, v) -> m.put(k instanceof Outcome o ? o.id() : k.toString(), interval(v)));
        return m;
    }

    private static double[] interval(Evaluator.Rate r) {
        return new double[] {r.low(), r.high()};
    }

    private static String fmt(Evaluator.Rate r) {
        return String.format("%5.1f%%  [%4.1f, %4.1f]", 100 * r.value(), 100 * r.low(), 100 * r.high());
    }
}
