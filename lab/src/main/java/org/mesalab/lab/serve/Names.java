package org.mesalab.lab.serve;

import java.util.regex.Pattern;
import org.mesalab.core.UsageException;

/**
 * What a name in a dashboard URL may be. Run ids are paths under the runs directory
 * ({@code EXP/CONDITION/seed-N}), experiment names are spec names; both are checked here before any
 * lookup, and only then looked up among the runs the store and the runs directory list, so a URL never
 * becomes a file path of its own.
 */
final class Names {
    /** A spec or condition name, with a sweep's brackets: {@code ppo-coinrun[random_coin=0.2]}. */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_.=,+\\[\\]-]{1,120}");
    private static final String ALLOWED = "letters, digits and _ . = , + [ ] -; segments separated by '/', no '.' or '..' segment, at most 3";

    private Names() {
    }

    /** A run id from a URL, or a usage error naming it and what is allowed. */
    static String runId(String id) {
        if (id == null || id.isEmpty()) {
            throw new UsageException("missing run id; allowed: id=EXPERIMENT/CONDITION/seed-N as listed at /api/runs");
        }
        String[] parts = id.split("/", -1);
        if (parts.length > 3 || id.length() > 300) {
            throw bad("run id", id);
        }
        for (String p : parts) {
            segment("run id", id, p);
        }
        return id;
    }

    /** An experiment name from a URL. */
    static String experiment(String name) {
        if (name == null || name.isEmpty()) {
            throw new UsageException("missing experiment name; allowed: a name listed at /api/experiments");
        }
        segment("experiment name", name, name);
        return name;
    }

    private static void segment(String what, String whole, String p) {
        if (!SEGMENT.matcher(p).matches() || p.equals(".") || p.equals("..")) {
            throw bad(what, whole);
        }
    }

    private static UsageException bad(String what, String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return new UsageException("bad " + what + " '" + shown.replaceAll("[\\p{Cntrl}]", "?") + "'; allowed: " + ALLOWED);
    }
}
