package org.mesalab.lab.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mesalab.core.Param;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.goodhart.Curve;
import org.mesalab.core.goodhart.Fit;
import org.mesalab.core.render.Heatmap;
import org.mesalab.core.stats.Stats;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.experiment.Store;

/**
 * One self-contained HTML page for an experiment, built from the results store: findings in plain
 * words with their numbers, learning curves, train-vs-test outcome bars, test misgeneralization with
 * 95% intervals, lever curves, visitation heatmaps, an animated rollout player, behavioral-objective
 * posteriors, the planner's objective pictures and the assistant table. Charts are inline SVG, images
 * inline PNG, the player plain JavaScript: it opens from disk with no network.
 */
public final class Report {
    /** Aggregate of one condition x split x objective across seeds. */
    record Cell(String condition, String group, String agent, String env, String split, String objective, int runs, double intended,
                double[] intendedCi, double aligned, double misgeneralized, double[] misgeneralizedCi, double failure, String lever, Double leverValue) {
    }

    /** One finding for the summary table: condition, train success, test outcomes with intervals. */
    public record Finding(String title, String text, List<Cell> cells) {
    }

    private final Store store;
    private final String experiment;
    /** Null for the whole experiment; one run's id for the dashboard's run page ({@link #runSections}). */
    private final String runId;
    private final List<Cell> cells = new ArrayList<>();

    public Report(Store store, String experiment) {
        this.store = store;
        this.experiment = experiment;
        this.runId = null;
        if (store.query("SELECT name FROM experiments WHERE name = ?", experiment).isEmpty()) {
            List<String> known = store.query("SELECT name FROM experiments ORDER BY name").stream().map(r -> (String) r.get("name")).toList();
            throw new UsageException("no experiment '" + experiment + "' in the store; allowed: " + (known.isEmpty() ? "(none yet)" : String.join(", ", known)));
        }
        aggregate();
    }

    private Report(Store store, String experiment, String runId) {
        this.store = store;
        this.experiment = experiment;
        this.runId = runId;
    }

    /**
     * One run's diagnoses as the report draws them (heatmaps, rollout players, behavioral posteriors, the
     * planner's objective pictures), for the dashboard's run page; empty for a run the store lacks. The
     * players need {@link #playerScript} loaded by the page (no inline script).
     */
    public static String runSections(Store store, String runId) {
        List<Map<String, Object>> run = store.query("SELECT experiment FROM runs WHERE run_id = ?", runId);
        if (run.isEmpty()) {
            return "";
        }
        Report r = new Report(store, (String) run.get(0).get("experiment"), runId);
        StringBuilder h = new StringBuilder();
        r.heatmaps(h);
        r.rollouts(h);
        r.behavioral(h);
        r.objectivePictures(h);
        return h.toString();
    }

    /** The rollout player's script, for a page that loads it as a file. */
    public static String playerScript() {
        return resource("player.js");
    }

    /** The report's style sheet, for a page that loads it as a file. */
    public static String css() {
        return CSS;
    }

    List<Cell> cells() {
        return cells;
    }

