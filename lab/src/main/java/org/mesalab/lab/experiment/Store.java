package org.mesalab.lab.experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.core.UsageException;

/**
 * The results store: one embedded DuckDB file (default {@code runs/mesalab.duckdb}), no server.
 * Tables: {@code experiments}, {@code runs}, {@code training_metrics}, {@code evaluations},
 * {@code episodes}, {@code diagnoses}. A run's rows are written in one transaction when the run is
 * complete, so a killed run leaves nothing visible; rewriting a run replaces its rows.
 */
public final class Store implements AutoCloseable {
    static final Path DEFAULT = Path.of("runs", "mesalab.duckdb");
    public static final List<String> TABLES = List.of("experiments", "runs", "training_metrics", "evaluations", "episodes", "diagnoses",
            "goodhart_curves", "goodhart");

    private final Connection db;

    private Store(Connection db) {
        this.db = db;
    }

    public static Store open(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Class.forName("org.duckdb.DuckDBDriver");
            Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath());
            Store s = new Store(c);
            s.schema();
            return s;
        } catch (Exception e) {
            throw new UsageException("cannot open the results store " + file + ": " + RunDir.firstLine(e));
        }
    }

    /** Opens an existing store for reading; a missing file is a usage error. */
    public static Store existing(Path file) {
        if (!Files.exists(file)) {
            throw new UsageException("no results store at " + file + "; run an experiment first (mesalab run SPEC or mesalab demo) or give --db FILE");
        }
        return open(file);
    }

    private void schema() throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS experiments (name VARCHAR PRIMARY KEY, description VARCHAR, spec VARCHAR, source VARCHAR, updated TIMESTAMP)");
            s.execute("CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR PRIMARY KEY, experiment VARCHAR, condition VARCHAR, condition_group VARCHAR, agent VARCHAR,"
                    + " env VARCHAR, seed BIGINT, steps BIGINT, lever VARCHAR, lever_value DOUBLE, config JSON, versions JSON, git_commit VARCHAR,"
                    + " status VARCHAR, run_dir VARCHAR, wall_seconds DOUBLE, finished TIMESTAMP)");
            s.execute("CREATE TABLE IF NOT EXISTS training_metrics (run_id VARCHAR, global_step BIGINT, train_success DOUBLE, mean_return DOUBLE,"
                    + " steps_per_second DOUBLE, metrics JSON)");
            s.execute("CREATE TABLE IF NOT EXISTS evaluations (run_id VARCHAR, split VARCHAR, objective VARCHAR, episodes INTEGER,"
                    + " intended_success DOUBLE, intended_low DOUBLE, intended_high DOUBLE, aligned DOUBLE, goal_misgeneralized DOUBLE,"
                    + " goal_misgeneralized_low DOUBLE, goal_misgeneralized_high DOUBLE, capability_failure DOUBLE, proxy_success JSON,"
                    + " mean_return DOUBLE, mean_steps DOUBLE)");
            // Added after the first stores were written: what the split meant (parameters, level seeds) and any warning about it.
            s.execute("ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS distribution JSON");
            s.execute("ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS warning VARCHAR");
            s.execute("ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS separating JSON");
            s.execute("CREATE TABLE IF NOT EXISTS episodes (run_id VARCHAR, split VARCHAR, objective VARCHAR, level_seed BIGINT, outcome VARCHAR,"
                    + " intended_return DOUBLE, steps INTEGER, events JSON)");
            s.execute("CREATE TABLE IF NOT EXISTS diagnoses (run_id VARCHAR, split VARCHAR, kind VARCHAR, payload JSON)");
            // Goodhart curves: one row per curve (its setup, fits, peak and early stop as JSON) and one per pressure value.
            s.execute("CREATE TABLE IF NOT EXISTS goodhart_curves (experiment VARCHAR, name VARCHAR, env VARCHAR, split VARCHAR, proxy VARCHAR,"
                    + " optimizer VARCHAR, base VARCHAR, gold VARCHAR, levels INTEGER, seconds DOUBLE, curve JSON, PRIMARY KEY (experiment, name))");
            s.execute("CREATE TABLE IF NOT EXISTS goodhart (experiment VARCHAR, name VARCHAR, pressure BIGINT, kl DOUBLE, d DOUBLE,"
                    + " proxy DOUBLE, proxy_low DOUBLE, proxy_high DOUBLE, gold DOUBLE, gold_low DOUBLE, gold_high DOUBLE,"
                    + " aligned DOUBLE, goal_misgeneralized DOUBLE, capability_failure DOUBLE, mean_steps DOUBLE)");
        }
    }

    void putExperiment(Spec spec) {
        try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO experiments VALUES (?, ?, ?, ?, now())")) {
            p.setString(1, spec.name());
            p.setString(2, spec.description());
            p.setString(3, spec.yaml());
            p.setString(4, spec.source());
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("store: " + e.getMessage(), e);
        }
    }

    /** Whether the experiment's Goodhart case {@code name} is stored. */
    boolean hasGoodhart(String experiment, String name) {
        return !query("SELECT name FROM goodhart_curves WHERE experiment = ? AND name = ?", experiment, name).isEmpty();
    }

    /** Writes one Goodhart curve (its row and its points) in one transaction, replacing an earlier one of the same name. */
    synchronized void putGoodhart(String experiment, Spec.GoodhartCase c, org.mesalab.core.goodhart.Curve curve, double seconds) {
        try {
            db.setAutoCommit(false);
            for (String t : List.of("goodhart_curves", "goodhart")) {
                try (PreparedStatement p = db.prepareStatement("DELETE FROM " + t + " WHERE experiment = ? AND name = ?")) {
                    p.setString(1, experiment);
                    p.setString(2, c.name());
                    p.executeUpdate();
                }
            }
            try (PreparedStatement p = db.prepareStatement("INSERT INTO goodhart_curves VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                p.setString(1, experiment);
                p.setString(2, c.name());
                p.setString(3, c.env());
                p.setString(4, c.split());
                p.setString(5, c.proxy());
                p.setString(6, c.optimizer());
                p.setString(7, c.optimizer().equals(org.mesalab.core.goodhart.Goodhart.SEARCH) ? "random" : c.base());
                p.setString(8, curve.gold());
                p.setInt(9, curve.levels());
                p.setDouble(10, seconds);
                p.setString(11, json(curve));
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("INSERT INTO goodhart VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (org.mesalab.core.goodhart.Curve.Point pt : curve.points()) {
                    p.setString(1, experiment);
                    p.setString(2, c.name());
                    p.setLong(3, pt.pressure());
                    double[] v = {pt.kl(), pt.d(), pt.proxy().value(), pt.proxy().low(), pt.proxy().high(), pt.gold().value(), pt.gold().low(),
                            pt.gold().high(), pt.aligned(), pt.misgeneralized(), pt.failure(), pt.steps()};
                    for (int i = 0; i < v.length; i++) {
                        p.setDouble(4 + i, v[i]);
                    }
                    p.addBatch();
                }
                p.executeBatch();
            }
            db.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the original error matters
            }
            throw new IllegalStateException("store: cannot write goodhart curve " + c.name() + " (nothing of it was stored): " + e.getMessage(), e);
        } finally {
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // connection is closing anyway
            }
        }
    }

    /**
     * Everything a finished run produced.
     *
     * @param manifest the run's manifest; null for an experiment-level row (the assistant's)
     */
    public record RunRecord(String runId, String experiment, Spec.Condition condition, long seed, RunManifest manifest, String runDir, double wallSeconds,
                     List<Map<String, Object>> metrics, List<Map<String, Object>> evaluations, List<Map<String, Object>> episodes,
                     List<Map<String, Object>> diagnoses) {
    }

    /** Writes a run's rows in one transaction, replacing any earlier rows of the same run. */
    public synchronized void putRun(RunRecord r) {
        try {
            db.setAutoCommit(false);
            for (String t : List.of("runs", "training_metrics", "evaluations", "episodes", "diagnoses")) {
                try (PreparedStatement p = db.prepareStatement("DELETE FROM " + t + " WHERE run_id = ?")) {
                    p.setString(1, r.runId());
                    p.executeUpdate();
                }
            }
            insertRun(r);
            insertMetrics(r);
            insertEvaluations(r);
            insertEpisodes(r);
            insertDiagnoses(r);
            db.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the original error matters
            }
            throw new IllegalStateException("store: cannot write run " + r.runId() + " (nothing of it was stored): " + e.getMessage(), e);
        } finally {
            try {
                db.setAutoCommit(true);
            } catch (SQLException ignored) {
                // connection is closing anyway
            }
        }
    }

    private void insertRun(RunRecord r) throws SQLException {
        Spec.Condition c = r.condition();
        RunManifest m = r.manifest();
        try (PreparedStatement p = db.prepareStatement("INSERT INTO runs (run_id, experiment, condition, condition_group, agent, env, seed, steps,"
                + " lever, lever_value, config, versions, git_commit, status, run_dir, wall_seconds, finished)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'finished', ?, ?, now())")) {
            p.setString(1, r.runId());
            p.setString(2, r.experiment());
            p.setString(3, c.name());
            p.setString(4, c.group());
            p.setString(5, c.agent());
            p.setString(6, c.env());
            p.setLong(7, r.seed());
            p.setLong(8, m == null ? 0 : m.totalSteps());
            p.setString(9, c.lever());
            setDouble(p, 10, c.leverValue());
            p.setString(11, m == null ? null : json(m));
            p.setString(12, json(m == null || m.versions() == null ? Map.of() : m.versions()));
            p.setString(13, m == null ? null : m.gitCommit());
            p.setString(14, r.runDir());
            p.setDouble(15, r.wallSeconds());
            p.executeUpdate();
        }
    }

    private void insertMetrics(RunRecord r) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO training_metrics (run_id, global_step, train_success, mean_return,"
                + " steps_per_second, metrics) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Map<String, Object> m : r.metrics()) {
                p.setString(1, r.runId());
                p.setLong(2, ((Number) m.get("global_step")).longValue());
                setDouble(p, 3, m.get("train_success"));
                setDouble(p, 4, m.get("mean_return"));
                setDouble(p, 5, m.get("steps_per_second"));
                p.setString(6, json(m));
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private void insertEvaluations(RunRecord r) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO evaluations (run_id, split, objective, episodes, intended_success,"
                + " intended_low, intended_high, aligned, goal_misgeneralized, goal_misgeneralized_low, goal_misgeneralized_high,"
                + " capability_failure, proxy_success, mean_return, mean_steps, distribution, warning, separating)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Map<String, Object> e : r.evaluations()) {
                p.setString(1, r.runId());
                p.setString(2, (String) e.get("split"));
                p.setString(3, (String) e.get("objective"));
                p.setInt(4, ((Number) e.get("episodes")).intValue());
                int i = 5;
                for (String k : List.of("intended_success", "intended_low", "intended_high", "aligned", "goal_misgeneralized",
                        "goal_misgeneralized_low", "goal_misgeneralized_high", "capability_failure")) {
                    setDouble(p, i++, e.get(k));
                }
                p.setString(13, json(e.get("proxy_success")));
                setDouble(p, 14, e.get("mean_return"));
                setDouble(p, 15, e.get("mean_steps"));
                p.setString(16, json(e.get("distribution")));
                p.setString(17, (String) e.get("warning"));
                p.setString(18, json(e.get("separating")));
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private void insertEpisodes(RunRecord r) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO episodes (run_id, split, objective, level_seed, outcome, intended_return,"
                + " steps, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Map<String, Object> e : r.episodes()) {
                p.setString(1, r.runId());
                p.setString(2, (String) e.get("split"));
                p.setString(3, (String) e.get("objective"));
                p.setLong(4, ((Number) e.get("level_seed")).longValue());
                p.setString(5, (String) e.get("outcome"));
                setDouble(p, 6, e.get("intended_return"));
                p.setInt(7, ((Number) e.get("steps")).intValue());
                p.setString(8, json(e.get("events")));
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private void insertDiagnoses(RunRecord r) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO diagnoses (run_id, split, kind, payload) VALUES (?, ?, ?, ?)")) {
            for (Map<String, Object> d : r.diagnoses()) {
                p.setString(1, r.runId());
                p.setString(2, (String) d.get("split"));
                p.setString(3, (String) d.get("kind"));
                p.setString(4, json(d.get("payload")));
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private static void setDouble(PreparedStatement p, int i, Object v) throws SQLException {
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            p.setDouble(i, n.doubleValue());
        } else {
            p.setNull(i, java.sql.Types.DOUBLE);
        }
    }

    public static String json(Object o) {
        try {
            return Json.COMPACT.writeValueAsString(o);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    boolean hasRun(String runId) {
        return !query("SELECT run_id FROM runs WHERE run_id = ? AND status = 'finished'", runId).isEmpty();
    }

    /** Rows of a query as column-name maps (JSON columns as strings). */
    public synchronized List<Map<String, Object>> query(String sql, Object... args) {
        List<Map<String, Object>> out = new ArrayList<>();
        try (PreparedStatement p = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = p.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) {
                        Object v = rs.getObject(i);
                        row.put(rs.getMetaData().getColumnLabel(i), v instanceof org.duckdb.DuckDBStruct || v instanceof java.sql.Timestamp
                                || v instanceof java.time.temporal.Temporal ? String.valueOf(v) : v);
                    }
                    out.add(row);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("store: " + e.getMessage(), e);
        }
        return out;
    }

    /** Writes every table to {@code dir} as Parquet or CSV files. */
    public void export(Path dir, String format) {
        try {
            Files.createDirectories(dir);
            try (Statement s = db.createStatement()) {
                for (String t : TABLES) {
                    Path f = dir.resolve(t + "." + format).toAbsolutePath();
                    String opts = format.equals("parquet") ? "(FORMAT PARQUET)" : "(FORMAT CSV, HEADER)";
                    s.execute("COPY " + t + " TO '" + f.toString().replace("'", "''") + "' " + opts);
                }
            }
        } catch (Exception e) {
            throw new UsageException("cannot export to " + dir + ": " + RunDir.firstLine(e));
        }
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // nothing to do
        }
    }

}
