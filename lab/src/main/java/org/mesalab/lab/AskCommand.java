package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.ask.Askable;
import org.mesalab.agents.ask.HelpCurves;
import org.mesalab.agents.ask.Signal;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "ask", footer = {"", "Examples:",
        "  mesalab ask runs/maze-ppo --signal entropy,max_prob,novelty,random,oracle",
        "  mesalab ask runs/s1 runs/s2 runs/s3 --signal novelty --help-rate 0.01,0.05,0.1 --json",
        "  mesalab ask runs/maze-ppo --signal entropy --threshold 0.5",
        "  mesalab ask runs/maze-planner --signal entropy,novelty,value_gap,surprise,random,oracle"},
        description = {"Agents that ask for help: a PPO or planner agent plays held-out levels and, when its signal of unfamiliarity exceeds a",
                "threshold, takes that step's action from a mentor (the intended objective's exact oracle). Thresholds are chosen on",
                "held-out training levels to give each help rate (the share of steps that ask there). Per signal and rate: intended",
                "success, goal misgeneralization, capability failure, asks per episode, the test ask rate, and the share of asks made",
                "before the agent's first own wrong step (in time); random is the baseline at the same rate, oracle the bound.",
                "A planner acts on its learned objective as in training; its entropy and max_prob read the search's policy, novelty its",
                "latent state h(o), value_gap |search value - value head| at the root, surprise the world model's next-latent error."})
