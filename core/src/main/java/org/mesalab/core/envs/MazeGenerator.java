package org.mesalab.core.envs;

import org.mesalab.core.Params;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;

/**
 * Perfect mazes by the recursive backtracker (randomized depth-first search), as in Procgen's maze:
 * an odd {@code s x s} block where rooms sit at even offsets and walls at odd ones, every room
 * reachable from every other by exactly one path. Scratch arrays are allocated once, so generating a
 * level on auto-reset allocates nothing.
 */
public final class MazeGenerator {
    private static final int[] DX = {0, 0, -1, 1};
    private static final int[] DY = {-1, 1, 0, 0};

    private final int[] stack;
    private final boolean[] visited;
    private final int[] parent;
    private final int[] queue;

    public MazeGenerator(int maxSize) {
        int rooms = (maxSize + 1) / 2;
        stack = new int[rooms * rooms];
        visited = new boolean[rooms * rooms];
        parent = new int[maxSize * maxSize];
        queue = new int[maxSize * maxSize];
    }

    /**
     * Marks in {@code onPath} the cells of the unique path between cells {@code from} and {@code to}
     * (indices {@code y * stride + x}) of a perfect maze, both ends included. Breadth-first search on
     * scratch arrays; allocates nothing.
     */
    public void markPath(byte[] walls, int stride, int from, int to, boolean[] onPath) {
        java.util.Arrays.fill(onPath, false);
        java.util.Arrays.fill(parent, -2);
        int rows = walls.length / stride;
        int head = 0;
        int tail = 0;
        parent[from] = -1;
        queue[tail++] = from;
        while (head < tail) {
            int c = queue[head++];
            if (c == to) {
                break;
            }
            for (int d = 0; d < 4; d++) {
                int nx = c % stride + DX[d];
                int ny = c / stride + DY[d];
                int n = ny * stride + nx;
                if (nx >= 0 && ny >= 0 && nx < stride && ny < rows && walls[n] == 0 && parent[n] == -2) {
                    parent[n] = c;
                    queue[tail++] = n;
                }
            }
        }
        for (int c = to; c >= 0; c = parent[c]) {
            onPath[c] = true;
        }
    }

    /**
     * Carves a perfect maze of odd size {@code s} into {@code walls} (row stride {@code stride}) with
     * its top-left cell at (x0, y0): the block is first filled with walls, then rooms and the
     * passages between them are cleared. Draws from {@code rng}: one per room visit with choices.
     */
    public void carve(byte[] walls, int stride, int x0, int y0, int s, Rng rng) {
        for (int yy = 0; yy < s; yy++) {
            java.util.Arrays.fill(walls, (y0 + yy) * stride + x0, (y0 + yy) * stride + x0 + s, (byte) 1);
        }
        int r = (s + 1) / 2;
        java.util.Arrays.fill(visited, 0, r * r, false);
        int top = 0;
        int start = (r - 1) * r; // bottom-left room, where the agent starts
        stack[top++] = start;
        visited[start] = true;
        walls[(y0 + 2 * (r - 1)) * stride + x0] = 0;
        while (top > 0) {
            int room = stack[top - 1];
            int rx = room % r;
            int ry = room / r;
            int options = 0;
            for (int d = 0; d < 4; d++) {
                int nx = rx + DX[d];
                int ny = ry + DY[d];
                if (nx >= 0 && ny >= 0 && nx < r && ny < r && !visited[ny * r + nx]) {
                    options++;
                }
            }
            if (options == 0) {
                top--;
                continue;
            }
            int pick = rng.nextInt(options);
            for (int d = 0; d < 4; d++) {
                int nx = rx + DX[d];
                int ny = ry + DY[d];
                if (nx >= 0 && ny >= 0 && nx < r && ny < r && !visited[ny * r + nx] && pick-- == 0) {
                    visited[ny * r + nx] = true;
                    walls[(y0 + 2 * ry + DY[d]) * stride + x0 + 2 * rx + DX[d]] = 0;
                    walls[(y0 + 2 * ny) * stride + x0 + 2 * nx] = 0;
                    stack[top++] = ny * r + nx;
                    break;
                }
            }
        }
    }

    /**
     * Checks {@code size} (odd, up to {@code maxSize}) and {@code min_size} (0, or odd in [5, size]) and
     * returns the smallest size a level can have. Shared by the maze-based envs.
     */
    public static int validateSizes(String env, Params p, int maxSize) {
        int size = p.getInt("size");
        int min = p.getInt("min_size");
        if (size % 2 == 0) {
            throw new UsageException(env + ": size=" + size + " must be odd; allowed: an odd integer in [5, " + maxSize + "]");
        }
        if (min != 0 && (min % 2 == 0 || min < 5 || min > size)) {
            throw new UsageException(env + ": min_size=" + min + " is not allowed; allowed: 0 or an odd integer in [5, size=" + size + "]");
        }
        return min == 0 ? size : min;
    }

    /** Number of free cells of a perfect maze of odd size s: r^2 rooms and r^2 - 1 passages. */
    public static int freeCells(int s) {
        int r = (s + 1) / 2;
        return 2 * r * r - 1;
    }

    /**
     * The size of one level: {@code size} when {@code min_size} is 0, otherwise an odd size drawn
     * uniformly from [min_size, size] (one draw).
     */
    public static int levelSize(Params p, Rng rng) {
        int size = p.getInt("size");
        int min = p.getInt("min_size");
        if (min == 0 || min == size) {
            return size;
        }
        return min + 2 * rng.nextInt((size - min) / 2 + 1);
    }
}
