package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.agents.RunDir;
import org.mesalab.lab.experiment.Store;

/**
 * The reliability campaign's in-process half (issue 18): damaged checkpoints, policies and stores, a
 * run directory held by another writer, unfinished runs, options a resumed run would ignore, and
 * inputs that used to be accepted. Every case must end in exit 0 with the right result, or exit 2
 * with one line that names the problem; never exit 1.
 */
class ReliabilityTest {
    /** A tiny PPO run: 4 updates of 128 steps, a checkpoint after each. */
    static final String[] TINY = {"--env", "lava", "--threads", "1", "--steps", "512", "--set", "ppo.num_envs=4", "--set", "ppo.num_steps=32",
            "--set", "ppo.width=16", "--set", "ppo.checkpoint_every=1"};

    @TempDir
    static Path shared;

    /** The reference: the tiny run trained without interruption. */
    static byte[] reference;

    @BeforeAll
    static void trainReference() throws IOException {
        Path ref = shared.resolve("reference");
        train(ref);
        reference = Files.readAllBytes(ref.resolve("policy.bin"));
    }

    static void train(Path out) {
        String[] args = new String[TINY.length + 3];
        args[0] = "train";
        System.arraycopy(TINY, 0, args, 1, TINY.length);
        args[TINY.length + 1] = "--out";
        args[TINY.length + 2] = out.toString();
        Cli r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
    }

