package org.mesalab.core.envs;

import java.util.List;

/** The five moves of the top-down grid envs (maze, heist, lava), Procgen's and Minigrid's order. */
final class GridMoves {
    static final List<String> ACTIONS = List.of("up", "down", "left", "right", "stay");
    /** Column and row change of each action. */
    static final int[] DX = {0, 0, -1, 1, 0};
    static final int[] DY = {-1, 1, 0, 0, 0};

    private GridMoves() {
    }
}