    private void aggregate() {
        List<Map<String, Object>> rows = store.query("SELECT r.condition, r.condition_group, r.agent, r.env, r.lever, r.lever_value, e.split, e.objective,"
                + " e.intended_success, e.aligned, e.goal_misgeneralized, e.capability_failure, e.intended_low, e.intended_high,"
                + " e.goal_misgeneralized_low, e.goal_misgeneralized_high, e.episodes FROM evaluations e JOIN runs r USING (run_id)"
                + " WHERE r.experiment = ? ORDER BY r.condition, e.split, e.objective, r.seed", experiment);
        Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            groups.computeIfAbsent(r.get("condition") + "\u0000" + r.get("split") + "\u0000" + r.get("objective"), k -> new ArrayList<>()).add(r);
        }
        Rng rng = new Rng(0);
        for (List<Map<String, Object>> g : groups.values()) {
            Map<String, Object> first = g.get(0);
            int n = g.size();
            double[][] intended = new double[n][1];
            double[][] misgen = new double[n][1];
            double aligned = 0;
            double failure = 0;
            for (int i = 0; i < n; i++) {
                intended[i][0] = d(g.get(i).get("intended_success"));
                misgen[i][0] = d(g.get(i).get("goal_misgeneralized"));
                aligned += d(g.get(i).get("aligned")) / n;
                failure += d(g.get(i).get("capability_failure")) / n;
            }
            double[] ici;
            double[] mci;
            if (n >= 2) { // across training seeds: stratified bootstrap as for eval --runs
                Stats.Estimate ie = Stats.bootstrap(intended, Stats::mean, 5000, rng);
                Stats.Estimate me = Stats.bootstrap(misgen, Stats::mean, 5000, rng);
                ici = new double[] {ie.low(), ie.high()};
                mci = new double[] {me.low(), me.high()};
            } else { // one run: the Wilson interval over its episodes
                ici = new double[] {d(first.get("intended_low")), d(first.get("intended_high"))};
                mci = new double[] {d(first.get("goal_misgeneralized_low")), d(first.get("goal_misgeneralized_high"))};
            }
            cells.add(new Cell((String) first.get("condition"), (String) first.get("condition_group"), (String) first.get("agent"),
                    (String) first.get("env"), (String) first.get("split"), (String) first.get("objective"), n, Stats.mean(intended), ici,
                    aligned, Stats.mean(misgen), mci, failure, (String) first.get("lever"),
                    first.get("lever_value") == null ? null : d(first.get("lever_value"))));
        }
    }

    private static double d(Object o) {
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }

    Cell cell(String condition, String split, String objective) {
        for (Cell c : cells) {
            if (c.condition().equals(condition) && c.split().equals(split) && c.objective().equals(objective)) {
                return c;
            }
        }
        return null;
    }

    /** The findings in plain words, from the numbers. */
    public List<Finding> findings() {
        List<Finding> out = new ArrayList<>();
        for (Cell test : cells) {
            if (!test.split().equals("test") || test.lever() != null || !(test.objective().equals("policy") || test.objective().equals("learned"))) {
                continue;
            }
            Cell train = cell(test.condition(), "train", test.objective());
            String what = test.agent().equals("planner") ? "The planner with its learned objective" : "PPO";
            String text = String.format("%s on %s: %s train success, then on test levels it reaches the intended goal in %s [%s, %s] "
                            + "of episodes and goes for the proxy instead in %s [%s, %s] (goal misgeneralization); %s are capability failures.",
                    what, test.env(), train == null ? "?" : pct(train.intended()), pct(test.intended()), pct(test.intendedCi()[0]),
                    pct(test.intendedCi()[1]), pct(test.misgeneralized()), pct(test.misgeneralizedCi()[0]), pct(test.misgeneralizedCi()[1]),
                    pct(test.failure()));
            List<Cell> cs = new ArrayList<>();
            if (train != null) {
                cs.add(train);
            }
            cs.add(test);
            out.add(new Finding("Goal misgeneralization: " + test.condition(), text, cs));
        }
        Map<String, List<Cell>> levers = new TreeMap<>();
        for (Cell c : cells) {
            if (c.lever() != null && c.split().equals("test") && (c.objective().equals("policy") || c.objective().equals("learned"))) {
                levers.computeIfAbsent(c.group(), k -> new ArrayList<>()).add(c);
            }
        }
        for (Map.Entry<String, List<Cell>> e : levers.entrySet()) {
            List<Cell> cs = new ArrayList<>(e.getValue());
            cs.sort((a, b) -> Double.compare(a.leverValue(), b.leverValue()));
            Cell lo = cs.get(0);
            Cell hi = cs.get(cs.size() - 1);
            out.add(new Finding(leverKind(lo) + ": " + lo.lever() + " (" + e.getKey() + ")", String.format(
                    "Training with %s = %s gives %s [%s, %s] goal misgeneralization on test levels; with %s = %s it is %s [%s, %s] "
                            + "(intended success %s vs %s). %s", lo.lever(), fmt(lo.leverValue()), pct(lo.misgeneralized()), pct(lo.misgeneralizedCi()[0]),
                    pct(lo.misgeneralizedCi()[1]), hi.lever(), fmt(hi.leverValue()), pct(hi.misgeneralized()), pct(hi.misgeneralizedCi()[0]),
                    pct(hi.misgeneralizedCi()[1]), pct(lo.intended()), pct(hi.intended()), verdict(lo, hi)), cs));
        }
        List<Map<String, Object>> assistant = assistantRows();
        if (!assistant.isEmpty()) {
            StringBuilder sb = new StringBuilder("The prior lever: the same assistant, trained on the same situations, answers the essay's question (\"")
                    .append(assistant.get(0).get("essay_question")).append("\") differently depending on what its kernel calls similar: ");
            List<String> parts = new ArrayList<>();
            for (Map<String, Object> r : assistant) {
                parts.add(String.format("%s kernel %s (test accuracy %s)", r.get("kernel"), r.get("essay_choice"), pct(d(r.get("accuracy")))));
            }
            sb.append(String.join("; ", parts)).append('.');
            out.add(new Finding("The prior lever: the assistant's kernels", sb.toString(), List.of()));
        }
        for (Cell learned : cells) {
            if (!learned.agent().equals("planner") || !learned.split().equals("test") || !learned.objective().equals("learned")) {
                continue;
            }
            List<Cell> cs = new ArrayList<>();
            List<String> parts = new ArrayList<>();
            for (Cell c : cells) {
                if (c.condition().equals(learned.condition()) && c.split().equals("test")) {
                    cs.add(c);
                    parts.add(String.format("%s: intended %s [%s, %s], misgeneralized %s", c.objective(), pct(c.intended()), pct(c.intendedCi()[0]),
                            pct(c.intendedCi()[1]), pct(c.misgeneralized())));
                }
            }
            out.add(new Finding("The essay's architecture: " + learned.condition(),
                    "The planner searches whatever objective sits in its slot, with the same learned networks, on the same test levels. "
                            + String.join("; ", parts) + ".", cs));
        }
        for (Map<String, Object> r : store.query("SELECT name, curve FROM goodhart_curves WHERE experiment = ? ORDER BY name", experiment)) {
            out.add(new Finding("Goodhart: " + r.get("name"), goodhartVerdict(curve(String.valueOf(r.get("curve")))), List.of()));
        }
        return out;
    }

    /** "The data lever" when the swept key is a parameter of the env's levels, else "The prior lever" (a hyperparameter of the learner). */
    static String leverKind(Cell c) {
        boolean levels = org.mesalab.core.envs.Envs.get(c.env()).params().stream().anyMatch(p -> p.name().equals(c.lever()));
        return levels ? "The data lever" : "The prior lever";
    }

    /** A Goodhart curve in words: where gold peaks, where it ends, and whether the intervals over levels say it fell. */
    static String goodhartVerdict(Curve c) {
        Curve.Point peak = c.points().stream().filter(p -> p.pressure() == c.peak().pressure()).findFirst().orElseThrow();
        Curve.Point last = c.points().get(c.points().size() - 1);
        Curve.Point first = c.points().get(0);
        String head = String.format(java.util.Locale.ROOT, "Optimizing '%s' by %s on %d levels: gold (%s) is %s [%s, %s] at %s=%d, peaks at %s=%d with %s [%s, %s], "
                        + "and is %s [%s, %s] at the strongest pressure (%s=%d), while the proxy rises from %s to %s. ", c.proxy(), c.optimizer(), c.levels(), c.gold(),
                num(first.gold().value()), num(first.gold().low()), num(first.gold().high()), c.pressureUnit(), first.pressure(), c.pressureUnit(), peak.pressure(),
                num(peak.gold().value()), num(peak.gold().low()), num(peak.gold().high()), num(last.gold().value()), num(last.gold().low()), num(last.gold().high()),
                c.pressureUnit(), last.pressure(), num(first.proxy().value()), num(last.proxy().value()));
        if (peak == last || last.gold().value() >= peak.gold().value()) { // the peak may be an earlier pressure with the same gold (a plateau)
            return head + "Gold does not fall within these pressures: no Goodhart effect shown.";
        }
        if (last.gold().high() < peak.gold().low()) {
            return head + String.format(java.util.Locale.ROOT, "The 95%% intervals over levels do not overlap: gold falls %s below its peak as optimization grows.",
                    pct(c.peak().dropShare()));
        }
        return head + "The intervals over levels overlap: whether gold falls is inconclusive.";
    }

    /**
     * What the intervals allow one to say about two conditions' goal misgeneralization: an effect when the
     * 95% intervals across training seeds do not overlap, "inconclusive" when they do, and nothing about the
     * lever with one seed per condition (its interval is over one run's episodes).
     */
    static String verdict(Cell a, Cell b) {
        if (a.runs() < 2 || b.runs() < 2) {
            return "With one training seed per condition the intervals are over episodes, not runs: inconclusive about the lever.";
        }
        boolean apart = a.misgeneralizedCi()[1] < b.misgeneralizedCi()[0] || b.misgeneralizedCi()[1] < a.misgeneralizedCi()[0];
        if (!apart) {
            return String.format("The intervals over %d and %d seeds overlap: inconclusive (no effect shown).", a.runs(), b.runs());
        }
        Cell lower = a.misgeneralized() < b.misgeneralized() ? a : b;
        return String.format("The intervals over %d and %d seeds do not overlap: an effect, lower with %s = %s.", a.runs(), b.runs(), lower.lever(),
                fmt(lower.leverValue()));
    }

    List<Map<String, Object>> assistantRows() {
        List<Map<String, Object>> r = store.query("SELECT payload FROM diagnoses WHERE run_id = ? AND kind = 'assistant'", experiment + "/assistant");
        if (r.isEmpty()) {
            return List.of();
        }
        return parse(r.get(0).get("payload"), new TypeReference<List<Map<String, Object>>>() { });
    }

    public static String pct(double v) {
        return Double.isFinite(v) ? String.format("%.1f%%", 100 * v) : "n/a";
    }

    static String fmt(double v) {
        return Param.format(v);
    }

    static <T> T parse(Object json, TypeReference<T> type) {
        try {
            return Json.COMPACT.readValue(String.valueOf(json), type);
        } catch (Exception e) {
            throw new IllegalStateException("store: unreadable JSON: " + e.getMessage(), e);
        }
    }

    /** The whole page: one section per kind of result the store holds. */
    public String html() {
        StringBuilder h = new StringBuilder();
        header(h);
        findings(h);
        curves(h);
        outcomes(h);
        levers(h);
        heatmaps(h);
        rollouts(h);
        behavioral(h);
        objectivePictures(h);
        h.append(InsideSection.html(diagnoses("probes", "r.condition, r.seed"), diagnoses("steering", "r.condition, r.seed"), diagnoses("mesa", "r.condition, r.seed")));
        h.append(HelpSection.html(diagnoses("help", "r.condition, r.seed")));
        assistant(h);
        goodhart(h);
        h.append("<p style=\"color:#777;font-size:12px\">Generated by mesalab from the results store; data: <code>mesalab export</code>.</p></body></html>\n");
        return h.toString();
    }

    private void header(StringBuilder h) {
        Map<String, Object> exp = store.query("SELECT description FROM experiments WHERE name = ?", experiment).get(0);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mesalab: ").append(esc(experiment)).append("</title>\n<style>\n")
                .append(CSS).append("</style></head><body>\n");
        h.append("<h1>mesalab experiment: ").append(esc(experiment)).append("</h1>\n<p>").append(esc(String.valueOf(exp.get("description")))).append("</p>\n");
        List<Map<String, Object>> runs = store.query("SELECT count(*) AS n, min(finished) AS first, max(finished) AS last FROM runs WHERE experiment = ?"
                + " AND agent <> 'gp'", experiment);
        h.append("<p>").append(runs.get(0).get("n")).append(" training runs; intervals are 95%: across training seeds by stratified bootstrap when a "
                + "condition has several seeds, otherwise Wilson intervals over one run's episodes.</p>\n");
    }

    private void findings(StringBuilder h) {
        h.append("<h2 id=\"findings\">Findings</h2>\n");
        for (Finding f : findings()) {
            h.append("<div class=\"finding\"><b>").append(esc(f.title())).append("</b><br>").append(esc(f.text())).append("</div>\n");
        }
        h.append(summaryTable());
        h.append(levelsTable());
    }

    private void curves(StringBuilder h) {
        h.append("<h2 id=\"curves\">Learning curves</h2>\n");
        Map<String, List<double[]>> curves = curves();
        if (!curves.isEmpty()) {
            h.append("<div class=\"chart\">").append(Charts.learningCurves("train success while training (mean over seeds)", curves)).append("</div>\n");
        }
    }

    private void outcomes(StringBuilder h) {
        h.append("<h2 id=\"outcomes\">Outcomes on train and test levels</h2>\n");
        Map<String, double[]> bars = new LinkedHashMap<>();
        List<Charts.Point> points = new ArrayList<>();
        for (Cell c : cells) {
            bars.put(label(c) + " / " + c.split(), new double[] {c.aligned(), c.misgeneralized(), c.failure()});
            if (c.split().equals("test")) {
                points.add(new Charts.Point(label(c), points.size(), c.misgeneralized(), c.misgeneralizedCi()[0], c.misgeneralizedCi()[1]));
            }
        }
        if (!bars.isEmpty()) {
            h.append("<div class=\"chart\">").append(Charts.outcomeBars("outcomes per condition and split (mean over seeds)", bars)).append("</div>\n");
        }
        if (!points.isEmpty()) {
            h.append("<div class=\"chart\">").append(Charts.intervals("goal misgeneralization on test levels, 95% intervals", "goal misgeneralized", points))
                    .append("</div>\n");
        }
    }

    private void levers(StringBuilder h) {
        Map<String, List<Charts.Point>> lever = new TreeMap<>();
        Map<String, String> leverName = new LinkedHashMap<>();
        for (Cell c : cells) {
            if (c.lever() != null && c.split().equals("test") && (c.objective().equals("policy") || c.objective().equals("learned"))) {
                lever.computeIfAbsent(c.group(), k -> new ArrayList<>()).add(new Charts.Point(c.condition(), c.leverValue(), c.misgeneralized(),
                        c.misgeneralizedCi()[0], c.misgeneralizedCi()[1]));
                leverName.put(c.group(), c.lever());
            }
        }
        if (lever.isEmpty()) {
            return;
        }
        h.append("<h2 id=\"levers\">Lever curves</h2>\n<div class=\"grid\">");
        for (Map.Entry<String, List<Charts.Point>> e : lever.entrySet()) {
            List<Charts.Point> ps = new ArrayList<>(e.getValue());
            ps.sort((a, b) -> Double.compare(a.x(), b.x()));
            h.append("<div class=\"chart\">").append(Charts.lever(e.getKey() + ": test misgeneralization vs " + leverName.get(e.getKey()),
                    leverName.get(e.getKey()), "goal misgeneralized", ps)).append("</div>");
        }
        h.append("</div>\n");
    }

    /** Diagnoses of one kind for this experiment's runs: condition, seed, split and payload, ordered. */
    private List<Map<String, Object>> diagnoses(String kind, String order) {
        if (runId != null) {
            return store.query("SELECT r.condition, r.seed, d.split, d.payload FROM diagnoses d JOIN runs r USING (run_id) WHERE r.experiment = ?"
                    + " AND d.kind = ? AND r.run_id = ? ORDER BY " + order, experiment, kind, runId);
        }
        return store.query("SELECT r.condition, r.seed, d.split, d.payload FROM diagnoses d JOIN runs r USING (run_id) WHERE r.experiment = ?"
                + " AND d.kind = ? ORDER BY " + order, experiment, kind);
    }

    private void heatmaps(StringBuilder h) {
        List<Map<String, Object>> heat = diagnoses("heatmap", "r.condition, d.split, r.seed");
        if (heat.isEmpty()) {
            return;
        }
        h.append("<h2 id=\"heatmaps\">Where the agents go: state visitation</h2>\n<div class=\"grid\">");
        Map<String, int[][]> summed = new LinkedHashMap<>();
        for (Map<String, Object> r : heat) {
            Map<String, Object> p = parse(r.get("payload"), new TypeReference<Map<String, Object>>() { });
            @SuppressWarnings("unchecked")
            List<List<Number>> counts = (List<List<Number>>) p.get("counts");
            String key = r.get("condition") + " / " + r.get("split");
            int[][] acc = summed.computeIfAbsent(key, k -> new int[counts.size()][counts.get(0).size()]);
            for (int y = 0; y < counts.size(); y++) {
                for (int x = 0; x < counts.get(y).size(); x++) {
                    acc[y][x] += counts.get(y).get(x).intValue();
                }
            }
        }
        summed.forEach((k, v) -> h.append("<div class=\"chart\">").append(Heatmap.svg(v, k)).append("</div>"));
        h.append("</div>\n");
    }

    private void rollouts(StringBuilder h) {
        List<Map<String, Object>> rollouts = diagnoses("rollout", "r.condition, d.split, r.seed");
        if (rollouts.isEmpty()) {
            return;
        }
        h.append("<h2 id=\"player\">Rollouts: sample episodes on train and test levels</h2>\n<div class=\"grid\" id=\"players\">");
        int i = 0;
        Map<String, Integer> perKey = new LinkedHashMap<>();
        for (Map<String, Object> r : rollouts) {
            String key = r.get("condition") + " / " + r.get("split");
            if (perKey.merge(key, 1, Integer::sum) > 2 || i >= 24) {
                continue; // two episodes per condition and split keep the page small
            }
            Map<String, Object> p = parse(r.get("payload"), new TypeReference<Map<String, Object>>() { });
            h.append("<div class=\"player\" data-episode=\"").append(i).append("\"><div><b>").append(esc(key)).append("</b> seed ").append(r.get("seed"))
                    .append(", outcome: ").append(esc(String.valueOf(p.get("outcome")))).append("</div><canvas width=\"10\" height=\"10\"></canvas><div>")
                    .append("<button class=\"play\">play</button><button class=\"pause\">pause</button><button class=\"step\">step</button>")
                    .append(" frame <span class=\"frame\">0</span>/<span class=\"frames\">0</span></div></div>\n");
            h.append("<script type=\"application/json\" id=\"episode-").append(i).append("\">").append(Store.json(p).replace("</", "<\\/"))
                    .append("</script>\n");
            i++;
        }
        h.append("</div>\n").append(runId == null ? PLAYER_JS : "");
    }

    private void behavioral(StringBuilder h) {
        List<Map<String, Object>> behavioral = diagnoses("behavioral", "r.condition, r.seed");
        if (behavioral.isEmpty()) {
            return;
        }
        h.append("<h2 id=\"behavioral\">Behavioral objective: which goal explains what the agent does</h2>\n<div class=\"grid\">");
        for (Map<String, Object> r : behavioral) {
            List<Map<String, Object>> fits = parse(r.get("payload"), new TypeReference<List<Map<String, Object>>>() { });
            Map<String, Double> post = new LinkedHashMap<>();
            for (Map<String, Object> f : fits) {
                post.put((String) f.get("objective"), d(f.get("posterior")));
            }
            h.append("<div class=\"chart\">").append(Charts.posterior(r.get("condition") + " seed " + r.get("seed") + " on " + r.get("split") + " levels", post))
                    .append("</div>");
        }
        h.append("</div>\n");
    }

    private void objectivePictures(StringBuilder h) {
        List<Map<String, Object>> pictures = diagnoses("objective_picture", "r.condition, r.seed");
        if (pictures.isEmpty()) {
            return;
        }
        h.append("<h2 id=\"objective\">The planner's objective, pointed at: learned vs swapped</h2>\n<p>Each panel: what an objective in the planner's slot "
                + "says about every cell of one test level (reward predicted for stepping in, value of standing there). Dark = high.</p>\n");
        for (Map<String, Object> r : pictures) {
            Map<String, Object> p = parse(r.get("payload"), new TypeReference<Map<String, Object>>() { });
            if (p.containsKey("png_base64")) {
                h.append("<div><b>").append(esc(r.get("condition") + " seed " + r.get("seed"))).append("</b><br><img alt=\"objective picture\" src=\"data:image/png;base64,")
                        .append(p.get("png_base64")).append("\"></div>\n");
            }
        }
    }

    private void assistant(StringBuilder h) {
        List<Map<String, Object>> assistant = assistantRows();
        if (assistant.isEmpty()) {
            return;
        }
        h.append("<h2 id=\"assistant\">The prior lever: the assistant's kernels</h2>\n<p>Two Gaussian-process reward models (comply, refuse) trained on the "
                + "same situations; the kernel decides what counts as similar. The essay's question: <code>")
                .append(esc(String.valueOf(assistant.get(0).get("essay_question")))).append("</code>.</p>\n<table><tr><th>kernel</th><th>expression</th>"
                        + "<th>test accuracy</th><th>on the essay's question</th></tr>\n");
        for (Map<String, Object> r : assistant) {
            h.append("<tr><td>").append(esc(String.valueOf(r.get("kernel")))).append("</td><td><code>").append(esc(String.valueOf(r.get("kernel_spec"))))
                    .append("</code></td><td>").append(pct(d(r.get("accuracy")))).append("</td><td>").append(esc(String.valueOf(r.get("essay_choice"))))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** The experiment's Goodhart curves: chart, fits, peak and early stopping per curve. */
    private void goodhart(StringBuilder h) {
        List<Map<String, Object>> rows = store.query("SELECT name, env, split, base, seconds, curve FROM goodhart_curves WHERE experiment = ? ORDER BY name",
                experiment);
        if (rows.isEmpty()) {
            return;
        }
        h.append("<h2 id=\"goodhart\">Goodhart curves</h2>\n<p>Each curve optimizes a proxy harder and harder; gold is the env's intended objective, "
                + "discounted per step so that delay costs. Intervals are 95% bootstrap intervals over levels. Fits are Gao et al.'s forms of the gold gained "
                + "over the base against d = sqrt(KL).</p>\n");
        for (Map<String, Object> r : rows) {
            Curve c = curve(String.valueOf(r.get("curve")));
            h.append("<h3>").append(esc(String.valueOf(r.get("name")))).append(": ").append(esc(c.optimizer())).append(" on <code>").append(esc(c.proxy()))
                    .append("</code>, ").append(esc(r.get("env") + "/" + r.get("split"))).append(", base ").append(esc(String.valueOf(r.get("base"))))
                    .append("</h3>\n<div class=\"chart\">").append(GoodhartChart.svg(c)).append("</div>\n<table><tr><th>fit</th><th>alpha</th><th>beta</th><th>R^2</th></tr>\n");
            for (Fit f : c.fits()) {
                h.append("<tr><td>").append(f.form()).append("</td><td>").append(num(f.alpha())).append("</td><td>").append(num(f.beta())).append("</td><td>")
                        .append(num(f.r2())).append("</td></tr>\n");
            }
            Curve.Peak pk = c.peak();
            h.append("</table>\n<p>Gold ").append(num(pk.baseGold())).append(" at the weakest pressure, peaks at ").append(esc(c.pressureUnit())).append("=")
                    .append(pk.pressure()).append(" with ").append(num(pk.gold())).append(", and is ").append(num(pk.strongestGold()))
                    .append(" at the strongest (").append(pct(pk.dropShare())).append(" below the peak).");
            if (c.earlyStop() != null) {
                Curve.EarlyStop es = c.earlyStop();
                h.append(" Stopping at the peak seen on ").append(es.holdoutLevels()).append(" held-out levels picks ").append(esc(c.pressureUnit())).append("=")
                        .append(es.chosenPressure()).append(": gold ").append(num(es.gold())).append(".");
            }
            h.append(" Gold: ").append(esc(c.gold())).append(".</p>\n");
        }
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(java.util.Locale.ROOT, "%.4f", v) : "n/a";
    }

    /** A stored curve back from its JSON (non-finite numbers were stored as null). */
    static Curve curve(String json) {
        JsonNode n;
        try {
            n = Json.COMPACT.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("store: unreadable goodhart curve: " + e.getMessage(), e);
        }
        List<Curve.Point> points = new ArrayList<>();
        for (JsonNode p : n.get("points")) {
            points.add(new Curve.Point(p.get("pressure").asLong(), dbl(p, "kl"), dbl(p, "d"), est(p.get("proxy")), est(p.get("gold")), dbl(p, "aligned"),
                    dbl(p, "misgeneralized"), dbl(p, "failure"), dbl(p, "steps")));
        }
        List<Fit> fits = new ArrayList<>();
        for (JsonNode f : n.get("fits")) {
            fits.add(new Fit(f.get("form").asText(), dbl(f, "alpha"), dbl(f, "beta"), dbl(f, "r2")));
        }
        JsonNode pk = n.get("peak");
        JsonNode es = n.get("earlyStop");
        return new Curve(n.get("optimizer").asText(), n.get("proxy").asText(), n.get("gold").asText(), n.get("pressureUnit").asText(),
                n.get("klSource").asText(), n.get("levels").asInt(), points, fits,
                new Curve.Peak(pk.get("pressure").asLong(), dbl(pk, "gold"), dbl(pk, "baseGold"), dbl(pk, "strongestGold"), dbl(pk, "drop"), dbl(pk, "dropShare")),
                es == null || es.isNull() ? null : new Curve.EarlyStop(es.get("holdoutLevels").asInt(), es.get("chosenPressure").asLong(), dbl(es, "gold"),
                        dbl(es, "peakGold"), dbl(es, "strongestGold")));
    }

    private static double dbl(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }

    private static Stats.Estimate est(JsonNode n) {
        return new Stats.Estimate(dbl(n, "value"), dbl(n, "low"), dbl(n, "high"));
    }

    private static String label(Cell c) {
        return c.condition() + (c.objective().equals("policy") ? "" : " [" + c.objective() + "]");
    }

    /** The summary table: per condition (and objective), train success, test outcomes with intervals. */
    String summaryTable() {
        StringBuilder h = new StringBuilder("<table id=\"summary\"><tr><th>condition</th><th>objective</th><th>seeds</th><th>train success</th>"
                + "<th>test intended [95%]</th><th>test goal misgeneralized [95%]</th><th>test capability failure</th></tr>\n");
        for (Cell test : cells) {
            if (!test.split().equals("test")) {
                continue;
            }
            Cell train = cell(test.condition(), "train", test.objective());
            h.append("<tr><td>").append(esc(test.condition())).append("</td><td>").append(esc(test.objective())).append("</td><td>").append(test.runs())
                    .append("</td><td>").append(train == null ? "" : pct(train.intended())).append("</td><td>").append(pct(test.intended())).append(" [")
                    .append(pct(test.intendedCi()[0])).append(", ").append(pct(test.intendedCi()[1])).append("]</td><td>").append(pct(test.misgeneralized()))
                    .append(" [").append(pct(test.misgeneralizedCi()[0])).append(", ").append(pct(test.misgeneralizedCi()[1])).append("]</td><td>")
                    .append(pct(test.failure())).append("</td></tr>\n");
        }
        return h.append("</table>\n").toString();
    }

    /**
     * What each split meant: per condition and split, the evaluated levels' full generator parameters,
     * the first level seed, and any warning (a "test" split equal to the training distribution).
     */
    String levelsTable() {
        List<Map<String, Object>> rows = store.query("SELECT DISTINCT r.condition, e.split, CAST(e.distribution AS VARCHAR) AS distribution, e.warning"
                + " FROM evaluations e JOIN runs r USING (run_id) WHERE r.experiment = ? AND e.distribution IS NOT NULL ORDER BY r.condition, e.split",
                experiment);
        if (rows.isEmpty()) {
            return "";
        }
        StringBuilder h = new StringBuilder("<p>The levels each condition was evaluated on (a split means the same levels for every run: "
                + "a split's defining parameters are the split's, whatever the run was trained with):</p>\n<table id=\"levels\"><tr><th>condition</th>"
                + "<th>split</th><th>parameters</th><th>first level seed</th><th>levels</th><th>warning</th></tr>\n");
        for (Map<String, Object> r : rows) {
            Map<String, Object> dist = parse(r.get("distribution"), new TypeReference<Map<String, Object>>() { });
            StringBuilder params = new StringBuilder();
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) dist.get("params");
            p.forEach((k, v) -> params.append(params.length() == 0 ? "" : " ").append(k).append('=').append(v));
            h.append("<tr><td>").append(esc((String) r.get("condition"))).append("</td><td>").append(esc((String) r.get("split"))).append("</td><td><code>")
                    .append(esc(params.toString())).append("</code></td><td>").append(dist.get("first_level_seed")).append("</td><td>")
                    .append(dist.get("levels")).append("</td><td>").append(r.get("warning") == null ? "" : esc((String) r.get("warning")))
                    .append("</td></tr>\n");
        }
        return h.append("</table>\n").toString();
    }

    /** Plain-text version of the summary table for the terminal. */
    /** Writes the page to {@code html} in one step (its folder made): a reader never sees half a report. */
    public void write(java.nio.file.Path html) {
        try {
            java.nio.file.Files.createDirectories(html.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new org.mesalab.core.UsageException("cannot create " + html.getParent() + ": " + org.mesalab.core.UsageException.why(e));
        }
        String page = html();
        org.mesalab.agents.RunDir.writeAtomically(html, o -> o.write(page.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Writes the page, then prints the summary, the findings and where the report and store are: how an experiment ends. */
    public void publish(java.nio.file.Path html, java.nio.file.Path store, double seconds, java.io.PrintWriter w) {
        write(html);
        w.println(summaryText());
        for (Finding f : findings()) {
            w.println("- " + f.title() + ": " + f.text());
        }
        w.printf("%nreport: %s%nstore:  %s   (mesalab runs --db %s; mesalab export --db %s --format parquet DIR)%nwall time: %s%n", html, store,
                store, store, org.mesalab.lab.experiment.Progress.time(seconds));
        w.flush();
    }

    public String summaryText() {
        if (cells.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(String.format("%-34s %-22s %5s %9s %24s %24s %8s%n", "condition", "objective", "seeds", "train",
                "test intended [95%]", "test misgeneralized [95%]", "failure"));
        for (Cell test : cells) {
            if (!test.split().equals("test")) {
                continue;
            }
            Cell train = cell(test.condition(), "train", test.objective());
            sb.append(String.format("%-34s %-22s %5d %9s %24s %24s %8s%n", test.condition(), test.objective(), test.runs(),
                    train == null ? "" : pct(train.intended()),
                    pct(test.intended()) + " [" + pct(test.intendedCi()[0]) + ", " + pct(test.intendedCi()[1]) + "]",
                    pct(test.misgeneralized()) + " [" + pct(test.misgeneralizedCi()[0]) + ", " + pct(test.misgeneralizedCi()[1]) + "]",
                    pct(test.failure())));
        }
        return sb.toString();
    }

    /** Train success against env steps per condition, averaged over seeds at each logged step. */
    private Map<String, List<double[]>> curves() {
        List<Map<String, Object>> rows = store.query("SELECT r.condition, m.global_step, avg(m.train_success) AS s FROM training_metrics m JOIN runs r USING (run_id)"
                + " WHERE r.experiment = ? GROUP BY r.condition, m.global_step ORDER BY r.condition, m.global_step", experiment);
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            out.computeIfAbsent((String) r.get("condition"), k -> new ArrayList<>()).add(new double[] {d(r.get("global_step")), d(r.get("s"))});
        }
        return out;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The page's style and the rollout player's script, served from the jar (CSS and JavaScript files, not Java strings). */
    static final String CSS = resource("report.css");
    static final String PLAYER_JS = "<script>\n" + resource("player.js") + "</script>\n";

    private static String resource(String name) {
        try (java.io.InputStream in = Report.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " next to " + Report.class.getName());
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
