package org.mesalab.agents;

/**
 * A learner's loss became NaN or infinite: training stops, and the message names the last good
 * checkpoint and what to try. The CLI turns it into a one-line usage error.
 */
public final class Diverged extends RuntimeException {
    public Diverged(String message) {
        super(message, null, false, false); // a user-facing condition, not a bug: no stack trace
    }
}