final class AskCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "run directories of one env and one learner (PPO or planner)")
    List<Path> runs;

    @Option(names = "--signal", split = ",", defaultValue = "entropy,max_prob,novelty,random,oracle",
            description = "entropy, max_prob, novelty, value_std (runs trained with ppo.value_heads or planner.value_heads > 1),"
                    + " value_gap and surprise (planner runs),"
                    + " random (baseline), oracle (bound); comma-separated (default: ${DEFAULT-VALUE})")
    List<String> signals;

    @Option(names = "--help-rate", split = ",", defaultValue = "0.01,0.02,0.05,0.1,0.2",
            description = "shares of steps that ask on training levels, each in (0, 1] (default: ${DEFAULT-VALUE})")
    List<Double> rates;

    @Option(names = "--threshold", description = "a fixed threshold instead of --help-rate (ask when the signal exceeds it)")
    Double threshold;

    @Option(names = "--split", defaultValue = "test", description = "split played (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--episodes", defaultValue = "300", description = "held-out levels played per row (default: ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--calibration-episodes", defaultValue = "100", description = "held-out training levels the thresholds are chosen on (default: ${DEFAULT-VALUE})")
    int calibration;

    @Option(names = "--layer", description = "novelty, PPO runs: the layer whose activations are compared (default: the last before the heads)")
    String layer;

    @Option(names = "--index-levels", defaultValue = "200", description = "novelty: training levels whose activations are indexed (default: ${DEFAULT-VALUE})")
    int indexLevels;

    @Option(names = "--seed", defaultValue = "0", description = "picks the levels, the agent's sampling and the random signal (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    /** One row in one run: the values of {@link #COLUMNS}. */
    private static final String[] COLUMNS = {"aligned", "goal_misgeneralized", "capability_failure", "asks_per_episode", "test_ask_rate", "in_time", "train_rate"};

    @Override
    public void run() {
        List<Signal> chosen = new ArrayList<>();
        for (String s : signals) {
            chosen.add(Signal.parse(s.trim()));
        }
        if (threshold != null && spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption("--help-rate")) {
            throw new UsageException("give --threshold or --help-rate, not both");
        }
        if (threshold != null && (Double.isNaN(threshold))) {
            throw new UsageException("--threshold NaN is not a number; allowed: any number, or -Infinity / Infinity");
        }
        for (double r : rates) {
            if (!(r > 0 && r <= 1)) {
                throw new UsageException("--help-rate " + r + " is out of range; allowed: (0, 1]");
            }
        }
        if (episodes < 1 || episodes > 100_000 || calibration < 1 || calibration > 100_000 || indexLevels < 1 || indexLevels > 100_000) {
            throw new UsageException("--episodes=" + episodes + ", --calibration-episodes=" + calibration + ", --index-levels=" + indexLevels
                    + ": allowed: each in [1, 100000]");
        }
        List<RunManifest> manifests = PpoRuns.check(runs, seed, true);
        PpoRuns.checkSplit(manifests.get(0), split, "--split");
        for (int r = 0; r < runs.size(); r++) { // before any episode: a signal an agent does not have is a usage error
            for (Signal s : chosen) {
                Askable.require(s, manifests.get(r), runs.get(r).toString());
            }
        }
        List<Double> xs = threshold != null ? List.of(Double.NaN) : rates;
        // per run: baseline row, then per signal, per rate: a row
        List<double[]> baseline = new ArrayList<>();
        List<Map<Signal, List<double[]>>> perRun = new ArrayList<>();
        List<Map<Signal, List<Double>>> thresholds = new ArrayList<>();
        List<HelpCurves.Result> results = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            RunManifest m = manifests.get(r);
            try (Askable agent = Askable.load(runs.get(r), seed, layer)) {
                HelpCurves.Levels on = new HelpCurves.Levels(m.distribution(split), PpoRuns.scored(m, split, seed), episodes, m.distribution("train"),
                        PpoRuns.scored(m, "train", seed), calibration, PpoRuns.fitting(m, "train", seed), indexLevels);
                HelpCurves.Result res = HelpCurves.measure(agent, on, chosen, rates, threshold, seed);
                results.add(res);
                baseline.add(row(res.unassisted()));
                Map<Signal, List<double[]>> rows = new LinkedHashMap<>();
                Map<Signal, List<Double>> ts = new LinkedHashMap<>();
                res.rows().forEach((sig, rs) -> {
                    rows.put(sig, rs.stream().map(AskCommand::row).toList());
                    ts.put(sig, rs.stream().map(HelpCurves.Row::threshold).toList());
                });
                perRun.add(rows);
                thresholds.add(ts);
            }
        }
        print(manifests.get(0), chosen, xs, baseline, perRun, thresholds, results);
    }

    private static double[] row(HelpCurves.Row r) {
        return new double[] {r.aligned(), r.misgeneralized(), r.failure(), r.asksPerEpisode(), r.testAskRate(), r.inTime(), r.trainRate()};
    }

    /**
     * Intended success gained per unit of test steps asked, per run: (aligned - unassisted) / test ask rate. Signals
     * ask at different test rates for one training rate (a good one asks more where things are unfamiliar), so
     * this, not the curve against the training rate alone, says whether an ask of one signal buys more than an ask
     * of another; random asking is the baseline.
     */
    private static double[] gain(List<double[]> baseline, List<Map<Signal, List<double[]>>> perRun, Signal s, int k) {
        double[] g = new double[perRun.size()];
        for (int r = 0; r < g.length; r++) {
            double[] row = perRun.get(r).get(s).get(k);
            g[r] = row[4] > 0 ? (row[0] - baseline.get(r)[0]) / row[4] : Double.NaN;
        }
        return g;
    }

    private void print(RunManifest m, List<Signal> chosen, List<Double> xs, List<double[]> baseline, List<Map<Signal, List<double[]>>> perRun,
                       List<Map<Signal, List<Double>>> thresholds, List<HelpCurves.Result> results) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("runs", runs.stream().map(Path::toString).toList());
            j.put("env", m.env());
            j.put("split", split);
            j.put("episodes", episodes);
            j.put("calibration_episodes", calibration);
            j.put("seed", seed);
            j.put("unassisted", columns(baseline));
            Map<String, Object> signalsOut = new LinkedHashMap<>();
            for (Signal s : chosen) {
                List<Object> rows = new ArrayList<>();
                int n = perRun.get(0).get(s).size();
                for (int i = 0; i < n; i++) {
                    int k = i;
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("help_rate", threshold != null || s == Signal.ORACLE ? null : xs.get(i));
                    row.put("threshold", thresholds.stream().mapToDouble(t -> t.get(s).get(k)).toArray());
                    row.putAll(columns(perRun.stream().map(r -> r.get(s).get(k)).toList()));
                    row.put("gain_per_test_ask_rate", PpoRuns.json(gain(baseline, perRun, s, k)));
                    rows.add(row);
                }
                Map<String, Object> sig = new LinkedHashMap<>();
                sig.put("rows", rows);
                if (threshold == null && s != Signal.ORACLE) {
                    double[] a = new double[perRun.size()];
                    for (int r = 0; r < a.length; r++) {
                        a[r] = results.get(r).auc(s);
                    }
                    sig.put("auc", PpoRuns.json(a));
                }
                signalsOut.put(s.id(), sig);
            }
            j.put("signals", signalsOut);
            Json.print(out, j);
            return;
        }
        out.printf(Locale.ROOT, "asking for help on %s/%s: %d episodes per row, thresholds chosen on %d held-out training levels, %d run(s)%n", m.env(), split, episodes,
                calibration, runs.size());
        out.printf(Locale.ROOT, "unassisted: aligned %s, goal misgeneralized %s, capability failure %s%n", PpoRuns.text(col(baseline, 0)), PpoRuns.text(col(baseline, 1)),
                PpoRuns.text(col(baseline, 2)));
        for (Signal s : chosen) {
            out.printf(Locale.ROOT, "%n%s%n  %-9s %-22s %-22s %-22s %-10s %-10s %-22s %s%n", s.id(), "help rate", "aligned", "goal misgeneralized", "capability failure",
                    "asks/ep", "test rate", "asks in time", "gain / test rate");
            int n = perRun.get(0).get(s).size();
            for (int i = 0; i < n; i++) {
                int k = i;
                List<double[]> rows = perRun.stream().map(r -> r.get(s).get(k)).toList();
                String x = threshold != null ? "t=" + threshold : s == Signal.ORACLE ? "(deviations)" : String.valueOf(xs.get(i));
                out.printf(Locale.ROOT, "  %-9s %-22s %-22s %-22s %-10s %-10s %-22s %s%n", x, PpoRuns.text(col(rows, 0)), PpoRuns.text(col(rows, 1)), PpoRuns.text(col(rows, 2)),
                        String.format(Locale.ROOT, "%.2f", mean(col(rows, 3))), String.format(Locale.ROOT, "%.3f", mean(col(rows, 4))), PpoRuns.text(col(rows, 5)),
                        PpoRuns.text(gain(baseline, perRun, s, k)));
            }
            if (threshold == null && s != Signal.ORACLE) {
                double[] a = new double[perRun.size()];
                for (int r = 0; r < a.length; r++) {
                    a[r] = results.get(r).auc(s);
                }
                out.printf(Locale.ROOT, "  area under the curve (mean intended success over help rates 0-%s): %s%n", xs.get(xs.size() - 1), PpoRuns.text(a));
            }
        }
        out.flush();
    }

    private static Map<String, Object> columns(List<double[]> rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int c = 0; c < COLUMNS.length; c++) {
            m.put(COLUMNS[c], PpoRuns.json(col(rows, c)));
        }
        return m;
    }

    private static double[] col(List<double[]> rows, int c) {
        return rows.stream().mapToDouble(r -> r[c]).toArray();
    }

    private static double mean(double[] v) {
        double s = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                s += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }
}
