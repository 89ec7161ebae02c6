package org.mesalab.agents;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mesalab.core.UsageException;

/**
 * A training run's directory: {@code config.json} (the manifest: every hyperparameter, env,
 * distribution, seed, versions, git commit), {@code metrics.jsonl} (one line per update),
 * {@code checkpoints/update-NNNNNN/} (parameters, optimizer state, RNG and env state) with a
 * {@code checkpoints/latest} pointer, and {@code policy.bin} (final parameters for evaluation).
 *
 * <p>Every file is written to a temporary name and renamed into place, so a run killed mid-write
 * leaves the previous complete checkpoint readable.
 */
public final class RunDir {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    private final Path dir;
    /** Where warnings about this run's files go (a damaged checkpoint skipped): stderr, or a command's error stream. */
    private java.util.function.Consumer<String> warnings = System.err::println;

    private RunDir(Path dir) {
        this.dir = dir;
    }

    /** Sends this run's warnings to {@code sink} (a command's error stream); returns this. */
    public RunDir warnTo(java.util.function.Consumer<String> sink) {
        this.warnings = sink;
        return this;
    }

    public Path path() {
        return dir;
    }

    /** A new run directory; refuses one that already holds a run. */
    public static RunDir create(Path dir) {
        if (Files.exists(dir.resolve("config.json"))) {
            throw new UsageException("run directory " + dir + " already holds a run; use --resume to continue it or choose another --out");
        }
        try {
            Files.createDirectories(dir.resolve("checkpoints"));
        } catch (IOException e) {
            throw new UsageException("cannot create run directory " + dir + ": " + org.mesalab.core.UsageException.why(e));
        }
        return new RunDir(dir);
    }

