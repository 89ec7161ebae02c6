package org.mesalab.core.envs;

import org.mesalab.core.Params;
import org.mesalab.core.Rng;

/**
 * Levels of {@link CoinRun}: a terrain of column heights built from sections (flat runs, steps,
 * pits, hazards, crates) whose mix depends on {@code difficulty}, validated by breadth-first search
 * over the true dynamics so that the exit is always reachable, then a coin placed at the exit or, in a
 * fraction {@code random_coin} of levels, on a random cell the agent can reach.
 *
 * <p>All arrays are allocated once per env; generating allocates nothing.
 */
final class CoinRunGenerator {
    final int width;
    final int height;
    /** Solid cells of column x are rows [height - heights[x], height - 1]; 0 is a pit. */
    final int[] heights;
    /** Lethal cells (saws) standing on the ground. */
    final byte[] hazard;
    int coinX;
    int coinY;
    int exitY;

    private final int difficulty;
    private final double randomCoin;
    private final boolean[] seen;
    private final int[] queue;
    private final boolean[] reachable;

    CoinRunGenerator(Params p) {
        width = p.getInt("length");
        height = p.getInt("height");
        difficulty = p.getInt("difficulty");
        randomCoin = p.get("random_coin");
        heights = new int[width];
        hazard = new byte[width * height];
        int states = width * height * (CoinRun.JUMP + 1);
        seen = new boolean[states];
        queue = new int[states];
        reachable = new boolean[width * height];
    }

    boolean solid(int x, int y) {
        return x >= 0 && x < width && y >= height - heights[x] && y < height;
    }

    int standRow(int x) {
        return height - heights[x] - 1;
    }

    void generate(Rng rng) {
        // Rejection sampling: terrains whose exit is unreachable are redrawn (rare; bounded in practice
        // because flat terrain always passes, and the draw sequence is deterministic per seed).
        for (int attempt = 0; ; attempt++) {
            drawTerrain(rng, attempt >= 50);
            if (explore(-1, true)) {
                break;
            }
        }
        exitY = standRow(width - 1);
        if (rng.nextDouble() < randomCoin) {
            // A random reachable cell that does not block the way to the exit (the coin ends the
            // episode), so the exit proxy stays achievable and the two goals come apart.
            int count = 0;
            for (int c = 0; c < reachable.length; c++) {
                if (reachable[c] && !isStartOrExit(c)) {
                    count++;
                }
            }
            int coin = -1;
            for (int attempt = 0; attempt < 64 && coin < 0; attempt++) {
                int c = nthCandidate(rng.nextInt(count));
                if (explore(c, false)) {
                    coin = c;
                }
            }
            for (int n = 0; n < count && coin < 0; n++) { // deterministic fallback, practically never taken
                int c = nthCandidate(n);
                if (explore(c, false)) {
                    coin = c;
                }
            }
            coinX = coin % width;
            coinY = coin / width;
        } else {
            coinX = width - 1;
            coinY = exitY;
        }
    }

    private int nthCandidate(int n) {
        for (int c = 0; c < reachable.length; c++) {
            if (reachable[c] && !isStartOrExit(c) && n-- == 0) {
                return c;
            }
        }
        throw new IllegalStateException("fewer candidates than counted");
    }

    private boolean isStartOrExit(int c) {
        int cx = c % width;
        int cy = c / width;
        return (cx == 0 && cy == standRow(0)) || cx == width - 1;
    }

    /** @param flat give up on features (after many rejected draws) so generation always ends */
    private void drawTerrain(Rng rng, boolean flat) {
        java.util.Arrays.fill(hazard, (byte) 0);
        int maxH = height - 4; // leave room to jump above the highest ground
        int cur = 1;
        heights[0] = heights[1] = heights[2] = cur;
        int x = 3;
        while (x < width - 2) {
            int kind = flat ? 0 : rng.nextInt(10);
            if (kind < 3) { // flat run
                int w = 1 + rng.nextInt(2);
                for (int i = 0; i < w && x < width - 2; i++) {
                    heights[x++] = cur;
                }
            } else if (kind < 5) { // step up or down by one
                cur = Math.max(1, Math.min(maxH, cur + (rng.nextInt(2) == 0 ? -1 : 1)));
                heights[x++] = cur;
            } else if (kind < 7) { // pit, wider with difficulty
                int w = 1 + rng.nextInt(difficulty);
                for (int i = 0; i < w && x < width - 3; i++) {
                    heights[x++] = 0;
                }
                heights[x++] = cur;
            } else if (kind < 9 && difficulty >= 2) { // hazard on the ground, to jump over
                heights[x] = cur;
                hazard[standRow(x) * width + x] = 1;
                x++;
                heights[x++] = cur;
            } else { // crate: a wall one (or, from difficulty 2, two) cells higher
                int extra = 1 + (difficulty >= 2 ? rng.nextInt(2) : 0);
                heights[x++] = Math.min(maxH + 1, cur + extra);
                if (x < width - 2) {
                    heights[x++] = cur;
                }
            }
        }
        for (; x < width; x++) {
            heights[x] = cur;
        }
    }

    /**
     * BFS over (x, y, jump) from the start; true when the exit is reachable without entering cell
     * {@code avoid} (-1: none). With {@code mark}, records every reachable cell in {@code reachable}.
     */
    private boolean explore(int avoid, boolean mark) {
        java.util.Arrays.fill(seen, false);
        if (mark) {
            java.util.Arrays.fill(reachable, false);
        }
        int head = 0;
        int tail = 0;
        int start = CoinRun.pack(0, standRow(0), 0, width, height);
        seen[start] = true;
        queue[tail++] = start;
        boolean exit = false;
        while (head < tail) {
            int s = queue[head++];
            int sx = s % width;
            int sy = (s / width) % height;
            if (sy * width + sx == avoid) {
                continue; // the coin ends the episode here
            }
            if (mark) {
                reachable[sy * width + sx] = true;
            }
            if (sx == width - 1 && sy == standRow(width - 1)) {
                exit = true;
                continue; // the exit ends the episode
            }
            for (int a = 0; a < CoinRun.ACTIONS; a++) {
                int next = CoinRun.advance(this, s, a);
                if (next >= 0 && !seen[next]) {
                    seen[next] = true;
                    queue[tail++] = next;
                }
            }
        }
        return exit;
    }
}
