package org.mesalab.core;

/**
 * A user's mistake (unknown env, bad parameter value, unreadable file). The CLI prints its message
 * as one line and exits with code 2; it never shows a stack trace for it.
 */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message, null, false, false);
    }
}
