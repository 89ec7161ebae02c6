package org.mesalab.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one rule for files a command writes: missing parent folders are created, and the place is
 * checked before any work, so a bad {@code --png} fails in a moment, not after minutes of evaluation
 * or with cache files written.
 */
public final class OutputFile {
    private OutputFile() {
    }

    /**
     * Creates {@code file}'s missing parent folders and proves the folder writable (by creating and
     * deleting a temporary file there); a usage error naming {@code option} and the file otherwise.
     */
    public static Path prepare(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw new UsageException(option + " " + file + " is a directory; allowed: a file name");
        }
        probe(file.toAbsolutePath().getParent(), option, file, "a file in a writable folder");
        return file;
    }

    /** Creates a folder a command writes into (with its parents) and proves it writable. */
    public static Path prepareDirectory(Path dir, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException(option + " " + dir + " is a file; allowed: a folder");
        }
        probe(dir, option, dir, "a writable folder");
        return dir;
    }

    /** Creates {@code dir} with its parents and writes (then deletes) a file there; {@code shown} is what the message names. */
    private static void probe(Path dir, String option, Path shown, String allowed) {
        try {
            Files.createDirectories(dir);
            Files.delete(Files.createTempFile(dir, ".mesalab-", ".probe"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new UsageException(option + " " + shown + " cannot be written: " + UsageException.why(e) + "; allowed: " + allowed);
        }
    }
}