    static void usageError(Cli r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), "'" + r.err() + "' should contain '" + expected + "'");
        assertFalse(r.err().contains("Exception") || r.err().contains("internal error"), r.err());
        assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("mesalab: ") && !l.startsWith("mesalab: warning")
                && !l.startsWith("mesalab: note")).count(), r.err());
    }

    /** The run as if it had been killed after its last checkpoint: policy.bin gone. */
    static Path unfinishedCopy(Path dir) throws IOException {
        Path run = dir.resolve("run");
        try (Stream<Path> s = Files.walk(shared.resolve("reference"))) {
            for (Path p : s.toList()) {
                Path q = run.resolve(shared.resolve("reference").relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        Files.delete(run.resolve("policy.bin"));
        Files.delete(run.resolve("policy.bin.sha256"));
        return run;
    }

    static void flipByte(Path file, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
    }

    @Test
    void checkpointsCarryChecksumsThatSha256sumReads() throws IOException {
        Path ckpt = RunDir.open(shared.resolve("reference")).checkpointsNewestFirst().get(0);
        List<String> sums = Files.readAllLines(ckpt.resolve(RunDir.SUMS));
        assertTrue(sums.stream().anyMatch(l -> l.matches("[0-9a-f]{64}  params\\.bin")), sums.toString());
        assertEquals(2, RunDir.open(shared.resolve("reference")).checkpointsNewestFirst().size(), "the newest two are kept");
    }

    @Test
    void aFlippedByteInTheNewestCheckpointFallsBackToTheOlderOneAndEndsIdentical(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        List<Path> ckpts = RunDir.open(run).checkpointsNewestFirst();
        flipByte(ckpts.get(0).resolve("params.bin"), 100);
        Cli r = Cli.run("train", "--resume", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("checkpoint " + ckpts.get(0) + " is damaged: params.bin has SHA-256"), r.err());
        assertTrue(r.out().contains("trained lava: 512 steps, 128 of them in this session's"), "a resumed run's time is this session's: " + r.out());
        assertArrayEquals(reference, Files.readAllBytes(run.resolve("policy.bin")), "retraining the lost update gives the same weights");
    }

    @Test
    void aTruncatedNewestCheckpointFallsBackToo(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        Path opt = RunDir.open(run).checkpointsNewestFirst().get(0).resolve("optimizer.bin");
        try (RandomAccessFile f = new RandomAccessFile(opt.toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Cli r = Cli.run("train", "--resume", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("optimizer.bin has SHA-256"), r.err());
        assertArrayEquals(reference, Files.readAllBytes(run.resolve("policy.bin")));
    }

    @Test
    void aStateFileOfTheWrongShapeIsNamedAndSkipped(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        Path newest = RunDir.open(run).checkpointsNewestFirst().get(0);
        // Rewritten with a matching checksum, as a bug or a hand edit would: the content is what is wrong.
        String state = Files.readString(newest.resolve("state.json")).replaceFirst("\"update\" : \\d+", "\"update\" : \"three\"");
        Files.writeString(newest.resolve("state.json"), state);
        List<String> sums = Files.readAllLines(newest.resolve(RunDir.SUMS));
        StringBuilder b = new StringBuilder();
        for (String l : sums) {
            b.append(l.endsWith("state.json") ? RunDir.sha256(newest.resolve("state.json")) + "  state.json" : l).append('\n');
        }
        Files.writeString(newest.resolve(RunDir.SUMS), b.toString());
        Cli r = Cli.run("train", "--resume", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("a value is missing or of the wrong type"), r.err());
        assertArrayEquals(reference, Files.readAllBytes(run.resolve("policy.bin")));
    }

    @Test
    void everyCheckpointDamagedIsRefusedNotRestartedSilently(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        for (Path c : RunDir.open(run).checkpointsNewestFirst()) {
            flipByte(c.resolve("params.bin"), 10);
        }
        usageError(Cli.run("train", "--resume", run.toString()), "every checkpoint of " + run + " is damaged");
        assertFalse(Files.exists(run.resolve("policy.bin")));
    }

    @Test
    void aDamagedPolicyIsRefusedByEvaluation(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        Files.write(run.resolve("policy.bin"), reference);
        Files.copy(shared.resolve("reference/policy.bin.sha256"), run.resolve("policy.bin.sha256"));
        assertEquals(0, Cli.run("eval", run.toString(), "--split", "test", "--episodes", "3").code());
        flipByte(run.resolve("policy.bin"), 200);
        usageError(Cli.run("eval", run.toString(), "--split", "test", "--episodes", "3"), "policy.bin is damaged: its SHA-256 is");
        Files.write(run.resolve("policy.bin"), new byte[] {1, 2, 3});
        Files.delete(run.resolve("policy.bin.sha256")); // no checksum to compare: the reader says what it found
        usageError(Cli.run("eval", run.toString(), "--split", "test", "--episodes", "3"), "it ends early");
    }

    @Test
    void anUnfinishedRunIsEvaluatedAsItsCheckpointAndSaysSo(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        Cli r = Cli.run("eval", run.toString(), "--split", "test", "--episodes", "3", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("checkpoint 4 of 4", r.json().get("parameters").asText());
        assertTrue(r.err().contains("has no policy.bin (its training did not finish); using its checkpoint 4 of 4"), r.err());
        Cli finished = Cli.run("eval", shared.resolve("reference").toString(), "--split", "test", "--episodes", "3", "--json");
        assertEquals("policy.bin", finished.json().get("parameters").asText());
    }

    @Test
    void aRunDirectoryHeldByAnotherWriterIsRefused(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        try (RunDir.Lock held = RunDir.open(run).lock("mesalab train (a test)")) {
            usageError(Cli.run("train", "--resume", run.toString()), "is in use by another process (PID " + ProcessHandle.current().pid());
        }
        assertEquals(0, Cli.run("train", "--resume", run.toString()).code(), "released: the resume goes ahead");
    }

    @Test
    void aResumeRefusesOptionsThatWouldChangeTheRun(@TempDir Path dir) throws IOException {
        Path run = unfinishedCopy(dir);
        usageError(Cli.run("train", "--resume", run.toString(), "--seed", "7"), "--seed=7 differs from the resumed run's 1");
        usageError(Cli.run("train", "--resume", run.toString(), "--env", "maze"), "--env=maze differs from the resumed run's lava");
        usageError(Cli.run("train", "--resume", run.toString(), "--algo", "planner"), "--algo=planner differs");
        usageError(Cli.run("train", "--resume", run.toString(), "--threads", "2"), "--threads=2 differs");
        usageError(Cli.run("train", "--resume", run.toString(), "--set", "ppo.width=8"), "--set ppo.width=8 cannot change a resumed run");
        assertEquals(0, Cli.run("train", "--resume", run.toString(), "--threads", "1", "--env", "lava").code(), "the same values are fine");
    }

    @Test
    void trainingInputsOutOfRangeAreRefused(@TempDir Path dir) {
        String out = dir.resolve("r").toString();
        usageError(Cli.run("train", "--env", "maze", "--steps", "8796093022208", "--out", out), "--steps=8796093022208 is out of range");
        usageError(Cli.run("train", "--env", "maze", "--num-levels", "-3", "--out", out), "--num-levels=-3 is out of range");
        usageError(Cli.run("train", "--env", "maze", "--seed", "-1", "--out", out), "--seed=-1 is out of range");
        usageError(Cli.run("train", "--env", "maze", "--start-level", "-1", "--out", out), "--start-level=-1 is out of range");
        assertFalse(Files.exists(dir.resolve("r")), "nothing half-written");
    }

    @Test
    void aBudgetOfPartialIterationsIsSaidAndAnEmptyWindowIsNotNaN(@TempDir Path dir) {
        Cli r = Cli.run("train", "--env", "lava", "--threads", "1", "--steps", "200", "--set", "ppo.num_envs=4", "--set", "ppo.num_steps=32",
                "--set", "ppo.width=16", "--out", dir.resolve("r").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("--steps=200 trains 128 steps: whole iterations of 128"), r.err());
        assertFalse(r.out().contains("NaN"), r.out());
    }

    @Test
    void evalRefusesWhatItWouldIgnoreOrCountTwice(@TempDir Path dir) {
        Path ref = shared.resolve("reference");
        usageError(Cli.run("eval", ref.toString(), "--split", "test", "--set", "env.size=9"), "--set env.size=9 applies to --policy");
        usageError(Cli.run("eval", "--runs", ref.toString(), ref.toString(), "--split", "test"), "is named twice in one condition");
    }

    @Test
    void aDamagedStoreIsNamedByEveryReaderAndExportLeavesNoEmptyFiles(@TempDir Path dir) throws IOException {
        Path db = dir.resolve("store.duckdb");
        try (Store s = Store.open(db, "experiment test")) {
            s.query("SELECT 1");
        }
        assertFalse(Files.exists(dir.resolve("store.duckdb.writer")), "the holder note goes with the writer");
        byte[] all = Files.readAllBytes(db);
        Files.write(db, java.util.Arrays.copyOf(all, all.length / 2));
        usageError(Cli.run("runs", "--db", db.toString()), "the results store");
        usageError(Cli.run("report", "x", "--db", db.toString(), "--out", dir.resolve("r.html").toString()), "the results store");
        Path out = dir.resolve("exported");
        usageError(Cli.run("export", out.toString(), "--format", "csv", "--db", db.toString()), "the results store");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(), s.toList(), "no empty or partial export");
        }
        Files.writeString(dir.resolve("spec.yaml"), "name: s\nconditions:\n  - {name: a, env: lava, agent: ppo, steps: 5000}\n");
        usageError(Cli.run("run", dir.resolve("spec.yaml").toString(), "--out", dir.resolve("runs").toString(), "--db", db.toString()),
                "the results store");
    }

    @Test
    void readersGetInWhenTheWriterReleasesAndExportDoesNotOverwrite(@TempDir Path dir) {
        Path db = dir.resolve("store.duckdb");
        try (Store s = Store.open(db, "experiment busy")) {
            s.query("SELECT 1");
            s.release(); // between runs, as the runner does
            Cli r = Cli.run("runs", "--db", db.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("0 runs in"), r.out());
            Path out = dir.resolve("x");
            assertEquals(0, Cli.run("export", out.toString(), "--format", "csv", "--db", db.toString()).code());
            usageError(Cli.run("export", out.toString(), "--format", "csv", "--db", db.toString()), "experiments.csv exists");
            assertEquals(0, Cli.run("export", out.toString(), "--format", "csv", "--db", db.toString(), "--force").code());
            s.query("SELECT 1"); // the writer opens it again
        }
    }

    @Test
    void specsThatAreHugeBinaryOrSweepTooFarAreRefusedAtOnce(@TempDir Path dir) throws IOException {
        Path big = dir.resolve("big.yaml");
        Files.write(big, ("name: big\n# " + "x".repeat(2 << 20) + "\n").getBytes(StandardCharsets.UTF_8));
        usageError(Cli.run("run", big.toString(), "--out", dir.resolve("o").toString()), "bytes; allowed: at most 1048576");
        Path bin = dir.resolve("bin.yaml");
        Files.write(bin, new byte[] {'n', 'a', 'm', 'e', ':', ' ', 'x', '\n', 'a', ':', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
        usageError(Cli.run("run", bin.toString(), "--out", dir.resolve("o").toString()), bin + ":2:4: byte 0xff is not UTF-8 text");
        StringBuilder million = new StringBuilder("name: m\nconditions:\n  - name: c\n    env: maze\n    agent: ppo\n    steps: 100000\n    params:\n");
        for (String k : List.of("learning_rate", "ent_coef")) {
            million.append("      ").append(k).append(": [").append(String.join(", ", distinct(1000))).append("]\n");
        }
        Files.writeString(dir.resolve("million.yaml"), million);
        usageError(Cli.run("run", dir.resolve("million.yaml").toString(), "--out", dir.resolve("o").toString()),
                "the sweeps expand to 1000000 conditions; allowed: at most 10000");
        Files.writeString(dir.resolve("many.yaml"), "name: many\nseeds: 5\nconditions:\n  - name: c\n    env: maze\n    agent: ppo\n    steps: 100000\n"
                + "    params:\n      learning_rate: [" + String.join(", ", distinct(300)) + "]\n");
        usageError(Cli.run("run", dir.resolve("many.yaml").toString(), "--out", dir.resolve("o").toString()),
                "has 1500 runs (300 conditions x seeds), more than --max-runs=1000");
        assertFalse(Files.exists(dir.resolve("o")), "nothing written before the refusal");
    }

    /** n distinct small positive numbers (values a sweep accepts). */
    static List<String> distinct(int n) {
        List<String> v = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
            v.add(Double.toString(i * 1e-6));
        }
        return v;
    }

    @Test
    void aTrainingLogThatIsADirectoryIsNamed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("spec.yaml"), "name: s\nconditions:\n  - {name: a, env: lava, agent: ppo, steps: 5000}\n");
        Files.createDirectories(dir.resolve("o/s/a/seed-1.log"));
        usageError(Cli.run("run", dir.resolve("spec.yaml").toString(), "--out", dir.resolve("o").toString()),
                "cannot write the training log " + dir.resolve("o/s/a/seed-1.log") + ": it is a directory");
    }

    @Test
    void outputPathsAreCheckedBeforeAnyWork(@TempDir Path dir) {
        // 4096 proposals per level would take minutes: the refusal comes first.
        usageError(Cli.run("goodhart", "--env", "maze", "--split", "test", "--proxy", "events:cheese+0.02*corner", "--optimizer", "best-of-n",
                "--pressure", "1,2,4096", "--png", "/proc/curve.png"), "--png /proc/curve.png cannot be written");
        usageError(Cli.run("level", "maze", "--gif", dir.toString()), "is a directory");
    }
}
