package org.mesalab.core;

/**
 * A user's mistake (unknown env, bad parameter value, unreadable file). The CLI prints its message
 * as one line and exits with code 2; it never shows a stack trace for it.
 */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message, null, false, false);
    }

    /**
     * What went wrong with a file, in words, for exceptions whose message alone says little
     * ({@code null}, "Input length = 1", a class-cast between JSON types): for the messages of
     * usage errors about files.
     */
    public static String why(Exception e) {
        if (e instanceof java.io.EOFException) {
            return "it ends early (cut short: truncated or not fully written)";
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "it is not UTF-8 text";
        }
        if (e instanceof ClassCastException || e instanceof NullPointerException) {
            return "a value is missing or of the wrong type (" + e.getClass().getSimpleName() + ")";
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return n.getFile() + " does not exist";
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() != null ? ": " + f.getFile() : "");
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
