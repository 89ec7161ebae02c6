package org.mesalab.lab.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.mesalab.core.Rng;
import org.mesalab.core.stats.Stats;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.report.Report;

/**
 * What the dashboard shows, as plain data (maps and lists, written as JSON by {@link Dashboard}): the
 * store's experiments and runs merged with the run directories still training, one run's curve,
 * evaluations and diagnoses, and comparisons of runs or conditions.
 */
final class Api {
    /** A run the dashboard does not know: 404. */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    private static final String RUN_COLUMNS = "r.run_id, r.experiment, r.condition, r.condition_group, r.agent, r.env, r.seed, r.steps, r.lever,"
            + " r.lever_value, r.status, r.git_commit, CAST(r.versions AS VARCHAR) AS versions, r.wall_seconds, CAST(r.finished AS VARCHAR) AS finished";

    private final StoreReader store;
    private final RunFolders folders;

    Api(StoreReader store, RunFolders folders) {
        this.store = store;
        this.folders = folders;
    }

    List<Map<String, Object>> experiments() {
        return store.read("experiments", s -> s.query("SELECT e.name, e.description, CAST(e.updated AS VARCHAR) AS updated, count(r.run_id) AS runs"
                + " FROM experiments e LEFT JOIN runs r ON r.experiment = e.name GROUP BY e.name, e.description, e.updated ORDER BY e.updated DESC, e.name"),
                List.of());
    }

    /** Every run: the store's (finished) and the run directories it does not have yet (training, trained and waiting to be stored, stopped). */
    List<Map<String, Object>> runs() {
        Set<String> ids = new LinkedHashSet<>();
        List<Map<String, Object>> all = new ArrayList<>();
        for (Map<String, Object> r : storedRuns()) {
            ids.add((String) r.get("run_id"));
            all.add(stored(r));
        }
        for (RunFolders.Folder f : folders.scan()) {
            if (!ids.contains(f.id())) {
                all.add(live(f));
            }
        }
        return all;
    }

    /** One run's row as {@link #runs} lists it (the store's when it has the run, else its directory's), without building the whole list. */
    private Map<String, Object> row(String id) {
        for (Map<String, Object> r : storedRuns()) {
            if (id.equals(r.get("run_id"))) {
                return stored(r);
            }
        }
        return folders.find(id).map(this::live).orElse(null);
    }

    private static Map<String, Object> stored(Map<String, Object> r) {
        Map<String, Object> row = new LinkedHashMap<>(r);
        row.put("versions", tree(r.get("versions")));
        return row;
    }

    private List<Map<String, Object>> storedRuns() {
        return store.read("runs", s -> s.query("SELECT " + RUN_COLUMNS + ","
                + " (SELECT max(global_step) FROM training_metrics t WHERE t.run_id = r.run_id) AS last_step,"
                + " (SELECT arg_max(train_success, global_step) FROM training_metrics t WHERE t.run_id = r.run_id) AS train_success,"
                + " (SELECT avg(intended_success) FROM evaluations e WHERE e.run_id = r.run_id AND e.split = 'test' AND e.objective IN ('policy', 'learned'))"
                + " AS test_intended,"
                + " (SELECT avg(goal_misgeneralized) FROM evaluations e WHERE e.run_id = r.run_id AND e.split = 'test' AND e.objective IN ('policy', 'learned'))"
                + " AS test_misgeneralized"
                + " FROM runs r ORDER BY r.experiment, r.condition, r.seed"), List.of());
    }

    /** A run directory the store does not have, with its latest metrics line. */
    private Map<String, Object> live(RunFolders.Folder f) {
        JsonNode c = f.config();
        String[] parts = f.id().split("/");
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run_id", f.id());
        row.put("experiment", parts.length == 3 ? parts[0] : "");
        row.put("condition", parts.length >= 2 ? parts[parts.length - 2] : parts[0]);
        row.put("agent", c.path("algo").asText(""));
        row.put("env", c.path("env").asText(""));
        row.put("seed", c.path("seed").asLong());
        row.put("steps", c.path("total_steps").asLong());
        row.put("status", f.status());
        row.put("git_commit", c.path("git_commit").asText(null));
        row.put("versions", c.path("versions"));
        List<Map<String, Object>> m = folders.metrics(f, -1);
        Map<String, Object> last = m.isEmpty() ? Map.of() : m.get(m.size() - 1);
        row.put("last_step", last.get("global_step"));
        row.put("train_success", last.get("train_success"));
        return row;
    }

