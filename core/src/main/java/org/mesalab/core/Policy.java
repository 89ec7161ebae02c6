package org.mesalab.core;

/**
 * Maps the env's current situation to an action. Learned policies read the observation; oracles
 * read the true state (they are the exact optimum of an objective on the true level).
 */
public interface Policy extends AutoCloseable {
    /** The action for the env's current state; may draw from the policy's own random stream. */
    int act(Env env);

    /** The spec this policy was built from, e.g. {@code oracle:corner}. */
    String name();

    /** Releases what the policy holds (a learned one: its network's native memory); oracles hold nothing. */
    @Override
    default void close() {
    }
}
