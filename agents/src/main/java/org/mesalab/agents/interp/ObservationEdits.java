package org.mesalab.agents.interp;

import org.mesalab.core.Env;

/**
 * Constructed observations: a goal item taken out of its cell, or moved to another one. An item's cell
 * holds only the item (the agent stands elsewhere), so taking it out zeroes every plane there and moving
 * it copies those planes to a free cell (one where every plane is 0). Works on any env's planes.
 */
public final class ObservationEdits {
    private ObservationEdits() {
    }

    /** The observation without what is in cell (x, y); null when the agent stands there. */
    public static float[] remove(Env env, float[] obs, int x, int y) {
        if (x == env.agentX() && y == env.agentY()) {
            return null;
        }
        float[] o = obs.clone();
        for (int c = 0; c < env.channels; c++) {
            o[index(env, c, x, y)] = 0f;
        }
        return o;
    }

    /** The observation with what is in cell (x, y) moved to (tx, ty); null when either is the agent's cell or the target is not free. */
    public static float[] move(Env env, float[] obs, int x, int y, int tx, int ty) {
        if (tx < 0 || ty < 0 || tx >= env.width || ty >= env.height || (tx == x && ty == y)) {
            return null;
        }
        if ((tx == env.agentX() && ty == env.agentY()) || !free(env, obs, tx, ty)) {
            return null;
        }
        float[] o = remove(env, obs, x, y);
        if (o == null) {
            return null;
        }
        for (int c = 0; c < env.channels; c++) {
            o[index(env, c, tx, ty)] = obs[index(env, c, x, y)];
        }
        return o;
    }

    static boolean free(Env env, float[] obs, int x, int y) {
        for (int c = 0; c < env.channels; c++) {
            if (obs[index(env, c, x, y)] != 0f) {
                return false;
            }
        }
        return true;
    }

    private static int index(Env env, int c, int x, int y) {
        return (c * env.height + y) * env.width + x;
    }
}