    /** An existing run directory, which must have a readable {@code config.json}. */
    public static RunDir open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UsageException("run directory " + dir + " does not exist");
        }
        if (!Files.isReadable(dir.resolve("config.json"))) {
            throw new UsageException("run directory " + dir + " has no readable config.json; allowed: a directory written by 'mesalab train'");
        }
        return new RunDir(dir);
    }

    /** The lock file of a run directory: held (an OS lock) by the one process writing the run; it names that process. */
    public static final String LOCK = "run.lock";

    /**
     * Takes the run directory for this process until the returned lock is closed: a second writer
     * (a {@code train --resume} beside a running {@code train}, a rerun beside an orphaned child) is
     * refused with the holder's PID and command. The OS releases the lock when its process dies, however
     * it dies, so a stale lock file never blocks a resume.
     */
    public Lock lock(String holder) {
        Path file = dir.resolve(LOCK);
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UsageException("cannot lock run directory " + dir + ": " + UsageException.why(e));
        }
        java.nio.channels.FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // this very process holds it
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UsageException("cannot lock run directory " + dir + ": " + UsageException.why(e));
        }
        if (lock == null) {
            String who;
            try {
                who = Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                who = "unknown";
            }
            closeQuietly(ch);
            throw new UsageException("run directory " + dir + " is in use by another process (" + (who.isEmpty() ? "unknown" : who)
                    + "); wait for it to finish or stop it, then resume");
        }
        try {
            ch.truncate(0);
            ch.write(java.nio.ByteBuffer.wrap(("PID " + ProcessHandle.current().pid() + ": " + holder + ", since "
                    + java.time.Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UsageException("cannot lock run directory " + dir + ": " + UsageException.why(e));
        }
        java.nio.channels.FileLock held = lock;
        return () -> {
            try {
                held.release();
            } catch (IOException ignored) {
                // the lock goes with the channel anyway
            }
            closeQuietly(ch);
        };
    }

    /** A held run-directory lock; closing releases it. */
    public interface Lock extends AutoCloseable {
        @Override
        void close();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing after a failure: the failure is what gets reported
        }
    }

    /** The run's manifest ({@code config.json}); an unreadable or incomplete one is a usage error naming the file. */
    public RunManifest readManifest() {
        Path f = dir.resolve("config.json");
        RunManifest m;
        try {
            m = JSON.readValue(f.toFile(), RunManifest.class);
        } catch (IOException e) {
            throw new UsageException("cannot read " + f + ": " + firstLine(e));
        }
        return m.checked(f.toString());
    }

    public void writeManifest(RunManifest manifest) {
        writeAtomically(dir.resolve("config.json"), out -> out.write(JSON.writeValueAsBytes(manifest)));
    }

    public void appendMetrics(Map<String, Object> line) {
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(LINE.writeValueAsString(line));
            w.write('\n');
        } catch (IOException e) {
            throw new UsageException("cannot write " + dir.resolve("metrics.jsonl") + ": " + org.mesalab.core.UsageException.why(e));
        }
    }

    public List<Map<String, Object>> readMetrics() {
        Path f = dir.resolve("metrics.jsonl");
        List<Map<String, Object>> lines = new ArrayList<>();
        if (!Files.exists(f)) {
            return lines;
        }
        try {
            for (String s : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (!s.isBlank()) {
                    try {
                        lines.add(LINE.readValue(s, new TypeReference<Map<String, Object>>() { }));
                    } catch (IOException partial) {
                        break; // a line cut by a crash: everything after it is dropped
                    }
                }
            }
        } catch (IOException e) {
            throw new UsageException("cannot read " + f + ": " + org.mesalab.core.UsageException.why(e));
        }
        return lines;
    }

    /** Keeps only metrics of updates (PPO) or iterations (planner) up to {@code update} (after resuming from that checkpoint). */
    public void truncateMetrics(int update) {
        List<Map<String, Object>> keep = new ArrayList<>();
        for (Map<String, Object> m : readMetrics()) {
            Object at = m.containsKey("update") ? m.get("update") : m.get("iteration");
            if (((Number) at).intValue() <= update) {
                keep.add(m);
            }
        }
        writeAtomically(dir.resolve("metrics.jsonl"), out -> {
            for (Map<String, Object> m : keep) {
                out.write(LINE.writeValueAsBytes(m));
                out.write('\n');
            }
        });
    }

    /** Writer of one checkpoint's files. */
    public interface CheckpointWriter {
        void write(Path checkpointDir) throws IOException;
    }

    /**
     * Writes checkpoint {@code update} into a temporary directory with a {@code SHA256SUMS} of its files
     * ({@code sha256sum -c} reads it), renames it into place, then moves {@code latest}.
     */
    public void saveCheckpoint(int update, CheckpointWriter writer) {
        Path checkpoints = dir.resolve("checkpoints");
        String name = String.format("update-%06d", update);
        Path tmp = checkpoints.resolve(".tmp-" + name + "-" + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            writer.write(tmp);
            StringBuilder sums = new StringBuilder();
            try (Stream<Path> s = Files.list(tmp)) {
                for (Path f : s.sorted().toList()) {
                    sums.append(sha256(f)).append("  ").append(f.getFileName()).append('\n');
                }
            }
            writeAtomically(tmp.resolve(SUMS), out -> out.write(sums.toString().getBytes(StandardCharsets.UTF_8)));
            Path target = checkpoints.resolve(name);
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            writeAtomically(checkpoints.resolve("latest"), out -> out.write(name.getBytes(StandardCharsets.UTF_8)));
            // Keep the two newest checkpoints: the latest and one before it (the fallback when the latest is damaged).
            List<Path> old = checkpointsNewestFirst();
            for (int i = 2; i < old.size(); i++) {
                deleteTree(old.get(i));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write checkpoint " + name + ": " + e.getMessage(), e);
        }
    }

    /** The checksum file of a checkpoint directory, in {@code sha256sum}'s format. */
    public static final String SUMS = "SHA256SUMS";

    /** The checkpoint directories ({@code update-NNNNNN}), newest first. */
    public List<Path> checkpointsNewestFirst() {
        Path checkpoints = dir.resolve("checkpoints");
        if (!Files.isDirectory(checkpoints)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.filter(p -> p.getFileName().toString().startsWith("update-") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(Path::toString).reversed()).toList();
        } catch (IOException e) {
            throw new UsageException("cannot read checkpoints of " + dir + ": " + org.mesalab.core.UsageException.why(e));
        }
    }

    /**
     * Why checkpoint {@code ckpt} cannot be trusted, or null when every file its {@code SHA256SUMS} names
     * is there with that checksum (and the list names at least the parameters). A checkpoint without
     * the file was written before checkpoints had checksums (a new one cannot lack it: the directory is
     * renamed into place after the file is written), so it is trusted as it was then.
     */
    public static String damage(Path ckpt) {
        Path sums = ckpt.resolve(SUMS);
        if (!Files.exists(sums)) {
            return null;
        }
        try {
            boolean params = false;
            for (String line : Files.readAllLines(sums, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                int sp = line.indexOf("  ");
                if (sp != 64) {
                    return SUMS + " is malformed";
                }
                Path f = ckpt.resolve(line.substring(sp + 2));
                if (!Files.isRegularFile(f)) {
                    return f.getFileName() + " is missing";
                }
                String actual = sha256(f);
                if (!actual.equals(line.substring(0, 64))) {
                    return f.getFileName() + " has SHA-256 " + actual.substring(0, 12) + "..., " + SUMS + " says " + line.substring(0, 12) + "...";
                }
                params |= f.getFileName().toString().equals("params.bin");
            }
            return params ? null : SUMS + " does not list params.bin";
        } catch (IOException e) {
            return "it cannot be read: " + UsageException.why(e);
        }
    }

    /** Loads one checkpoint directory into a learner; throws (any exception) when it cannot. */
    public interface CheckpointLoader {
        void load(Path checkpointDir) throws Exception;
    }

    /**
     * Loads the newest checkpoint that is intact (checksums match) and loads without error, warning on
     * stderr about each newer one skipped; null when the run has no checkpoint yet. A run whose every
     * checkpoint is damaged is refused rather than silently started over.
     */
    public Path loadNewestIntact(CheckpointLoader loader) {
        List<Path> all = checkpointsNewestFirst();
        List<String> damaged = new ArrayList<>();
        for (Path c : all) {
            String why = damage(c);
            if (why == null) {
                try {
                    loader.load(c);
                    return c;
                } catch (Exception e) {
                    why = "it does not load: " + UsageException.why(e);
                }
            }
            damaged.add(c.getFileName() + " (" + why + ")");
            warnings.accept("mesalab: warning: checkpoint " + c + " is damaged: " + why + "; trying an older one");
        }
        if (!all.isEmpty()) {
            throw new UsageException("every checkpoint of " + dir + " is damaged: " + String.join("; ", damaged)
                    + "; start the run again in a new --out directory");
        }
        return null;
    }

    /** The newest intact checkpoint (see {@link #damage}), or null when there is none. */
    public Path latestCheckpoint() {
        for (Path c : checkpointsNewestFirst()) {
            if (damage(c) == null) {
                return c;
            }
        }
        return null;
    }

    /**
     * The parameters an evaluation of this run uses: {@code policy.bin} (training finished), else the
     * newest intact checkpoint's, described as "checkpoint U of N" so no one mistakes them for the run's.
     *
     * @param total the run's iterations in its budget (PPO updates or planner iterations)
     */
    public record PolicyFile(Path params, String source, boolean finished) {
    }

    public PolicyFile policyFile(long total) {
        Path policy = dir.resolve("policy.bin");
        if (Files.exists(policy)) {
            return new PolicyFile(policy, "policy.bin", true);
        }
        Path ckpt = latestCheckpoint();
        if (ckpt == null) {
            throw new UsageException("run directory " + dir + " has no policy yet (no policy.bin and no intact checkpoint); train it first"
                    + " (mesalab train --resume " + dir + ")");
        }
        int update = Integer.parseInt(ckpt.getFileName().toString().substring("update-".length()));
        return new PolicyFile(ckpt.resolve("params.bin"), "checkpoint " + update + " of " + total, false);
    }

    /** Writes {@code file} atomically with a {@code FILE.sha256} beside it (in {@code sha256sum}'s format), checked by {@link #readVerified}. */
    public static void writeVerified(Path file, IoWriter writer) {
        writeAtomically(file, writer);
        try {
            String line = sha256(file) + "  " + file.getFileName() + "\n";
            writeAtomically(file.resolveSibling(file.getFileName() + ".sha256"), out -> out.write(line.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UsageException("cannot read back " + file + ": " + org.mesalab.core.UsageException.why(e));
        }
    }

    /**
     * Reads {@code file} after checking it against its {@code FILE.sha256} (when there is one: files
     * written before checksums have none); a mismatch or a read error is a usage error saying what is wrong.
     */
    public static void readVerified(Path file, IoReader reader) {
        Path sums = file.resolveSibling(file.getFileName() + ".sha256");
        try {
            if (Files.exists(sums)) {
                String expected = Files.readString(sums, StandardCharsets.UTF_8).trim();
                expected = expected.length() >= 64 ? expected.substring(0, 64) : expected;
                String actual = sha256(file);
                if (!actual.equals(expected)) {
                    throw new UsageException(file + " is damaged: its SHA-256 is " + actual.substring(0, 12) + "..., " + sums.getFileName() + " says "
                            + expected.substring(0, Math.min(12, expected.length())) + "...; retrain the run or restore the file");
                }
            }
            read(file, reader);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UsageException u) {
                throw u;
            }
            throw new UsageException("cannot read " + file + ": " + UsageException.why(e));
        }
    }

    /** The hex SHA-256 of a file's bytes. */
    public static String sha256(Path file) throws IOException {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }


    /** Writes {@code file} through a temporary file and an atomic rename. */
    public static void writeAtomically(Path file, IoWriter writer) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + System.nanoTime());
        try {
            try (java.io.FileOutputStream fos = new java.io.FileOutputStream(tmp.toFile());
                 OutputStream out = new BufferedOutputStream(fos)) {
                writer.write(new DataOutputStream(out));
                out.flush();
                fos.getChannel().force(true); // on disk before the rename makes it visible: a power cut leaves the old file or the whole new one
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw new UsageException("cannot write " + file + ": " + org.mesalab.core.UsageException.why(e));
        }
    }

    /** Writes to a stream that {@link #writeAtomically} renames into place. */
    public interface IoWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** Deletes {@code p} and everything below it, deepest first. */
    public static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** The first line of an exception's message (Jackson's and JDBC drivers' messages span lines). */
    public static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Reads {@code file} through a buffered data stream: the reading twin of {@link #writeAtomically}. */
    public static void read(Path file, IoReader reader) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            reader.read(new DataInputStream(in));
        }
    }

    /** Reads from a stream that {@link #read} opened. */
    public interface IoReader {
        void read(DataInputStream in) throws IOException;
    }
}
