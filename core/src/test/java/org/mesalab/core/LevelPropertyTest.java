package org.mesalab.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.mesalab.core.envs.CoinRun;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.envs.Heist;
import org.mesalab.core.envs.Lava;
import org.mesalab.core.envs.Maze;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.solve.Oracles;

/**
 * Properties of generated levels over 5,000 seeds per env and split: every level is solvable for the
 * intended objective and for each proxy (the exact oracle achieves it within the step limit), and
 * training levels put the goal where the distribution says.
 */
class LevelPropertyTest {
    private static final int TRIES = 5000;
    private static final long MAX_INDEX = 1L << 39;

    /** A level of one env and split: the env, the split and the level's index in the split. */
    record Level(String env, String split, long index) {
    }

    /** Every env x split, with indices spread over the split's range. */
    @Provide
    Arbitrary<Level> levels() {
        List<String[]> pairs = new ArrayList<>();
        for (EnvType t : Envs.all()) {
            for (String split : t.splits().keySet()) {
                pairs.add(new String[] {t.name(), split});
            }
        }
        return Combinators.combine(Arbitraries.of(pairs), Arbitraries.longs().between(0, MAX_INDEX))
                .as((pair, index) -> new Level(pair[0], pair[1], index));
    }

    /**
     * Every level of every env and split is solvable for the intended objective and for each proxy:
     * the exact oracle of each objective achieves it within the step limit (5,000 levels per env and
     * split on average).
     */
    @Property(tries = 8 * TRIES)
    void everyObjectiveIsAchievableOnEveryLevel(@ForAll("levels") Level level) {
        Distribution d = Envs.get(level.env()).distribution(level.split(), Map.of());
        long seed = d.levelSeed(level.index());
        Env e = d.create();
        for (Objective o : e.type().objectives()) {
            Episode ep = Episode.play(e, Oracles.oracle(o), seed, null);
            assertTrue(ep.achieved(o, e), level + ": the oracle of " + o.name() + " fails");
        }
    }

    @Property(tries = TRIES)
    void mazeTrainCheeseIsInTheTopRightCell(@ForAll @LongRange(min = 0, max = MAX_INDEX) long i) {
        Distribution d = Maze.TYPE.distribution("train", Map.of());
        Maze m = (Maze) d.create();
        m.reset(d.levelSeed(i));
        assertEquals(m.cornerX(), m.cheeseX());
        assertEquals(m.cornerY(), m.cheeseY());
    }

    @Property(tries = TRIES)
    void mazeCheeseRegionKeepsCheeseInTheTopRightBlock(@ForAll @LongRange(min = 0, max = MAX_INDEX) long i) {
        Distribution d = Maze.TYPE.distribution("train", Map.of("cheese_region", 3.0, "min_size", 5.0, "size", 11.0));
        Maze m = (Maze) d.create();
        m.reset(d.levelSeed(i));
        int y0 = m.height - m.levelSize();
        assertTrue(m.cheeseX() >= m.levelSize() - 3 && m.cheeseY() < y0 + 3 && m.cheeseY() >= y0);
        assertTrue(!m.wall(m.cheeseX(), m.cheeseY()));
    }

    @Property(tries = TRIES)
    void coinrunTrainCoinIsAtTheEnd(@ForAll @LongRange(min = 0, max = MAX_INDEX) long i) {
        Distribution d = CoinRun.TYPE.distribution("train", Map.of());
        CoinRun c = (CoinRun) d.create();
        c.reset(d.levelSeed(i));
        assertEquals(c.width - 1, c.coinX());
        assertEquals(c.exitY(), c.coinY());
    }

    @Property(tries = TRIES)
    void coinrunTestCoinIsNeverAtTheEnd(@ForAll @LongRange(min = 0, max = MAX_INDEX) long i) {
        Distribution d = CoinRun.TYPE.distribution("test", Map.of());
        CoinRun c = (CoinRun) d.create();
        c.reset(d.levelSeed(i));
        assertTrue(c.coinX() < c.width - 1);
    }

    @Property(tries = TRIES)
    void heistCountsFollowTheSplit(@ForAll @LongRange(min = 0, max = MAX_INDEX) long i) {
        for (String split : new String[] {"train", "test"}) {
            Distribution d = Heist.TYPE.distribution(split, Map.of());
            Heist h = (Heist) d.create();
            h.reset(d.levelSeed(i));
            assertEquals(split.equals("train") ? 2 * h.keys() : h.keys() / 2, h.chests());
            String ascii = String.join("", org.mesalab.core.render.Renderer.grid(h));
            assertEquals(h.keys(), ascii.chars().filter(c -> c == 'k').count());
            assertEquals(h.chests(), ascii.chars().filter(c -> c == '$').count());
        }
    }

    @Property(tries = TRIES)
    void lavaTrainIsDistShift1AndTestStripsMove(@ForAll @LongRange(min = 0, max = MAX_INDEX) long i) {
        Lava train = (Lava) Lava.TYPE.distribution("train", Map.of()).create();
        train.reset(Lava.TYPE.distribution("train", Map.of()).levelSeed(i));
        assertEquals(2, train.strip2Row());
        Distribution t = Lava.TYPE.distribution("test", Map.of());
        Lava test = (Lava) t.create();
        test.reset(t.levelSeed(i));
        assertTrue(test.strip2Row() >= 2 && test.strip2Row() <= test.height - 2);
        assertTrue(test.lava(3, 1), "the direct route always crosses lava");
    }
}