    /** One run: its row, manifest, learning curve, evaluations; {@code live} when its directory is still being written. */
    Map<String, Object> run(String id) {
        Names.runId(id);
        Map<String, Object> row = row(id);
        if (row == null) {
            throw new NotFound("no run '" + id + "' in the store or under " + folders.root() + "; the runs are listed at /");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", row);
        boolean stored = "finished".equals(row.get("status"));
        out.put("live", !stored);
        if (stored) {
            List<Map<String, Object>> cfg = store.read("config " + id, s -> s.query("SELECT CAST(config AS VARCHAR) AS c FROM runs WHERE run_id = ?", id),
                    List.of());
            out.put("config", cfg.isEmpty() ? null : tree(cfg.get(0).get("c")));
            out.put("metrics", points(id, -1));
            out.put("evaluations", evaluations(id));
        } else {
            RunFolders.Folder f = folders.find(id).orElseThrow(() -> new NotFound("run '" + id + "' is gone from " + folders.root()));
            out.put("config", f.config());
            out.put("metrics", points(id, -1));
            out.put("evaluations", List.of());
        }
        return out;
    }

    /**
     * The run's status and its learning-curve points after {@code after} (the run page's live poll): from
     * its directory while it trains, from the store once stored; status "finished" once stored.
     */
    Map<String, Object> metrics(String id, long after) {
        Names.runId(id);
        Map<String, Object> row = row(id);
        if (row == null) {
            throw new NotFound("no run '" + id + "' in the store or under " + folders.root());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", row.get("status"));
        out.put("points", points(id, after));
        return out;
    }

    private List<Map<String, Object>> points(String id, long after) {
        var folder = folders.find(id);
        if (folder.isPresent()) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Map<String, Object> m : folders.metrics(folder.get(), after)) {
                Map<String, Object> p = new LinkedHashMap<>();
                for (String k : List.of("global_step", "train_success", "mean_return", "steps_per_second")) {
                    p.put(k, m.get(k));
                }
                out.add(p);
            }
            return out;
        }
        List<Map<String, Object>> stored = store.read("metrics " + id, s -> s.query("SELECT global_step, train_success, mean_return, steps_per_second"
                + " FROM training_metrics WHERE run_id = ? ORDER BY global_step", id), List.of());
        return stored.stream().filter(m -> ((Number) m.get("global_step")).longValue() > after).toList();
    }

    /** The diagnoses of a stored run drawn as the report draws them (HTML); empty before the run is stored. */
    String diagnoses(String id) {
        return store.read("diagnoses " + id, s -> Report.runSections(s, id), "");
    }

    /** The report of one experiment, as {@code mesalab report} writes it. */
    String report(String experiment) {
        Names.experiment(experiment);
        if (experiments().stream().noneMatch(e -> experiment.equals(e.get("name")))) {
            throw new NotFound("no experiment '" + experiment + "' in the store; the experiments are listed at /");
        }
        return store.read("report " + experiment, s -> new Report(s, experiment).html(), "");
    }

    /**
     * Runs or conditions side by side: each selection's learning curve (mean over its runs at each
     * step), its outcomes per split and objective (means over runs), and the probability that it beats
     * the first selection on a test level both were evaluated on (ties count half), with a 95% bootstrap
     * interval over those levels.
     */
    Map<String, Object> compare(List<String> ids, List<String> conditions) {
        if (ids.size() + conditions.size() < 1 || ids.size() + conditions.size() > 12) {
            throw new org.mesalab.core.UsageException("compare takes 1 to 12 selections (id=RUN or condition=EXPERIMENT/CONDITION); got "
                    + (ids.size() + conditions.size()));
        }
        List<Map<String, Object>> all = runs();
        List<Selection> sel = new ArrayList<>();
        for (String id : ids) {
            Names.runId(id);
            if (all.stream().noneMatch(r -> id.equals(r.get("run_id")))) {
                throw new NotFound("no run '" + id + "' in the store or under " + folders.root());
            }
            sel.add(new Selection(id, List.of(id)));
        }
        for (String c : conditions) {
            Names.runId(c);
            int slash = c.indexOf('/');
            if (slash < 0) {
                throw new org.mesalab.core.UsageException("bad condition '" + c + "'; allowed: EXPERIMENT/CONDITION");
            }
            List<String> members = all.stream().filter(r -> c.substring(0, slash).equals(r.get("experiment")) && c.substring(slash + 1).equals(r.get("condition")))
                    .map(r -> (String) r.get("run_id")).toList();
            if (members.isEmpty()) {
                throw new NotFound("no runs of condition '" + c + "'");
            }
            sel.add(new Selection(c, members));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        Map<Long, Double> baseline = null;
        for (Selection s : sel) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("runs", s.runs());
            m.put("curve", meanCurve(s.runs()));
            m.put("outcomes", outcomes(s.runs()));
            Map<Long, Double> levels = testLevels(s.runs());
            if (baseline == null) {
                baseline = levels;
            } else {
                m.put("p_improvement", improvement(levels, baseline));
            }
            out.add(m);
        }
        return Map.of("selections", out);
    }

    private record Selection(String name, List<String> runs) {
    }

