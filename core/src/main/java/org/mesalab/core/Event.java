package org.mesalab.core;

import java.util.Locale;

/**
 * A named fact that becomes true at a step. An env reports the events of each step as a bit mask
 * ({@link #bit()}); every objective, intended or proxy, is computed from these bits, so one
 * trajectory can be scored under any objective after the fact.
 */
public enum Event {
    CHEESE, CORNER, COIN, EXIT, KEY, CHEST, LAVA, GOAL, DEATH;

    /** Number of events; masks fit in {@code 1 << COUNT}. */
    public static final int COUNT = values().length;

    private static final Event[] VALUES = values();

    public int bit() {
        return 1 << ordinal();
    }

    public boolean in(int mask) {
        return (mask & bit()) != 0;
    }

    /** The name used in the CLI, JSON and objective expressions: lower case. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Event byId(String id) {
        for (Event e : VALUES) {
            if (e.id().equals(id)) {
                return e;
            }
        }
        throw new UsageException("unknown event '" + id + "'; allowed: " + ids());
    }

    public static String ids() {
        StringBuilder b = new StringBuilder();
        for (Event e : VALUES) {
            b.append(b.length() == 0 ? "" : ", ").append(e.id());
        }
        return b.toString();
    }

    /** The ids of the events in {@code mask}, in declaration order. */
    public static java.util.List<String> idsIn(int mask) {
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (Event e : VALUES) {
            if (e.in(mask)) {
                ids.add(e.id());
            }
        }
        return ids;
    }

    /** Adds the events of {@code mask} to per-event counters. */
    public static void count(int mask, int[] counts) {
        while (mask != 0) {
            int i = Integer.numberOfTrailingZeros(mask);
            counts[i]++;
            mask &= mask - 1;
        }
    }
}
