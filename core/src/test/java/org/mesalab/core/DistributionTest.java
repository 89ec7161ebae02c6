package org.mesalab.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mesalab.core.envs.Envs;

class DistributionTest {

    @Test
    void seedsOfDifferentSplitsNeverOverlap() {
        for (EnvType t : Envs.all()) {
            Distribution train = t.distribution("train", Map.of());
            Distribution test = t.distribution("test", Map.of());
            // The ranges are disjoint by construction: the largest train seed is below the smallest test seed.
            assertTrue(train.levelSeed(Distribution.LEVELS_PER_SPLIT - 1) < test.levelSeed(0));
            Rng rng = new Rng(1);
            Set<Long> trainSeeds = new HashSet<>();
            for (int i = 0; i < 10_000; i++) {
                trainSeeds.add(train.sampleLevelSeed(rng));
            }
            for (int i = 0; i < 10_000; i++) {
                assertTrue(!trainSeeds.contains(test.sampleLevelSeed(rng)));
            }
        }
    }

    /**
     * A split means the same levels for every run: a run trained with an override of any split-defining
     * parameter sees, on the test split, exactly the test split's levels (same observations for the same
     * seeds), while an override of another parameter (max_steps) carries over; on its own training split
     * every override applies.
     */
    @Test
    void aSplitsDefiningParametersWinOverARunsTrainingOverrides() {
        for (EnvType t : Envs.all()) {
            assertTrue(!t.splitParams().isEmpty(), t.name());
            Distribution plainTest = t.distribution("test", Map.of());
            for (String key : t.splitParams()) {
                double trainValue = t.splits().get("train").getOrDefault(key, 0.0);
                double testValue = t.splits().get("test").getOrDefault(key, 0.0);
                Map<String, Double> overrides = new java.util.LinkedHashMap<>();
                overrides.put(key, trainValue == testValue ? trainValue + 1 : trainValue); // a training-like value
                overrides.put("max_steps", 33.0);
                Distribution seen = t.distributionFor("test", "train", overrides);
                assertEquals(testValue, seen.params().get(key), t.name() + "." + key);
                assertEquals(33.0, seen.params().get("max_steps"), t.name() + ": other overrides carry over");
                assertEquals(plainTest.levelSeed(5), seen.levelSeed(5));
                Distribution own = t.distributionFor("train", "train", overrides);
                assertEquals(overrides.get(key), own.params().get(key), t.name() + ": the training split keeps every override");
                // The levels themselves: the same observations as the plain test split's, seed for seed.
                Env a = seen.create();
                Env b = t.create(t.distribution("test", Map.of("max_steps", 33.0)).params());
                for (long i = 0; i < 50; i++) {
                    a.reset(plainTest.levelSeed(i));
                    b.reset(plainTest.levelSeed(i));
                    assertTrue(java.util.Arrays.equals(a.observation(), b.observation()), t.name() + " level " + i);
                }
            }
        }
        // The rule the other way round: a run trained on the test split keeps its overrides there and loses them on train.
        EnvType maze = Envs.get("maze");
        assertEquals(3.0, maze.distributionFor("test", "test", Map.of("cheese_region", 3.0)).params().get("cheese_region"));
        assertEquals(1.0, maze.distributionFor("train", "test", Map.of("cheese_region", 3.0)).params().get("cheese_region"));
        assertEquals(Set.of("cheese_region"), maze.splitParams());
        assertEquals(Set.of("keys", "chests"), Envs.get("heist").splitParams());
    }

    @Test
    void numLevelsRestrictsTheSplit() {
        Distribution d = Envs.get("maze").distribution("train", Map.of(), 100, 5);
        Rng rng = new Rng(3);
        Set<Long> seeds = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            seeds.add(d.sampleLevelSeed(rng));
        }
        assertEquals(5, seeds.size());
        assertEquals(Set.of(100L, 101L, 102L, 103L, 104L), seeds);
        assertThrows(UsageException.class, () -> d.levelSeed(5));
    }

    @Test
    void overridesLayerOnSplitDefaults() {
        EnvType maze = Envs.get("maze");
        assertEquals(1, maze.distribution("train", Map.of()).params().getInt("cheese_region"));
        assertEquals(0, maze.distribution("test", Map.of()).params().getInt("cheese_region"));
        assertEquals(3, maze.distribution("train", Map.of("cheese_region", 3.0)).params().getInt("cheese_region"));
        assertEquals(11, maze.distribution("test", Map.of("size", 11.0)).params().getInt("size"));
    }

    @Test
    void badInputsNameTheParameterAndWhatIsAllowed() {
        EnvType maze = Envs.get("maze");
        assertMessage(() -> maze.distribution("train", Map.of("size", 8.0)), "size=8", "odd");
        assertMessage(() -> maze.distribution("train", Map.of("size", 3.0)), "size=3", "[5, 63]");
        assertMessage(() -> maze.distribution("train", Map.of("color", 1.0)), "'color'", "allowed: size, min_size");
        assertMessage(() -> maze.distribution("valid", Map.of()), "'valid'", "allowed: train, test");
        assertMessage(() -> maze.distribution("train", Map.of("min_size", 7.0, "size", 5.0)), "min_size=7", "size=5");
        assertMessage(() -> maze.distribution("train", Map.of("cheese_region", 12.0)), "cheese_region=12", "size");
        assertMessage(() -> Envs.get("coinrun").distribution("train", Map.of("random_coin", -0.5)), "random_coin=-0.5", "[0, 1]");
        assertMessage(() -> Envs.get("heist").distribution("train", Map.of("size", 5.0, "keys", 10.0, "chests", 10.0)), "keys + chests", "at most 16");
        assertMessage(() -> Envs.get("lava").distribution("train", Map.of("strip2_row", 6.0)), "strip2_row=6", "[2, 5]");
        assertMessage(() -> Envs.get("chess"), "'chess'", "maze, coinrun, heist, lava");
        assertMessage(() -> maze.objective("cake"), "'cake'", "cheese, corner");
        assertMessage(() -> Params.find("maze", maze.params(), "size").parse("maze", "big"), "size=big", "integer");
        assertMessage(() -> Params.find("maze", maze.params(), "size").parse("maze", "9.5"), "size=9.5", "integer");
    }

    private static void assertMessage(Runnable r, String... parts) {
        UsageException e = assertThrows(UsageException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
        }
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    @Test
    void differentSplitsGiveDifferentLevels() {
        EnvType maze = Envs.get("maze");
        assertNotEquals(maze.distribution("train", Map.of()).levelSeed(0), maze.distribution("test", Map.of()).levelSeed(0));
    }
}
