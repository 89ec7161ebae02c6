package org.mesalab.agents.planner;

/**
 * An objective for the slot with the split whose levels its value head is refit on, written
 * {@code SLOT} or {@code SLOT@SPLIT} (e.g. {@code events:cheese@test}) in specs and on the command line.
 */
public record SlotChoice(String slot, String refitSplit) {
    /** {@code SLOT@SPLIT}, or {@code SLOT} with {@code defaultRefit}. */
    public static SlotChoice parse(String objective, String defaultRefit) {
        int at = objective.indexOf('@');
        return at < 0 ? new SlotChoice(objective, defaultRefit) : new SlotChoice(objective.substring(0, at), objective.substring(at + 1));
    }
}
