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

    private RunDir(Path dir) {
        this.dir = dir;
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
            throw new UsageException("cannot create run directory " + dir + ": " + e.getMessage());
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
            throw new UsageException("cannot write " + dir.resolve("metrics.jsonl") + ": " + e.getMessage());
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
            throw new UsageException("cannot read " + f + ": " + e.getMessage());
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

    /** Writes checkpoint {@code update} into a temporary directory, renames it into place, then moves {@code latest}. */
    public void saveCheckpoint(int update, CheckpointWriter writer) {
        Path checkpoints = dir.resolve("checkpoints");
        String name = String.format("update-%06d", update);
        Path tmp = checkpoints.resolve(".tmp-" + name + "-" + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            writer.write(tmp);
            Path target = checkpoints.resolve(name);
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            writeAtomically(checkpoints.resolve("latest"), out -> out.write(name.getBytes(StandardCharsets.UTF_8)));
            // Keep the two newest checkpoints: the latest and one before it.
            try (Stream<Path> s = Files.list(checkpoints)) {
                List<Path> old = s.filter(p -> p.getFileName().toString().startsWith("update-"))
                        .sorted(Comparator.comparing(Path::toString)).toList();
                for (int i = 0; i < old.size() - 2; i++) {
                    deleteTree(old.get(i));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write checkpoint " + name + ": " + e.getMessage(), e);
        }
    }

    /** The directory of the newest complete checkpoint, or null when there is none. */
    public Path latestCheckpoint() {
        Path checkpoints = dir.resolve("checkpoints");
        try {
            Path pointer = checkpoints.resolve("latest");
            if (Files.exists(pointer)) {
                Path p = checkpoints.resolve(Files.readString(pointer).trim());
                if (Files.isDirectory(p)) {
                    return p;
                }
            }
            if (!Files.isDirectory(checkpoints)) {
                return null;
            }
            try (Stream<Path> s = Files.list(checkpoints)) { // pointer lost: newest complete directory
                return s.filter(p -> p.getFileName().toString().startsWith("update-"))
                        .max(Comparator.comparing(Path::toString)).orElse(null);
            }
        } catch (IOException e) {
            throw new UsageException("cannot read checkpoints of " + dir + ": " + e.getMessage());
        }
    }

    /** Writes {@code file} through a temporary file and an atomic rename. */
    public static void writeAtomically(Path file, IoWriter writer) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + System.nanoTime());
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                writer.write(new DataOutputStream(out));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw new UsageException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** Writes to a stream that {@link #writeAtomically} renames into place. */
    public interface IoWriter {
        void write(DataOutputStream out) throws IOException;
    }

    static void deleteTree(Path p) throws IOException {
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
