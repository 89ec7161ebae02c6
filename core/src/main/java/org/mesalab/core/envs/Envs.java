package org.mesalab.core.envs;

import java.util.List;
import org.mesalab.core.EnvType;
import org.mesalab.core.UsageException;

/** The registry of environments, by name. */
public final class Envs {
    private static final List<EnvType> ALL = List.of(Maze.TYPE, CoinRun.TYPE, Heist.TYPE, Lava.TYPE);

    private Envs() {
    }

    public static List<EnvType> all() {
        return ALL;
    }

    public static EnvType get(String name) {
        for (EnvType t : ALL) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new UsageException("unknown env '" + name + "'; allowed: " + names());
    }

    public static String names() {
        StringBuilder b = new StringBuilder();
        for (EnvType t : ALL) {
            b.append(b.length() == 0 ? "" : ", ").append(t.name());
        }
        return b.toString();
    }
}
