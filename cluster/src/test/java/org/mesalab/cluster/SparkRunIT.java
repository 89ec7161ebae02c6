package org.mesalab.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.lab.Main;
import org.mesalab.lab.SparkLaunch;
import org.mesalab.lab.experiment.Store;

/**
 * Real Spark, no mock: the same four-run spec run by the local runner, by an embedded {@code local[2,2]} Spark whose
 * first attempt of one task dies after making its rows, and by a standalone master and worker started as separate
 * JVMs on 127.0.0.1. Every store must hold the same numbers, each run once.
 */
class SparkRunIT {
    private static final String SPEC = """
            name: tiny
            seeds: 2
            episodes: 20
            diagnoses: [behavioral, heatmaps, episodes]
            conditions:
              - name: a
                env: maze
                agent: ppo
                steps: 16384
                params: {num_envs: 8, num_steps: 32, width: 16}
              - name: b
                env: maze
                agent: ppo
                steps: 8192
                params: {num_envs: 8, num_steps: 32, width: 16}
            """;

    @TempDir
    static Path dir;
    static Path spec;
    static Path local;

    record Result(int code, String out, String err) {
    }

    @BeforeAll
    static void runLocally() throws IOException {
        spec = dir.resolve("tiny.yaml");
        Files.writeString(spec, SPEC);
        local = dir.resolve("local");
        Result r = cli("run", spec.toString(), "--out", local.toString(), "--jobs", "2");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    @Timeout(300)
    void embeddedSparkWithARetriedTaskStoresWhatTheLocalRunnerStores() throws Exception {
        Path out = dir.resolve("spark-local");
        Result r = driver(List.of(spec.toString(), "--master", "local[2,2]", "--out", out.toString(), "--fail-first-attempt", "tiny/a/seed-1"));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("attempt 1 of tiny/a/seed-1 failed") && r.out().contains("injected failure"), r.out());
        assertTrue(r.out().contains("spark: runs 4/4 done, 0 running, 1 failed attempts"), r.out());
        assertSameStore(local, out);

        Result again = cli("run", spec.toString(), "--spark", "local[2]", "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("4 finished, 0 to do"), again.err());
        assertSameStore(local, out);
    }

    @Test
    @Timeout(420)
    void standaloneMasterAndWorkerAsSeparateJvms() throws Exception {
        int port = freePort();
        Path work = dir.resolve("worker");
        List<Process> cluster = new ArrayList<>();
        try {
            cluster.add(spark(dir.resolve("master.log"), Map.of(), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(port),
                    "--webui-port", Integer.toString(freePort())));
            waitForPort(port, cluster.get(0), dir.resolve("master.log"));
            cluster.add(spark(dir.resolve("worker.log"), Map.of(), "org.apache.spark.deploy.worker.Worker", "spark://127.0.0.1:" + port, "--host", "127.0.0.1",
                    "--cores", "2", "--memory", "3g", "--webui-port", Integer.toString(freePort()), "--work-dir", work.toString()));
            Path out = dir.resolve("spark-standalone");
            // What bin/spark-submit runs (its SparkSubmit class, from Spark's jars), with the cluster jar as the application.
            Path jar = SparkLaunch.home().resolve("cluster/target/mesalab-cluster.jar");
            Result r = submit(List.of("--class", "org.mesalab.cluster.SparkRun", "--master", "spark://127.0.0.1:" + port, jar.toString(), spec.toString(),
                    "--out", out.toString()));
            assertEquals(0, r.code(), r.out() + "\nworker log:\n" + Files.readString(dir.resolve("worker.log")));
            assertTrue(r.out().contains("spark: runs 4/4 done"), r.out());
            assertSameStore(local, out);
            // And as mesalab's own command line submits it: the runs are stored, so nothing trains again.
            Result again = cli("run", spec.toString(), "--spark", "spark://127.0.0.1:" + port, "--out", out.toString());
            assertEquals(0, again.code(), again.err());
            assertTrue(again.err().contains("4 finished, 0 to do"), again.err());
            assertSameStore(local, out);
            // The tasks ran in the worker's executor, not in the driver: the worker made the application's folder.
            try (var apps = Files.list(work)) {
                assertTrue(apps.anyMatch(p -> p.getFileName().toString().startsWith("app-")), "no application folder in " + work);
            }
        } finally {
            stop(cluster);
        }
    }

    /** Stops the worker, then the master, by their process ids. */
    private static void stop(List<Process> cluster) throws InterruptedException {
        for (int i = cluster.size() - 1; i >= 0; i--) {
            Process p = cluster.get(i);
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
            assertFalse(p.isAlive(), "process " + p.pid() + " still runs");
        }
    }

    @Test
    @Timeout(300)
    void aWorkerWhoseExecutorsCannotStartIsOneLineNotAStack() throws Exception {
        int port = freePort();
        List<Process> cluster = new ArrayList<>();
        try {
            cluster.add(spark(dir.resolve("master2.log"), Map.of(), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    Integer.toString(port), "--webui-port", Integer.toString(freePort())));
            waitForPort(port, cluster.get(0), dir.resolve("master2.log"));
            // No SPARK_SCALA_VERSION: the worker cannot build an executor's class path from a SPARK_HOME that is not a distribution.
            cluster.add(spark(dir.resolve("worker2.log"), Map.of("SPARK_SCALA_VERSION", ""), "org.apache.spark.deploy.worker.Worker",
                    "spark://127.0.0.1:" + port, "--host", "127.0.0.1", "--cores", "2", "--memory", "2g", "--webui-port", Integer.toString(freePort()),
                    "--work-dir", dir.resolve("worker2").toString()));
            Result r = cli("run", spec.toString(), "--spark", "spark://127.0.0.1:" + port, "--out", dir.resolve("stopped").toString());
            // The master removes the application at its own pace: sometimes after the driver printed its plan ("experiment tiny: 4 runs ..."),
            // which is progress, not part of the error; the error itself must still be one line.
            assertRefused(new Result(r.code(), r.out(), r.err().lines().filter(l -> !l.startsWith("experiment tiny: ")).collect(
                    java.util.stream.Collectors.joining("\n"))), "Spark stopped this application before its runs finished (0 runs of tiny are stored)");
        } finally {
            stop(cluster);
        }
    }

    @Test
    void badInputIsOneLineWithExitTwoAndLeavesNothing() throws Exception {
        Path out = dir.resolve("refused");
        Result unreachable = cli("run", spec.toString(), "--spark", "spark://127.0.0.1:" + freePort(), "--out", out.toString());
        assertRefused(unreachable, "cannot reach the Spark master spark://127.0.0.1:");
        assertFalse(Files.exists(out), "a refused run made " + out);

        assertRefused(cli("run", spec.toString(), "--spark", "mars", "--out", out.toString()), "--master=mars is not a Spark master");
        assertRefused(cli("run", spec.toString(), "--spark", "local[2]", "--out", "hdfs://namenode/runs"), "hdfs:/namenode/runs is a URI"); // (a Path keeps one slash)
        assertRefused(cli("run", spec.toString(), "--spark", "local[2]", "--jobs", "2", "--out", out.toString()), "--jobs=2 does not apply with --spark");
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, SPEC.replace("steps: 8192", "steps: lots"));
        assertRefused(cli("run", broken.toString(), "--spark", "local[2]", "--out", out.toString()), broken + ":");
        assertFalse(Files.exists(out), "a refused run made " + out);
    }

