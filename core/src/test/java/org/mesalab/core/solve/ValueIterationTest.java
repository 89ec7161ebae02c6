package org.mesalab.core.solve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.Policy;
import org.mesalab.core.envs.Maze;
import org.mesalab.core.eval.Episode;

class ValueIterationTest {

    @Test
    void mazeCheeseValueIsGammaToTheShortestDistance() {
        Distribution d = Maze.TYPE.distribution("test", Map.of());
        Maze m = (Maze) d.create();
        for (long i = 0; i < 20; i++) {
            m.reset(d.levelSeed(i));
            StateGraph g = StateGraph.explore(m, 10_000);
            // Test cheese is never on the path to the corner, yet it can cut off a dead-end branch; every
            // state of the graph is a free cell.
            assertTrue(g.states <= MazeGeneratorFreeCells.of(m));
            double[] q = ValueIteration.q(g, Maze.TYPE.intended(), 0.9);
            int cheese = g.indexOf(m.cheeseY() * m.width + m.cheeseX());
            // The cheese cell is only entered by a terminal transition, so it is not a state of the graph.
            assertEquals(-1, cheese);
            // V(start) = 0.9^(d - 1) where d is the BFS distance to the cheese (reward on the entering step).
            int dist = bfs(m, m.cheeseX(), m.cheeseY());
            double vStart = ValueIteration.max(q, 0, g.actions);
            assertEquals(Math.pow(0.9, dist - 1), vStart, 1e-9);
        }
    }

    /** Plain BFS distance from the agent's start to (tx, ty) over free cells. */
    private static int bfs(Maze m, int tx, int ty) {
        int[] dist = new int[m.width * m.height];
        java.util.Arrays.fill(dist, -1);
        int[] queue = new int[dist.length];
        int head = 0;
        int tail = 0;
        int start = m.agentY() * m.width + m.agentX();
        dist[start] = 0;
        queue[tail++] = start;
        int[][] dirs = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}};
        while (head < tail) {
            int c = queue[head++];
            for (int[] dxy : dirs) {
                int nx = c % m.width + dxy[0];
                int ny = c / m.width + dxy[1];
                if (nx >= 0 && ny >= 0 && nx < m.width && ny < m.height && !m.wall(nx, ny) && dist[ny * m.width + nx] < 0) {
                    dist[ny * m.width + nx] = dist[c] + 1;
                    queue[tail++] = ny * m.width + nx;
                }
            }
        }
        return dist[ty * m.width + tx];
    }

    static final class MazeGeneratorFreeCells {
        static int of(Maze m) {
            int free = 0;
            for (int y = 0; y < m.height; y++) {
                for (int x = 0; x < m.width; x++) {
                    if (!m.wall(x, y) && !(x == m.cheeseX() && y == m.cheeseY())) {
                        free++;
                    }
                }
            }
            return free;
        }
    }

    @Test
    void cornerOracleGoesToTheCornerAndStays() {
        Distribution d = Maze.TYPE.distribution("test", Map.of());
        Maze m = (Maze) d.create();
        Policy corner = Oracles.oracle(Maze.TYPE.objective("corner"));
        for (long i = 0; i < 50; i++) {
            Episode ep = Episode.play(m, corner, d.levelSeed(i), null);
            if (ep.eventCounts()[Event.CHEESE.ordinal()] == 0) {
                assertTrue(ep.truncated());
                assertEquals(m.cornerX(), m.agentX());
                assertEquals(m.cornerY(), m.agentY());
            }
        }
    }

    @Test
    void softValuesBoundHardValuesAndApproachThemAsTemperatureFalls() {
        Distribution d = Maze.TYPE.distribution("test", Map.of());
        Env m = d.create();
        m.reset(d.levelSeed(3));
        StateGraph g = StateGraph.explore(m, 10_000);
        double[] hard = ValueIteration.q(g, Maze.TYPE.intended(), 0.9);
        double[] soft = ValueIteration.softQ(g, Maze.TYPE.intended(), 0.9, 0.01);
        double[] softer = ValueIteration.softQ(g, Maze.TYPE.intended(), 0.9, 0.5);
        for (int i = 0; i < hard.length; i++) {
            assertTrue(soft[i] >= hard[i] - 1e-12);
            assertTrue(softer[i] >= soft[i] - 1e-12);
        }
        // The log-sum-exp over 5 actions exceeds the max by at most tau * log 5 per step, geometrically discounted.
        double bound = 0.01 * Math.log(5) / (1 - 0.9);
        for (int i = 0; i < hard.length; i++) {
            assertTrue(soft[i] - hard[i] <= bound + 1e-9);
        }
    }

    @Test
    void softMaxMatchesHandComputedValue() {
        double[] q = {1.0, 2.0, 3.0};
        // tau * log(e^1 + e^2 + e^3) at tau = 1: 3.40760596444438
        assertEquals(3.40760596444438, ValueIteration.softMax(q, 0, 3, 1.0), 1e-12);
        // at tau = 0.5: 0.5 * log(e^2 + e^4 + e^6) = 3.0634640055
        assertEquals(0.5 * Math.log(Math.exp(2) + Math.exp(4) + Math.exp(6)), ValueIteration.softMax(q, 0, 3, 0.5), 1e-12);
    }
}