    private List<double[]> meanCurve(List<String> runs) {
        TreeMap<Long, double[]> sum = new TreeMap<>();
        for (String id : runs) {
            for (Map<String, Object> p : points(id, -1)) {
                if (p.get("train_success") instanceof Number v) {
                    double[] a = sum.computeIfAbsent(((Number) p.get("global_step")).longValue(), k -> new double[2]);
                    a[0] += v.doubleValue();
                    a[1]++;
                }
            }
        }
        List<double[]> curve = new ArrayList<>();
        sum.forEach((step, a) -> {
            if (a[1] == runs.size()) { // a step every run has reached: a mean over all of them
                curve.add(new double[] {step, a[0] / a[1]});
            }
        });
        return curve;
    }

    /**
     * Outcomes per split and objective, means over the selection's runs; intended success and goal
     * misgeneralization with a 95% interval: bootstrap over the runs when there are several, the run's
     * own Wilson interval over its episodes when there is one.
     */
    private List<Map<String, Object>> outcomes(List<String> runs) {
        Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
        for (String id : runs) {
            for (Map<String, Object> e : evaluations(id)) {
                groups.computeIfAbsent(e.get("split") + "\u0000" + e.get("objective"), k -> new ArrayList<>()).add(e);
            }
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        groups.forEach((k, es) -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("split", es.get(0).get("split"));
            r.put("objective", es.get(0).get("objective"));
            r.put("runs", es.size());
            for (String m : List.of("intended_success", "goal_misgeneralized")) {
                double[][] v = es.stream().map(e -> new double[] {num(e.get(m))}).toArray(double[][]::new);
                r.put(m, Stats.mean(v));
                if (v.length >= 2) {
                    Stats.Estimate ci = Stats.bootstrap(v, Stats::mean, 2000, new Rng(0));
                    r.put(m + "_low", ci.low());
                    r.put(m + "_high", ci.high());
                } else {
                    String base = m.equals("intended_success") ? "intended" : m;
                    r.put(m + "_low", es.get(0).get(base + "_low"));
                    r.put(m + "_high", es.get(0).get(base + "_high"));
                }
            }
            r.put("aligned", es.stream().mapToDouble(e -> num(e.get("aligned"))).average().orElse(Double.NaN));
            r.put("capability_failure", es.stream().mapToDouble(e -> num(e.get("capability_failure"))).average().orElse(Double.NaN));
            r.put("interval", es.size() >= 2 ? "bootstrap over runs" : "Wilson over episodes");
            rows.add(r);
        });
        return rows;
    }

    private List<Map<String, Object>> evaluations(String id) {
        return store.read("evaluations " + id, s -> s.query("SELECT split, objective, episodes, intended_success, intended_low,"
                + " intended_high, aligned, goal_misgeneralized, goal_misgeneralized_low, goal_misgeneralized_high, capability_failure, mean_return,"
                + " mean_steps, warning FROM evaluations WHERE run_id = ? ORDER BY split DESC, objective", id), List.of());
    }

    /** Per test level seed, the share of the selection's runs that reached the intended goal there (policy or learned objective). */
    private Map<Long, Double> testLevels(List<String> runs) {
        Map<Long, double[]> acc = new TreeMap<>();
        for (String id : runs) {
            for (Map<String, Object> e : store.read("episodes " + id, s -> s.query("SELECT level_seed, outcome FROM episodes WHERE run_id = ?"
                    + " AND split = 'test' AND objective IN ('policy', 'learned')", id), List.<Map<String, Object>>of())) {
                double[] a = acc.computeIfAbsent(((Number) e.get("level_seed")).longValue(), k -> new double[2]);
                a[0] += "aligned".equals(e.get("outcome")) ? 1 : 0;
                a[1]++;
            }
        }
        Map<Long, Double> out = new TreeMap<>();
        acc.forEach((k, a) -> out.put(k, a[0] / a[1]));
        return out;
    }

    /** P(this selection does better than the baseline on a shared test level), ties half, with a 95% bootstrap interval over the levels. */
    private static Map<String, Object> improvement(Map<Long, Double> x, Map<Long, Double> base) {
        List<Long> shared = x.keySet().stream().filter(base::containsKey).toList();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("levels", shared.size());
        if (shared.isEmpty()) {
            r.put("note", "no test level in common (different envs or splits): no probability of improvement");
            return r;
        }
        double[][] wins = new double[shared.size()][1]; // levels are the resampled units
        for (int i = 0; i < wins.length; i++) {
            double a = x.get(shared.get(i));
            double b = base.get(shared.get(i));
            wins[i][0] = a > b ? 1 : a == b ? 0.5 : 0;
        }
        Stats.Estimate e = Stats.bootstrap(wins, Stats::mean, 2000, new Rng(0));
        r.put("value", e.value());
        r.put("low", e.low());
        r.put("high", e.high());
        return r;
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static JsonNode tree(Object json) {
        try {
            return json == null ? null : Json.MAPPER.readTree(String.valueOf(json));
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
