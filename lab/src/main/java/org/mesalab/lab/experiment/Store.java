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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
            "goodhart_curves", "goodhart", "help");

    private final Path file;
    private final boolean readOnly;
    /** What this writer is, for a reader that finds the store busy: "experiment NAME (PID n)". Null for readers. */
    private final String holder;
    /** Open while this process uses the store; a writer releases it between runs so readers get in (see {@link #release}). */
    private Connection db;
    /** How long opening waits for another process to let go of the file. */
    private final long waitMs;
    /** Whether this store has passed the {@link Gate} (and must leave it when it lets go of the file). */
    private boolean entered;

    /**
     * Readers and writers of one file within this process take turns. DuckDB refuses a read-only
     * connection beside a read-write one in the same process ("a different configuration") and the other
     * way round, so the dashboard of {@code run --serve} must never open while the runner writes, nor the
     * runner while the dashboard reads. Writers among themselves, and readers among themselves, share.
     * (Across processes DuckDB's file lock does this job.)
     */
    private static final class Gate {
        private static final Map<Path, int[]> HELD = new java.util.HashMap<>(); // file -> {readers, writers}

        static boolean enter(Path file, boolean reader, long waitMs) {
            long deadline = System.currentTimeMillis() + waitMs;
            synchronized (HELD) {
                int[] g = HELD.computeIfAbsent(file.normalize(), k -> new int[2]);
                while (reader ? g[1] > 0 : g[0] > 0) {
                    long left = deadline - System.currentTimeMillis();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        HELD.wait(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                g[reader ? 0 : 1]++;
                return true;
            }
        }

        static void leave(Path file, boolean reader) {
            synchronized (HELD) {
                HELD.get(file.normalize())[reader ? 0 : 1]--;
                HELD.notifyAll();
            }
        }
    }

    private Store(Path file, boolean readOnly, String holder, long waitMs) {
        this.file = file.toAbsolutePath();
        this.readOnly = readOnly;
        this.holder = holder;
        this.waitMs = waitMs;
    }

    /** A store for writing (created if missing), opened now so a bad path or a damaged file is reported before any work. */
    public static Store open(Path file) {
        return open(file, null);
    }

    /**
     * A store for writing on behalf of {@code holder} ("experiment NAME"): readers that find it busy are
     * told who holds it. Opened now so a bad path or a damaged file is reported before any work.
     */
    public static Store open(Path file, String holder) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
        } catch (java.io.IOException e) {
            throw new UsageException("cannot open the results store " + file + ": " + UsageException.why(e));
        }
        Store s = new Store(file, false, holder == null ? null : holder + " (PID " + ProcessHandle.current().pid() + ")", WAIT_MS);
        s.conn();
        return s;
    }

    /**
     * Opens an existing store for reading (read-only: it never changes the file, and several readers
     * share it); a missing file is a usage error. While an experiment writes the store, opening waits
     * for the writer's next release (it holds the file only while writing a run).
     */
    public static Store existing(Path file) {
        return existing(file, WAIT_MS);
    }

    /**
     * Opens an existing store for reading, waiting at most {@code waitMs} for a writer to release it
     * (0: fail at once with a usage error naming the holder; the dashboard then serves what it read last).
     */
    public static Store existing(Path file, long waitMs) {
        if (!Files.exists(file)) {
            throw new UsageException("no results store at " + file + "; run an experiment first (mesalab run SPEC or mesalab demo) or give --db FILE");
        }
        if (Files.isDirectory(file)) {
            throw new UsageException("the results store " + file + " is a directory; allowed: a DuckDB file written by mesalab run (--db FILE)");
        }
        Store s = new Store(file, true, null, waitMs);
        s.conn();
        return s;
    }

    /** How long opening waits for another process to let go of the file, unless the caller says otherwise. */
    private static final long WAIT_MS = 60_000;

    /** The open connection, opened (with the schema, for a writer) when this process does not hold one. */
    private synchronized Connection conn() {
        if (db != null) {
            return db;
        }
        long deadline = System.currentTimeMillis() + waitMs;
        Path holderFile = file.resolveSibling(file.getFileName() + ".writer");
        while (true) {
            if (!Gate.enter(file, readOnly, Math.max(0, deadline - System.currentTimeMillis()))) {
                throw new UsageException("the results store " + file + " is held by this process's experiment while it writes a run; try again in a moment");
            }
            entered = true;
            try {
                Class.forName("org.duckdb.DuckDBDriver");
                java.util.Properties props = new java.util.Properties();
                if (readOnly) {
                    props.setProperty("duckdb.read_only", "true");
                }
                Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, props);
                db = c;
                if (readOnly) {
                    readOnlySchema();
                } else {
                    schema();
                    if (holder != null) {
                        RunDir.writeAtomically(holderFile, o -> o.write((holder + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    }
                }
                return db;
            } catch (SQLException e) {
                closeQuietly();
                String m = RunDir.firstLine(e);
                if (m.contains("lock") && System.currentTimeMillis() < deadline) {
                    sleep(250);
                    continue;
                }
                if (m.contains("lock")) {
                    String who = "another process";
                    try {
                        who = Files.exists(holderFile) ? Files.readString(holderFile).trim() : who;
                    } catch (java.io.IOException ignored) {
                        // the DuckDB message below names the PID anyway
                    }
                    throw new UsageException("the results store " + file + " is held by " + who + " and was not released within "
                            + waitMs / 1000 + " s (" + m + "); try again when it finishes a run, or read a copy of the file");
                }
                throw damaged(e);
            } catch (ClassNotFoundException e) {
                closeQuietly();
                throw new IllegalStateException("the DuckDB driver is missing from the build", e);
            }
        }
    }

    /** A store that does not open or answer: damaged (cut short, not a DuckDB file) or of another DuckDB version. */
    private UsageException damaged(Exception e) {
        return new UsageException("the results store " + file + " cannot be read: " + RunDir.firstLine(e)
                + "; if it is damaged (cut short, overwritten), move it away and rerun the experiment specs: finished runs are"
                + " re-evaluated from their run directories, not retrained");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UsageException("interrupted");
        }
    }

    /**
     * Lets go of the file until the next call: the experiment runner releases the store between runs, so
     * {@code mesalab runs}, {@code report} and {@code export} can read it while the experiment goes on.
     */
    public synchronized void release() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (entered) {
            entered = false;
            try {
                closeConnection();
            } finally {
                Gate.leave(file, readOnly);
            }
        }
    }

    private void closeConnection() {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // nothing to do
            }
            db = null;
        }
    }

    /** Every table's creation statement. */
    private static final List<String> TABLE_DDL = List.of(
            "CREATE TABLE IF NOT EXISTS experiments (name VARCHAR PRIMARY KEY, description VARCHAR, spec VARCHAR, source VARCHAR, updated TIMESTAMP)",
            "CREATE TABLE IF NOT EXISTS runs (run_id VARCHAR PRIMARY KEY, experiment VARCHAR, condition VARCHAR, condition_group VARCHAR, agent VARCHAR,"
                    + " env VARCHAR, seed BIGINT, steps BIGINT, lever VARCHAR, lever_value DOUBLE, config JSON, versions JSON, git_commit VARCHAR,"
                    + " status VARCHAR, run_dir VARCHAR, wall_seconds DOUBLE, finished TIMESTAMP)",
            "CREATE TABLE IF NOT EXISTS training_metrics (run_id VARCHAR, global_step BIGINT, train_success DOUBLE, mean_return DOUBLE,"
                    + " steps_per_second DOUBLE, metrics JSON)",
            "CREATE TABLE IF NOT EXISTS evaluations (run_id VARCHAR, split VARCHAR, objective VARCHAR, episodes INTEGER,"
                    + " intended_success DOUBLE, intended_low DOUBLE, intended_high DOUBLE, aligned DOUBLE, goal_misgeneralized DOUBLE,"
                    + " goal_misgeneralized_low DOUBLE, goal_misgeneralized_high DOUBLE, capability_failure DOUBLE, proxy_success JSON,"
                    + " mean_return DOUBLE, mean_steps DOUBLE)",
            "CREATE TABLE IF NOT EXISTS episodes (run_id VARCHAR, split VARCHAR, objective VARCHAR, level_seed BIGINT, outcome VARCHAR,"
                    + " intended_return DOUBLE, steps INTEGER, events JSON)",
            "CREATE TABLE IF NOT EXISTS diagnoses (run_id VARCHAR, split VARCHAR, kind VARCHAR, payload JSON)",
            // Asking for help (the spec's help: section): one row per run, signal and help rate; signal 'none' is the agent unassisted.
            "CREATE TABLE IF NOT EXISTS help (run_id VARCHAR, split VARCHAR, signal VARCHAR, help_rate DOUBLE, threshold DOUBLE, aligned DOUBLE,"
                    + " goal_misgeneralized DOUBLE, capability_failure DOUBLE, asks_per_episode DOUBLE, test_ask_rate DOUBLE, in_time DOUBLE, train_rate DOUBLE)",
            // Goodhart curves: one row per curve (its setup, fits, peak and early stop as JSON) and one per pressure value.
            "CREATE TABLE IF NOT EXISTS goodhart_curves (experiment VARCHAR, name VARCHAR, env VARCHAR, split VARCHAR, proxy VARCHAR,"
                    + " optimizer VARCHAR, base VARCHAR, gold VARCHAR, levels INTEGER, seconds DOUBLE, curve JSON, PRIMARY KEY (experiment, name))",
            "CREATE TABLE IF NOT EXISTS goodhart (experiment VARCHAR, name VARCHAR, pressure BIGINT, kl DOUBLE, d DOUBLE,"
                    + " proxy DOUBLE, proxy_low DOUBLE, proxy_high DOUBLE, gold DOUBLE, gold_low DOUBLE, gold_high DOUBLE,"
                    + " aligned DOUBLE, goal_misgeneralized DOUBLE, capability_failure DOUBLE, mean_steps DOUBLE)");

    /** Columns added after the first stores were written: what the split meant (parameters, level seeds) and any warning about it. */
    private record AddedColumn(String table, String column, String type) {
    }

    private static final List<AddedColumn> ADDED_COLUMNS = List.of(new AddedColumn("evaluations", "distribution", "JSON"),
            new AddedColumn("evaluations", "warning", "VARCHAR"), new AddedColumn("evaluations", "separating", "JSON"));

    private void schema() throws SQLException {
        try (Statement s = conn().createStatement()) {
            for (String ddl : TABLE_DDL) {
                s.execute(ddl);
            }
            for (AddedColumn c : ADDED_COLUMNS) {
                s.execute("ALTER TABLE " + c.table() + " ADD COLUMN IF NOT EXISTS " + c.column() + " " + c.type());
            }
        }
    }

    /**
     * A store written by an older mesalab, opened read-only, lacks the tables and columns added since: its readers
     * (export, report, dashboard) see them empty, as temporary tables and views that never touch the file.
     */
    private void readOnlySchema() throws SQLException {
        try (Statement s = db.createStatement()) {
            String catalog;
            try (ResultSet r = s.executeQuery("SELECT current_database()")) {
                r.next();
                catalog = r.getString(1);
            }
            Map<String, Set<String>> columns = new HashMap<>();
            try (ResultSet r = s.executeQuery("SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = '"
                    + catalog.replace("'", "''") + "' AND table_schema = 'main'")) {
                while (r.next()) {
                    columns.computeIfAbsent(r.getString(1), k -> new HashSet<>()).add(r.getString(2));
                }
            }
            for (String ddl : TABLE_DDL) {
                String table = ddl.substring("CREATE TABLE IF NOT EXISTS ".length(), ddl.indexOf(' ', "CREATE TABLE IF NOT EXISTS ".length()));
                if (!columns.containsKey(table)) {
                    s.execute(ddl.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE"));
                    columns.put(table, null); // created whole, with every column
                }
            }
            Map<String, List<AddedColumn>> missing = new LinkedHashMap<>();
            for (AddedColumn c : ADDED_COLUMNS) {
                Set<String> has = columns.get(c.table());
                if (has != null && !has.contains(c.column())) {
                    missing.computeIfAbsent(c.table(), k -> new ArrayList<>()).add(c);
                }
            }
            for (var e : missing.entrySet()) {
                StringBuilder view = new StringBuilder("CREATE TEMP VIEW " + e.getKey() + " AS SELECT *");
                for (AddedColumn c : e.getValue()) {
                    view.append(", NULL::").append(c.type()).append(" AS ").append(c.column());
                }
                view.append(" FROM \"").append(catalog.replace("\"", "\"\"")).append("\".main.").append(e.getKey());
                s.execute(view.toString());
            }
        }
    }

    public void putExperiment(Spec spec) {
        try (PreparedStatement p = conn().prepareStatement("INSERT OR REPLACE INTO experiments VALUES (?, ?, ?, ?, now())")) {
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
            conn().setAutoCommit(false);
            for (String t : List.of("goodhart_curves", "goodhart")) {
                try (PreparedStatement p = conn().prepareStatement("DELETE FROM " + t + " WHERE experiment = ? AND name = ?")) {
                    p.setString(1, experiment);
                    p.setString(2, c.name());
                    p.executeUpdate();
                }
            }
            try (PreparedStatement p = conn().prepareStatement("INSERT INTO goodhart_curves VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                p.setString(1, experiment);
                p.setString(2, c.name());
                p.setString(3, c.env());
                p.setString(4, c.split());
                p.setString(5, curve.proxy()); // the optimized score as named: with its pessimism, if any
                p.setString(6, curve.optimizer()); // as the curve names it: a learned case's "sampled search"
                p.setString(7, c.optimizer().equals(org.mesalab.core.goodhart.Goodhart.SEARCH) && !c.learned() ? "random" : c.base());
                p.setString(8, curve.gold());
                p.setInt(9, curve.levels());
                p.setDouble(10, seconds);
                p.setString(11, json(curve));
                p.executeUpdate();
            }
            try (PreparedStatement p = conn().prepareStatement("INSERT INTO goodhart VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
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
            conn().commit();
        } catch (SQLException | RuntimeException e) {
            try {
                conn().rollback();
            } catch (SQLException ignored) {
                // the original error matters
            }
            throw new IllegalStateException("store: cannot write goodhart curve " + c.name() + " (nothing of it was stored): " + e.getMessage(), e);
        } finally {
            try {
                conn().setAutoCommit(true);
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

        /** The record as one JSON document: how a run's rows travel from a cluster task to the store's writer. */
        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", runId);
            m.put("experiment", experiment);
            m.put("condition", condition.name());
            m.put("seed", seed);
            m.put("manifest", manifest);
            m.put("run_dir", runDir);
            m.put("wall_seconds", wallSeconds);
            m.put("metrics", metrics);
            m.put("evaluations", evaluations);
            m.put("episodes", episodes);
            m.put("diagnoses", diagnoses);
            return json(m);
        }

        /** A record written by {@link #toJson}, its condition looked up in {@code spec} (the one the run belongs to). */
        @SuppressWarnings("unchecked")
        public static RunRecord fromJson(String text, Spec spec) {
            try {
                com.fasterxml.jackson.databind.JsonNode n = Json.COMPACT.readTree(text);
                String name = n.get("condition").asText();
                Spec.Condition c = spec.conditions().stream().filter(x -> x.name().equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("experiment " + spec.name() + " has no condition " + name));
                RunManifest m = n.get("manifest").isNull() ? null : Json.COMPACT.treeToValue(n.get("manifest"), RunManifest.class);
                java.util.function.Function<String, List<Map<String, Object>>> rows = k -> Json.COMPACT.convertValue(n.get(k), List.class);
                return new RunRecord(n.get("run_id").asText(), n.get("experiment").asText(), c, n.get("seed").asLong(), m, n.get("run_dir").asText(),
                        n.get("wall_seconds").asDouble(), rows.apply("metrics"), rows.apply("evaluations"), rows.apply("episodes"), rows.apply("diagnoses"));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("not a run record: " + e.getMessage(), e);
            }
        }
    }

    /** Writes a run's rows in one transaction, replacing any earlier rows of the same run. */
    public synchronized void putRun(RunRecord r) {
        try {
            conn().setAutoCommit(false);
            for (String t : List.of("runs", "training_metrics", "evaluations", "episodes", "diagnoses", "help")) {
                try (PreparedStatement p = conn().prepareStatement("DELETE FROM " + t + " WHERE run_id = ?")) {
                    p.setString(1, r.runId());
                    p.executeUpdate();
                }
            }
            insertRun(r);
            insertMetrics(r);
            insertEvaluations(r);
            insertEpisodes(r);
            insertDiagnoses(r);
            conn().commit();
        } catch (SQLException | RuntimeException e) {
            try {
                conn().rollback();
            } catch (SQLException ignored) {
                // the original error matters
            }
            throw new IllegalStateException("store: cannot write run " + r.runId() + " (nothing of it was stored): " + e.getMessage(), e);
        } finally {
            try {
                conn().setAutoCommit(true);
            } catch (SQLException ignored) {
                // connection is closing anyway
            }
        }
    }

    private void insertRun(RunRecord r) throws SQLException {
        Spec.Condition c = r.condition();
        RunManifest m = r.manifest();
        try (PreparedStatement p = conn().prepareStatement("INSERT INTO runs (run_id, experiment, condition, condition_group, agent, env, seed, steps,"
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
        try (org.duckdb.DuckDBAppender a = appender("training_metrics")) {
            for (Map<String, Object> m : r.metrics()) {
                a.beginRow().append(r.runId()).append(((Number) m.get("global_step")).longValue());
                appendDouble(appendDouble(appendDouble(a, m.get("train_success")), m.get("mean_return")), m.get("steps_per_second"));
                a.append(json(m)).endRow();
            }
        }
    }

    /**
     * DuckDB's appender for a run's many rows (its episodes, its training log): about 100x faster than a batch of
     * inserts, which DuckDB executes row by row (0.3 ms per row, `mesalab bench merge`). It writes in the
     * connection's open transaction, so a failed run still leaves nothing.
     */
    private org.duckdb.DuckDBAppender appender(String table) throws SQLException {
        return conn().unwrap(org.duckdb.DuckDBConnection.class).createAppender(org.duckdb.DuckDBConnection.DEFAULT_SCHEMA, table);
    }

    private static org.duckdb.DuckDBAppender appendDouble(org.duckdb.DuckDBAppender a, Object v) throws SQLException {
        return v instanceof Number n && Double.isFinite(n.doubleValue()) ? a.append(n.doubleValue()) : a.appendNull();
    }

    private void insertEvaluations(RunRecord r) throws SQLException {
        try (PreparedStatement p = conn().prepareStatement("INSERT INTO evaluations (run_id, split, objective, episodes, intended_success,"
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
        try (org.duckdb.DuckDBAppender a = appender("episodes")) {
            for (Map<String, Object> e : r.episodes()) {
                a.beginRow().append(r.runId()).append((String) e.get("split")).append((String) e.get("objective"))
                        .append(((Number) e.get("level_seed")).longValue()).append((String) e.get("outcome"));
                appendDouble(a, e.get("intended_return")).append(((Number) e.get("steps")).intValue()).append(json(e.get("events"))).endRow();
            }
        }
    }

    private void insertDiagnoses(RunRecord r) throws SQLException {
        try (PreparedStatement p = conn().prepareStatement("INSERT INTO diagnoses (run_id, split, kind, payload) VALUES (?, ?, ?, ?)")) {
            for (Map<String, Object> d : r.diagnoses()) {
                p.setString(1, r.runId());
                p.setString(2, (String) d.get("split"));
                p.setString(3, (String) d.get("kind"));
                p.setString(4, json(d.get("payload")));
                p.addBatch();
            }
            p.executeBatch();
        }
        insertHelp(r);
    }

    /** The help diagnosis's rows, also as the {@code help} table (one row per signal and rate), for SQL and Parquet users. */
    @SuppressWarnings("unchecked")
    private void insertHelp(RunRecord r) throws SQLException {
        try (PreparedStatement p = conn().prepareStatement("INSERT INTO help VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Map<String, Object> d : r.diagnoses()) {
                if (!"help".equals(d.get("kind"))) {
                    continue;
                }
                for (Map<String, Object> row : (List<Map<String, Object>>) ((Map<String, Object>) d.get("payload")).get("rows")) {
                    p.setString(1, r.runId());
                    p.setString(2, (String) d.get("split"));
                    p.setString(3, (String) row.get("signal"));
                    int i = 4;
                    for (String k : List.of("help_rate", "threshold", "aligned", "goal_misgeneralized", "capability_failure", "asks_per_episode",
                            "test_ask_rate", "in_time", "train_rate")) {
                        setDouble(p, i++, row.get(k));
                    }
                    p.addBatch();
                }
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

    /** The finished runs of an experiment, in one query (a sweep of thousands of runs asks once, not once per run). */
    public java.util.Set<String> finishedRuns(String experiment) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Map<String, Object> r : query("SELECT run_id FROM runs WHERE experiment = ? AND status = 'finished'", experiment)) {
            ids.add((String) r.get("run_id"));
        }
        return ids;
    }

    /** Rows of a query as column-name maps (JSON columns as strings). */
    public synchronized List<Map<String, Object>> query(String sql, Object... args) {
        List<Map<String, Object>> out = new ArrayList<>();
        try (PreparedStatement p = conn().prepareStatement(sql)) {
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
            throw damaged(e);
        }
        return out;
    }

    /**
     * Writes every table to {@code dir} as Parquet or CSV files: each to a temporary name first, renamed
     * into place only when all are written, so a failure leaves no empty or partial file behind. Files of
     * an earlier export are replaced only with {@code overwrite}.
     */
    public void export(Path dir, String format, boolean overwrite) {
        List<Path> targets = new ArrayList<>();
        for (String t : TABLES) {
            targets.add(dir.resolve(t + "." + format));
        }
        if (!overwrite) {
            for (Path f : targets) {
                if (Files.exists(f)) {
                    throw new UsageException(f + " exists; allowed: an empty or new directory, or --force to replace an earlier export");
                }
            }
        }
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            try (Statement s = conn().createStatement()) {
                for (Path f : targets) {
                    Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp-" + System.nanoTime()).toAbsolutePath();
                    written.add(tmp);
                    String opts = format.equals("parquet") ? "(FORMAT PARQUET)" : "(FORMAT CSV, HEADER)";
                    String table = f.getFileName().toString().substring(0, f.getFileName().toString().length() - format.length() - 1);
                    s.execute("COPY " + table + " TO '" + tmp.toString().replace("'", "''") + "' " + opts);
                }
            }
            for (int i = 0; i < targets.size(); i++) {
                Files.move(written.get(i), targets.get(i), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (Exception e) {
            for (Path tmp : written) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (java.io.IOException ignored) {
                    // best effort: the message below is what matters
                }
            }
            if (e instanceof UsageException u) {
                throw u;
            }
            throw new UsageException("cannot export to " + dir + ": " + (e instanceof java.io.IOException io ? UsageException.why(io) : RunDir.firstLine(e)));
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
        if (holder != null) {
            try {
                Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".writer"));
            } catch (java.io.IOException ignored) {
                // a stale holder note is only read when the store is busy
            }
        }
    }

}