    private static void assertRefused(Result r, String says) {
        assertEquals(2, r.code(), r.out() + r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("mesalab: ") && lines.get(0).contains(says), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /** The same rows in both stores, but for what measures time (wall seconds, steps per second) or names the folder. */
    private static void assertSameStore(Path expected, Path actual) {
        try (Store e = Store.existing(expected.resolve("mesalab.duckdb")); Store a = Store.existing(actual.resolve("mesalab.duckdb"))) {
            for (String q : List.of("SELECT run_id, experiment, condition, agent, env, seed, steps, status FROM runs ORDER BY run_id",
                    "SELECT run_id, global_step, train_success, mean_return FROM training_metrics ORDER BY run_id, global_step",
                    "SELECT * FROM evaluations ORDER BY run_id, split, objective",
                    "SELECT * FROM episodes ORDER BY run_id, split, objective, level_seed",
                    "SELECT run_id, split, kind, payload FROM diagnoses ORDER BY run_id, split, kind, payload")) {
                List<Map<String, Object>> want = comparable(e.query(q));
                assertFalse(want.isEmpty(), q);
                assertEquals(want, comparable(a.query(q)), q);
            }
            assertEquals(4L, ((Number) a.query("SELECT count(*) AS n FROM runs").get(0).get("n")).longValue());
        }
    }

    /**
     * JSON columns as trees: objects compare by their keys and values, not by the order keys were written in (a
     * {@code Map.of} iterates in an order that differs between JVMs, so the same payload is written in another order
     * by another process).
     */
    private static List<Map<String, Object>> comparable(List<Map<String, Object>> rows) {
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Map<String, Object> r = new LinkedHashMap<>();
            row.forEach((k, v) -> {
                String t = v == null || v instanceof Number ? "" : v.toString(); // DuckDB's JSON columns come as its JSON objects
                if (t.startsWith("{") || t.startsWith("[")) {
                    try {
                        r.put(k, json.readTree(t));
                        return;
                    } catch (IOException notJson) {
                        // plain text that starts with a bracket
                    }
                }
                r.put(k, v);
            });
            out.add(r);
        }
        return out;
    }

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The driver as 'mesalab run --spark' starts it, with arguments of our choosing (the hidden fault injection). */
    private static Result driver(List<String> args) throws Exception {
        return process(SparkLaunch.command(args));
    }

    /** Runs a command to its end, its output (both streams) in a log file: the result's out. */
    private static Result process(List<String> cmd) throws Exception {
        Path log = dir.resolve("process-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int code = p.waitFor();
        return new Result(code, Files.readString(log), "");
    }

    /** {@code spark-submit ARGS}: Spark's SparkSubmit on Spark's jars, with the options Spark's launcher gives it on Java 17. */
    private static Result submit(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(SparkLaunch.JAVA_OPTIONS);
        cmd.addAll(List.of("-cp", SparkLaunch.home().resolve("spark-home/target/jars").resolve("*").toString(), "org.apache.spark.deploy.SparkSubmit"));
        cmd.addAll(args);
        return process(cmd);
    }

    /** A Spark daemon (master or worker) as its own JVM on Spark's jars, with SPARK_HOME where Maven put them; {@code env} changes ("": unset). */
    private static Process spark(Path log, Map<String, String> env, String main, String... args) throws IOException {
        Path home = SparkLaunch.home().resolve("spark-home/target");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(SparkLaunch.JAVA_OPTIONS);
        cmd.addAll(List.of("-Dspark.master.rest.enabled=false", "-cp", home.resolve("jars").resolve("*").toString(), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        env.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return pb.start();
    }

    private static void waitForPort(int port, Process owner, Path log) throws Exception {
        for (int i = 0; i < 600; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                assertTrue(owner.isAlive(), "the master stopped:\n" + Files.readString(log));
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the master did not listen on " + port + " within 60 s:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
