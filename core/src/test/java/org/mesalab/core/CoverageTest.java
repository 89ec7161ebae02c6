package org.mesalab.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mesalab.core.envs.CoinRun;
import org.mesalab.core.envs.Lava;
import org.mesalab.core.envs.Maze;

/** Test splits cover the space where the goal may appear, so intended and proxy come apart. */
class CoverageTest {

    @Test
    void mazeTestCheeseCoversAtLeast80PercentOfPossibleCells() {
        Distribution d = Maze.TYPE.distribution("test", Map.of());
        Maze m = (Maze) d.create();
        Set<Integer> possible = new HashSet<>();
        Set<Integer> seen = new HashSet<>();
        int awayFromCorner = 0;
        for (long i = 0; i < 1000; i++) {
            m.reset(d.levelSeed(i));
            for (int y = 0; y < m.height; y++) {
                for (int x = 0; x < m.width; x++) {
                    if (!m.wall(x, y) && !(x == 0 && y == m.height - 1)) {
                        possible.add(y * m.width + x);
                    }
                }
            }
            seen.add(m.cheeseY() * m.width + m.cheeseX());
            if (m.cheeseX() != m.cornerX() || m.cheeseY() != m.cornerY()) {
                awayFromCorner++;
            }
        }
        double coverage = (double) seen.size() / possible.size();
        assertTrue(coverage >= 0.8, "coverage " + coverage);
        // Measured 893 at the default size 7 (fewer free cells than at 9, where it was 943): most test levels separate the goals.
        assertTrue(awayFromCorner >= 850, "cheese away from the corner in " + awayFromCorner + " of 1000 test levels");
    }

    @Test
    void coinrunTestCoinSpreadsOverTheLevel() {
        Distribution d = CoinRun.TYPE.distribution("test", Map.of());
        CoinRun c = (CoinRun) d.create();
        Set<Integer> columns = new HashSet<>();
        for (long i = 0; i < 1000; i++) {
            c.reset(d.levelSeed(i));
            columns.add(c.coinX());
        }
        assertTrue(columns.size() >= c.width - 2, "coin columns seen: " + columns.size());
    }

    @Test
    void coinrunRandomCoinFractionIsRespected() {
        Distribution d = CoinRun.TYPE.distribution("train", Map.of("random_coin", 0.2));
        CoinRun c = (CoinRun) d.create();
        int moved = 0;
        for (long i = 0; i < 2000; i++) {
            c.reset(d.levelSeed(i));
            if (c.coinX() != c.width - 1) {
                moved++;
            }
        }
        assertTrue(moved > 330 && moved < 470, "moved " + moved + " of 2000 at p=0.2");
    }

    @Test
    void lavaTestStripsTakeEveryAllowedRow() {
        Distribution d = Lava.TYPE.distribution("test", Map.of());
        Lava l = (Lava) d.create();
        Set<Integer> rows = new HashSet<>();
        for (long i = 0; i < 200; i++) {
            l.reset(d.levelSeed(i));
            rows.add(l.strip2Row());
        }
        assertTrue(rows.size() == l.height - 3, "rows " + rows);
    }
}
