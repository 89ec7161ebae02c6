package org.mesalab.lab.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run's rows in the store: written whole or not at all, and the same after the JSON trip a cluster task's record makes. */
class StoreTest {
    private static final Spec SPEC = Spec.parse("name: s\nseeds: 2\nepisodes: 3\nconditions:\n  - {name: c, env: maze, agent: ppo, steps: 4096}\n", "test");
    private static final List<String> TABLES = List.of("runs", "training_metrics", "evaluations", "episodes", "diagnoses", "help");

    @Test
    void aRecordThatTravelledAsJsonStoresTheSameRows(@TempDir Path dir) {
        Store.RunRecord r = record(1, true);
        Store.RunRecord back = Store.RunRecord.fromJson(r.toJson(), SPEC);
        try (Store a = Store.open(dir.resolve("a.duckdb")); Store b = Store.open(dir.resolve("b.duckdb"))) {
            a.putRun(r);
            b.putRun(back);
            for (String t : TABLES) {
                String q = "SELECT * EXCLUDE (run_id" + (t.equals("runs") ? ", finished" : "") + ") FROM " + t + " ORDER BY ALL";
                List<Map<String, Object>> want = text(a.query(q));
                assertTrue(!want.isEmpty() || t.equals("evaluations"), t);
                assertEquals(want, text(b.query(q)), t);
            }
        }
    }

    @Test
    void aStoreWrittenBeforeTheNewerTablesIsReadAndExportedWithoutChangingIt(@TempDir Path dir) throws Exception {
        // An older mesalab's store: no help table, evaluations without the columns added later.
        Path file = dir.resolve("old.duckdb");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:" + file); java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE experiments (name VARCHAR PRIMARY KEY, description VARCHAR, spec VARCHAR, source VARCHAR, updated TIMESTAMP)");
            s.execute("CREATE TABLE evaluations (run_id VARCHAR, split VARCHAR, objective VARCHAR, episodes INTEGER, intended_success DOUBLE,"
                    + " intended_low DOUBLE, intended_high DOUBLE, aligned DOUBLE, goal_misgeneralized DOUBLE, goal_misgeneralized_low DOUBLE,"
                    + " goal_misgeneralized_high DOUBLE, capability_failure DOUBLE, proxy_success JSON, mean_return DOUBLE, mean_steps DOUBLE)");
            s.execute("INSERT INTO evaluations VALUES ('e/c/seed-1', 'test', 'policy', 3, 0.5, 0.1, 0.9, 0.5, 0.25, 0.1, 0.6, 0.25, NULL, 1.0, 9.0)");
        }
        byte[] before = java.nio.file.Files.readAllBytes(file);
        try (Store s = Store.existing(file)) {
            assertEquals(0, s.query("SELECT * FROM help").size());
            List<Map<String, Object>> rows = s.query("SELECT goal_misgeneralized, warning, separating FROM evaluations");
            assertEquals(1, rows.size());
            assertEquals(0.25, ((Number) rows.get(0).get("goal_misgeneralized")).doubleValue());
            assertEquals(null, rows.get(0).get("warning"));
            s.export(dir.resolve("csv"), "csv", false);
        }
        for (String t : Store.TABLES) {
            assertTrue(java.nio.file.Files.exists(dir.resolve("csv").resolve(t + ".csv")), t);
        }
        assertTrue(java.nio.file.Files.readString(dir.resolve("csv").resolve("evaluations.csv")).startsWith("run_id,split,objective"));
        assertTrue(java.util.Arrays.equals(before, java.nio.file.Files.readAllBytes(file)), "reading never changes the file");
    }

    @Test
    void aRunThatFailsHalfWayKeepsItsEarlierRowsAndAddsNone(@TempDir Path dir) {
        try (Store s = Store.open(dir.resolve("s.duckdb"))) {
            s.putRun(record(1, true));
            Map<String, Long> before = counts(s);
            // The episodes and the training log go in through DuckDB's appender before the broken help rows fail.
            assertThrows(IllegalStateException.class, () -> s.putRun(record(1, false)));
            assertEquals(before, counts(s));
            assertThrows(IllegalStateException.class, () -> s.putRun(record(2, false)));
            assertTrue(s.query("SELECT run_id FROM episodes WHERE run_id = 's/c/seed-2'").isEmpty());
            assertTrue(s.query("SELECT run_id FROM training_metrics WHERE run_id = 's/c/seed-2'").isEmpty());
        }
    }

    private static Map<String, Long> counts(Store s) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String t : TABLES) {
            m.put(t, ((Number) s.query("SELECT count(*) AS n FROM " + t).get(0).get("n")).longValue());
        }
        return m;
    }

    /** JSON columns (DuckDB returns its own JSON objects) as their text. */
    private static List<Map<String, Object>> text(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> r = new LinkedHashMap<>();
            row.forEach((k, v) -> r.put(k, v == null || v instanceof Number || v instanceof String ? v : v.toString()));
            out.add(r);
        }
        return out;
    }

    /** A run with every kind of row, non-finite numbers included; {@code whole = false} breaks its help rows (written last). */
    private static Store.RunRecord record(long seed, boolean whole) {
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("global_step", 100L * i);
            m.put("train_success", i == 2 ? Double.NaN : 0.1 * i);
            m.put("mean_return", 0.5);
            m.put("steps_per_second", 1234.5);
            metrics.add(m);
        }
        List<Map<String, Object>> episodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("split", "test");
            e.put("objective", "policy");
            e.put("level_seed", (3L << 39) + i);
            e.put("outcome", "aligned");
            e.put("intended_return", i == 1 ? Double.POSITIVE_INFINITY : 0.25 * i);
            e.put("steps", 17 + i);
            e.put("events", Map.of("cheese", 1, "corner", 0));
            episodes.add(e);
        }
        Map<String, Object> help = new LinkedHashMap<>();
        if (whole) {
            help.put("rows", List.of(Map.of("signal", "entropy", "help_rate", 0.1, "threshold", 1.5, "aligned", 0.5)));
        }
        List<Map<String, Object>> diagnoses = List.of(Map.of("split", "test", "kind", "heatmap", "payload", Map.of("counts", new int[][] {{1, 2}, {3, 4}})),
                Map.of("split", "test", "kind", "help", "payload", help));
        return new Store.RunRecord("s/c/seed-" + seed, "s", SPEC.conditions().get(0), seed, null, "/runs/s/c/seed-" + seed, 12.5, metrics, List.of(),
                episodes, diagnoses);
    }
}
