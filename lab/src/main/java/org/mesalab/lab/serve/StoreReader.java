package org.mesalab.lab.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Store;

/**
 * Reads the results store for the dashboard without holding it. Answers are cached until the file
 * changes (its size and modification time, and the write-ahead log's); a miss opens the store
 * read-only, reads, and closes it, so the experiment writing it is never kept waiting. While the
 * writer holds the file the last answer is served again, or the empty one before any ({@link #busy} says so).
 */
final class StoreReader {
    private static final int CACHE = 256;

    private final Path db;
    private String version = "";
    private volatile boolean busy;
    /** Answers read at the current version; the previous version's answers stay in {@link #stale} while the writer holds the file. */
    private final Map<String, Object> fresh = lru();
    private final Map<String, Object> stale = lru();

    StoreReader(Path db) {
        this.db = db.toAbsolutePath().normalize();
    }

    Path file() {
        return db;
    }

    /** True when the last read found the store held by its writer and served an earlier answer. */
    boolean busy() {
        return busy;
    }

    /**
     * The answer of {@code reader} for {@code key} at the store's current contents. A store not written
     * yet (an experiment that has not finished its first run) reads as {@code empty}. The cache is
     * guarded, the reading is not: a long read (an experiment's report) does not hold up the others
     * (read-only connections share the file; two identical misses may both read).
     */
    @SuppressWarnings("unchecked")
    <T> T read(String key, Function<Store, T> reader, T empty) {
        String now;
        synchronized (this) {
            now = stamp();
            if (!now.equals(version)) {
                stale.putAll(fresh);
                fresh.clear();
                version = now;
            }
            if (fresh.containsKey(key)) {
                return (T) fresh.get(key);
            }
            if (now.isEmpty()) {
                return empty;
            }
        }
        try (Store s = Store.existing(db, 0)) {
            T answer = reader.apply(s);
            synchronized (this) {
                if (version.equals(now)) { // a commit in between: this answer is already stale
                    fresh.put(key, answer);
                    stale.remove(key);
                } else {
                    stale.put(key, answer);
                }
                busy = false;
            }
            return answer;
        } catch (UsageException e) {
            // Another process's writer holds the lock, or this process's own writer holds the file (run --serve: the store's gate).
            if (!e.getMessage().contains("is held by") && !e.getMessage().contains("different configuration")) {
                throw e;
            }
            synchronized (this) {
                busy = true;
                // Nothing read yet (the experiment holds a store it just created): nothing to show until it lets go, in a second or two.
                return stale.containsKey(key) ? (T) stale.get(key) : empty;
            }
        }
    }

    /** Size and modification time of the store and its write-ahead log: any commit changes one of them. Empty when there is no store yet. */
    private String stamp() {
        try {
            if (!Files.isRegularFile(db)) {
                return "";
            }
            Path wal = db.resolveSibling(db.getFileName() + ".wal");
            String w = Files.exists(wal) ? Files.size(wal) + "@" + Files.getLastModifiedTime(wal).toMillis() : "-";
            return Files.size(db) + "@" + Files.getLastModifiedTime(db).toMillis() + "/" + w;
        } catch (IOException e) {
            return version; // vanished between the calls: keep what we have
        }
    }

    private static Map<String, Object> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
                return size() > CACHE;
            }
        };
    }
}
