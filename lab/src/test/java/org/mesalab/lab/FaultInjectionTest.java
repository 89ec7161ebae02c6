package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.agents.RunDir;
import org.mesalab.lab.experiment.Store;

/**
 * The reliability campaign's crash half (issue 18): {@code kill -9} at random moments of real
 * {@code mesalab train} and {@code mesalab run} processes, 20 kills in all. After each kill no
 * process of the run is left (the children stop with their parent); after the reruns the weights are
 * bit-identical to an uninterrupted run's, and the store has every run exactly once.
 */
class FaultInjectionTest {
    static final String[] TRAIN = {"train", "--env", "maze", "--threads", "1", "--steps", "32768", "--set", "ppo.num_envs=8",
            "--set", "ppo.num_steps=32", "--set", "ppo.width=16", "--set", "ppo.checkpoint_every=1"};

    static Process start(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Dai.djl.offline=true",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("TORCH_CPP_LOG_LEVEL", "ERROR");
        return pb.start();
    }

    static List<String> train(Path out) {
        List<String> a = new ArrayList<>(List.of(TRAIN));
        a.addAll(List.of("--out", out.toString()));
        return a;
    }

    /** Processes (other than this one) whose command line mentions {@code marker}, after giving them a moment to stop. */
    static List<String> survivors(String marker) throws InterruptedException {
        List<String> alive = List.of();
        for (int i = 0; i < 50; i++) {
            alive = ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
                    .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
            if (alive.isEmpty()) {
                return alive;
            }
            Thread.sleep(100);
        }
        return alive;
    }

    /** SIGKILL (no shutdown hook, no finally) after {@code ms}, unless the process ended before; whether it was killed. */
    static boolean killAfter(Process p, long ms) throws InterruptedException {
        if (p.waitFor(ms, TimeUnit.MILLISECONDS)) {
            return false;
        }
        p.destroyForcibly();
        p.waitFor();
        return true;
    }

    /** SIGKILL once the run has written a randomly chosen number of updates beyond those it has now. */
    static boolean killAtUpdate(Process p, Path run, Random rng) throws Exception {
        int now = Files.exists(run.resolve("metrics.jsonl")) ? RunDir.open(run).readMetrics().size() : 0;
        int target = now + 1 + rng.nextInt(Math.max(1, (UPDATES - now) / 4));
        while (p.isAlive()) {
            if (Files.exists(run.resolve("metrics.jsonl")) && Files.readAllLines(run.resolve("metrics.jsonl")).size() >= target) {
                p.destroyForcibly();
                p.waitFor();
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    static final int UPDATES = 128;

    @Test
    void killedTrainingResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        Path ref = dir.resolve("reference");
        Process r = start(dir.resolve("reference.log"), train(ref));
        assertEquals(0, r.waitFor(), Files.readString(dir.resolve("reference.log")));

        Path run = dir.resolve("killed");
        Random rng = new Random(18);
        int kills = 0;
        for (int attempt = 0; attempt < 40 && !Files.exists(run.resolve("policy.bin")); attempt++) {
            List<String> args = Files.exists(run.resolve("config.json")) ? List.of("train", "--resume", run.toString()) : train(run);
            Process p = start(dir.resolve("killed.log"), args);
            if (kills < 12) {
                // Half the kills at a random moment of start-up, half at a random update ahead of the last one written.
                boolean killed = kills % 2 == 0 ? killAfter(p, 200 + rng.nextInt(1300)) : killAtUpdate(p, run, rng);
                if (killed) {
                    kills++;
                    assertEquals(List.of(), survivors(run.toString()));
                    continue;
                }
                assertEquals(0, p.exitValue(), Files.readString(dir.resolve("killed.log")));
            } else {
                assertEquals(0, p.waitFor(), Files.readString(dir.resolve("killed.log")));
            }
        }
        assertEquals(12, kills, "every planned kill landed while training ran");
        assertArrayEquals(Files.readAllBytes(ref.resolve("policy.bin")), Files.readAllBytes(run.resolve("policy.bin")),
                "resumed after 12 kills, the weights are the uninterrupted run's");
        List<Map<String, Object>> metrics = RunDir.open(run).readMetrics();
        for (int i = 0; i < metrics.size(); i++) {
            assertEquals(i + 1, ((Number) metrics.get(i).get("update")).intValue(), "one metrics line per update, none lost or repeated");
        }
        assertEquals(UPDATES, metrics.size());
    }

    @Test
    void killedExperimentLeavesNoTrainingBehindAndRerunsToEveryRowOnce(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("crash.yaml");
        Files.writeString(spec, """
                name: crash
                seeds: 2
                episodes: 10
                conditions:
                  - name: ppo-maze
                    env: maze
                    agent: ppo
                    steps: 65536
                    params: {num_envs: 8, num_steps: 32, width: 16, checkpoint_every: 1}
                """);
        Path out = dir.resolve("out");
        List<String> args = List.of("run", spec.toString(), "--out", out.toString(), "--jobs", "2");
        Random rng = new Random(1818);
        int kills = 0;
        boolean finished = false;
        for (int attempt = 0; attempt < 20 && !finished; attempt++) {
            Process p = start(dir.resolve("run.log"), args);
            if (kills < 8) {
                if (!p.waitFor(500 + rng.nextInt(3000), TimeUnit.MILLISECONDS)) {
                    if (Files.exists(out.resolve("mesalab.duckdb"))) { // a reader gets in while the experiment runs
                        Cli runs = Cli.run("runs", "--db", out.resolve("mesalab.duckdb").toString());
                        assertEquals(0, runs.code(), runs.err());
                    }
                    p.destroyForcibly();
                    p.waitFor();
                    kills++;
                    assertEquals(List.of(), survivors(out.toString()), "the killed experiment's trainings stopped with it");
                    continue;
                }
            } else {
                p.waitFor();
            }
            assertEquals(0, p.exitValue(), Files.readString(dir.resolve("run.log")));
            finished = true;
        }
        assertTrue(finished);
        assertEquals(8, kills, "every planned kill landed while the experiment ran");
        try (Store store = Store.existing(out.resolve("mesalab.duckdb"))) {
            assertEquals(List.of(Map.of("run_id", "crash/ppo-maze/seed-1", "n", 1L), Map.of("run_id", "crash/ppo-maze/seed-2", "n", 1L)),
                    store.query("SELECT run_id, count(*) AS n FROM runs GROUP BY run_id ORDER BY run_id"));
            assertEquals(List.of(Map.of("n", 10L)), store.query("SELECT count(*) AS n FROM episodes WHERE run_id = 'crash/ppo-maze/seed-1' AND split = 'test'"));
            assertEquals(List.of(Map.of("n", 0L)), store.query("SELECT count(*) AS n FROM (SELECT run_id, split, objective, count(*) AS c FROM evaluations"
                    + " GROUP BY ALL HAVING c > 1)"));
        }
    }
}
