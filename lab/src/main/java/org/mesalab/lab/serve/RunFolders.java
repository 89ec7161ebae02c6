package org.mesalab.lab.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.mesalab.agents.RunDir;
import org.mesalab.lab.experiment.Json;

/**
 * The run directories under the runs directory, as the dashboard sees them before (and after) the store
 * has their rows: a folder up to three levels down holding a {@code config.json} (an experiment's
 * {@code EXP/CONDITION/seed-N}, or a {@code train --out} folder). Links are never followed and every
 * folder's real path must lie inside the runs directory, so no URL reaches a file outside it.
 */
final class RunFolders {
    /** A run directory: its id (the path under the runs directory, with '/'), its status and manifest. */
    record Folder(String id, Path dir, String status, JsonNode config) {
    }

    private static final int DEPTH = 3;
    private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> LINE = new com.fasterxml.jackson.core.type.TypeReference<>() { };
    private static final long RESCAN_MS = 1000;

    private final Path root;
    private List<Folder> last = List.of();
    private long scanned;
    private final Map<Path, Parsed> metrics = new ConcurrentHashMap<>();

    private record Parsed(long size, long modified, List<Map<String, Object>> lines) {
    }

    RunFolders(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    /** Every run directory under the runs directory, rescanned at most once a second. */
    synchronized List<Folder> scan() {
        if (System.currentTimeMillis() - scanned < RESCAN_MS) {
            return last;
        }
        List<Folder> found = new ArrayList<>();
        Path real = realRoot();
        if (real != null) {
            try (Stream<Path> s = Files.walk(root, DEPTH)) { // Files.walk does not follow links unless told to
                s.filter(d -> Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && Files.isRegularFile(d.resolve("config.json"), LinkOption.NOFOLLOW_LINKS))
                        .filter(d -> inside(d, real))
                        .sorted(Comparator.naturalOrder())
                        .forEach(d -> read(d).ifPresent(found::add));
            } catch (IOException | java.io.UncheckedIOException e) {
                return last; // a folder vanished while we walked: keep the previous view
            }
        }
        last = List.copyOf(found);
        scanned = System.currentTimeMillis();
        return last;
    }

    Optional<Folder> find(String id) {
        return scan().stream().filter(f -> f.id().equals(id)).findFirst();
    }

    /** The run's metrics lines with {@code global_step} beyond {@code after}, parsed once per change of the file. */
    List<Map<String, Object>> metrics(Folder f, long after) {
        Path file = f.dir().resolve("metrics.jsonl");
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return List.of();
            }
            long size = Files.size(file);
            long modified = Files.getLastModifiedTime(file).toMillis();
            Parsed p = metrics.get(file);
            if (p == null || p.size() != size || p.modified() != modified) {
                List<Map<String, Object>> lines = new ArrayList<>();
                for (String l : Files.readAllLines(file)) {
                    try {
                        lines.add(Json.MAPPER.readValue(l, LINE));
                    } catch (IOException partial) {
                        // the line being written right now: it is read on the next poll
                    }
                }
                p = new Parsed(size, modified, lines);
                metrics.put(file, p);
            }
            return p.lines().stream().filter(m -> m.get("global_step") instanceof Number n && n.longValue() > after).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private Optional<Folder> read(Path d) {
        try {
            JsonNode config = Json.MAPPER.readTree(Files.readString(d.resolve("config.json")));
            String id = root.relativize(d).toString().replace('\\', '/');
            return Optional.of(new Folder(id, d, status(d), config));
        } catch (IOException e) {
            return Optional.empty(); // a manifest being written: seen on the next scan
        }
    }

    /**
     * training: the final policy is not written yet and the process named in its run lock is alive;
     * trained: the final policy is written; stopped: neither (interrupted, or
     * waiting for a resume). The lock file is read, never locked: a dashboard must not make a starting
     * trainer find its run directory taken.
     */
    static String status(Path d) {
        boolean trained = Files.exists(d.resolve("policy.bin"));
        try {
            String holder = Files.readString(d.resolve(RunDir.LOCK)).trim();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^PID (\\d+)").matcher(holder);
            if (m.find()) {
                long pid = Long.parseLong(m.group(1));
                boolean alive = pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
                if (!trained && alive) {
                    return "training";
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // no lock file, or an unreadable one: judge by the files
        }
        return trained ? "trained" : "stopped";
    }

    private Path realRoot() {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean inside(Path d, Path realRoot) {
        try {
            return d.toRealPath().startsWith(realRoot);
        } catch (IOException e) {
            return false;
        }
    }
}
