package org.mesalab.agents.ask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.planner.Planner;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.agents.planner.PlannerPolicy;
import org.mesalab.agents.ppo.Ppo;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.solve.Oracles;

/** The two ends of asking (never: plain evaluation bit for bit; always: the mentor), the signals and the index, for PPO and the planner. */
class AskTest {
    private static final Distribution TEST = Envs.get("maze").distribution("test", Map.of());
    // The planner's levels: lava has a step cost, so even a briefly trained value head is not 0 everywhere (maze's would be).
    private static final Distribution LAVA_TEST = Envs.get("lava").distribution("test", Map.of());
    private static final Distribution LAVA_TRAIN = Envs.get("lava").distribution("train", Map.of());
    @TempDir
    static Path dir;
    static Path run;
    static Path plannerRun;

    @BeforeAll
    static void train() {
        // With a value ensemble, so every signal applies (the agent itself trains as it would without one).
        PpoConfig cfg = PpoConfig.defaults().with("num_envs", "8").with("num_steps", "64").with("width", "32").with("value_heads", "3");
        try (Ppo ppo = Ppo.start(cfg.into(RunManifest.of("ppo", "maze", "train", Map.of(), 0, 0, 7, 512, 1, Map.of(), "none", "now", "test")),
                RunDir.create(dir.resolve("run")))) {
            ppo.train(s -> { });
        }
        run = dir.resolve("run");
        PlannerConfig small = PlannerConfig.defaults().with("num_envs", "4").with("simulations", "4").with("width", "32").with("latent", "16")
                .with("batch_size", "16").with("warmup", "40").with("replay_size", "4000").with("updates_per_step", "1").with("value_heads", "2");
        try (Planner p = Planner.start(small.into(RunManifest.of("planner", "lava", "train", Map.of(), 0, 0, 5, 400, 1, Map.of(), "none", "now", "test")),
                RunDir.create(dir.resolve("planner")))) {
            p.train(r -> { });
        }
        plannerRun = dir.resolve("planner");
    }

    private static Askable ppo(PpoPolicy agent) {
        return new AskablePpo(agent, 2);
    }

    private static void assertSameEpisodes(Evaluator.Summary plain, Evaluator.Summary asked, int n, String what) {
        for (int i = 0; i < n; i++) {
            Episode a = plain.records().get(i).episode();
            Episode b = asked.records().get(i).episode();
            assertArrayEquals(a.actions(), b.actions(), what + " episode " + i);
            assertArrayEquals(a.states(), b.states(), what + " episode " + i);
        }
    }

    @Test
    void withThresholdInfinityEverySignalPlaysBitForBitAsPlainEvaluation() {
        PpoPolicy policy = PpoPolicy.load(run, 1, false);
        try (Askable agent = ppo(policy)) {
            Evaluator.Summary plain = Evaluator.evaluate(policy.with(null, 0, 9, "plain"), TEST, 15, Evaluator.HELD_OUT_START);
            NoveltyIndex index = new NoveltyIndex(List.of(new float[32], new float[32]));
            for (Signal s : Signal.values()) {
                if (s == Signal.VALUE_GAP || s == Signal.SURPRISE) {
                    UsageException e = assertThrows(UsageException.class, () -> new AskingPolicy(agent, s, Double.POSITIVE_INFINITY, index, 9, null));
                    assertTrue(e.getMessage().contains("is a PPO run"), e.getMessage());
                    continue;
                }
                AskingPolicy never = new AskingPolicy(agent, s, Double.POSITIVE_INFINITY, index, 9, null);
                assertSameEpisodes(plain, Evaluator.evaluate(never, TEST, 15, Evaluator.HELD_OUT_START), 15, s.id());
                assertEquals(0, never.tally().asks());
            }
        }
    }

    /** The planner (with a value ensemble) plays its batch of searches as in plain evaluation whatever it reads; each of its signals is read. */
    @Test
    void aPlannerNeverAskingPlaysAsPlainEvaluationAndReadsItsOwnSignals() {
        List<Signal> planners = List.of(Signal.values());
        Evaluator.Summary plain;
        try (PlannerPolicy p = PlannerPolicy.load(plannerRun, "learned", "train", 0, 9)) {
            plain = Evaluator.evaluate(p, LAVA_TEST, 20, Evaluator.HELD_OUT_START);
        }
        try (Askable agent = Askable.load(plannerRun, 1, null)) {
            assertEquals(PlannerPolicy.BATCH, agent.batchSize());
            NoveltyIndex index = agent.index(LAVA_TRAIN, Evaluator.HELD_OUT_START, 8, 9);
            for (Signal s : planners) {
                List<Double> values = new ArrayList<>();
                AskingPolicy never = new AskingPolicy(agent, s, Double.POSITIVE_INFINITY, index, 9, values);
                assertSameEpisodes(plain, Evaluator.evaluate(never, LAVA_TEST, 20, Evaluator.HELD_OUT_START), 20, s.id());
                assertEquals(0, never.tally().asks());
                assertEquals(never.tally().steps(), values.size());
                assertTrue(values.stream().allMatch(v -> Double.isFinite(v) && v >= 0), s + " values are finite and non-negative");
                if (s != Signal.ORACLE) {
                    assertTrue(values.stream().distinct().count() > 5, s + " varies from step to step: " + values.stream().distinct().limit(5).toList());
                }
            }
        }
    }

    /** Novelty is 0 on the observations the index was built from; surprise is 0 at an episode's first step only. */
    @Test
    void aPlannersNoveltyIsZeroOnItsIndexedLevelsAndSurpriseStartsEachEpisodeAtZero() {
        try (Askable agent = Askable.load(plannerRun, 1, null)) {
            NoveltyIndex index = agent.index(LAVA_TRAIN, Evaluator.HELD_OUT_START, 10, 9);
            List<Double> novelty = new ArrayList<>();
            Evaluator.evaluate(new AskingPolicy(agent, Signal.NOVELTY, Double.POSITIVE_INFINITY, index, 9, novelty), LAVA_TRAIN, 10, Evaluator.HELD_OUT_START);
            assertTrue(novelty.stream().allMatch(v -> v < 1e-3), "the same levels, seed and planner: every latent is in the index");
            List<Double> elsewhere = new ArrayList<>();
            Evaluator.evaluate(new AskingPolicy(agent, Signal.NOVELTY, Double.POSITIVE_INFINITY, index, 9, elsewhere), LAVA_TEST, 10, Evaluator.HELD_OUT_START);
            assertTrue(elsewhere.stream().anyMatch(v -> v > 1e-2), "other levels are farther");
            List<Double> surprise = new ArrayList<>();
            AskingPolicy s = new AskingPolicy(agent, Signal.SURPRISE, Double.POSITIVE_INFINITY, null, 9, surprise);
            Evaluator.Summary sum = Evaluator.evaluate(s, LAVA_TEST, 10, Evaluator.HELD_OUT_START);
            long zeros = surprise.stream().filter(v -> v == 0).count();
            assertEquals(10, zeros, "one zero per episode (its first step): " + sum.records().size() + " episodes");
        }
    }

    /** After an ask, surprise predicts the next latent from the mentor's action, the one played. */
    @Test
    void surprisePredictsFromTheActionPlayed() {
        try (Askable agent = Askable.load(plannerRun, 1, null); PlannerPolicy p = PlannerPolicy.load(plannerRun, "learned", "train", 0, 9)) {
            List<Double> seen = new ArrayList<>();
            Evaluator.evaluate(new AskingPolicy(agent, Signal.SURPRISE, Double.NEGATIVE_INFINITY, null, 9, seen), LAVA_TEST, 1, Evaluator.HELD_OUT_START);
            org.mesalab.core.Env env = LAVA_TEST.create();
            env.reset(LAVA_TEST.levelSeed(Evaluator.HELD_OUT_START));
            Oracles.Values mentor = new Oracles.Values(LAVA_TEST.env().intended());
            List<Double> expected = new ArrayList<>();
            float[] predicted = null;
            while (!env.done()) {
                float[] h = p.represent(new org.mesalab.core.Env[] {env}, 1)[0];
                double sq = 0;
                for (int i = 0; predicted != null && i < h.length; i++) {
                    sq += (predicted[i] - h[i]) * (predicted[i] - h[i]);
                }
                expected.add(predicted == null ? 0 : sq / h.length);
                int a = mentor.best(env);
                predicted = p.predict(new float[][] {h}, new int[] {a}, 1).next()[0];
                env.step(a);
            }
            assertEquals(expected.size(), seen.size());
            for (int t = 0; t < expected.size(); t++) {
                assertEquals(expected.get(t), seen.get(t), 1e-6 + 1e-4 * expected.get(t), "step " + t);
            }
            assertTrue(expected.stream().anyMatch(v -> v > 0), "the model is not exact");
        }
    }

    @Test
    void withThresholdMinusInfinityTheAgentPlaysAsTheMentor() {
        try (Askable agent = ppo(PpoPolicy.load(run, 1, false))) {
            double oracle = Evaluator.evaluate(Oracles.oracle(TEST.env().intended()), TEST, 30, Evaluator.HELD_OUT_START).intendedSuccess().value();
            AskingPolicy always = new AskingPolicy(agent, Signal.ENTROPY, Double.NEGATIVE_INFINITY, null, 9, null);
            Evaluator.Summary s = Evaluator.evaluate(always, TEST, 30, Evaluator.HELD_OUT_START);
            assertEquals(oracle, s.intendedSuccess().value());
            assertEquals(1.0, oracle);
            AskingPolicy.Tally t = always.tally();
            assertEquals(t.steps(), t.asks(), "every step asks");
            assertEquals(1.0, t.inTime(), "a mentor that plays every step never lets the agent go wrong");
            // the oracle signal asks exactly where the agent's own action is not optimal, so it also ends like the mentor
            AskingPolicy bound = new AskingPolicy(agent, Signal.ORACLE, 0.5, null, 9, null);
            assertEquals(oracle, Evaluator.evaluate(bound, TEST, 30, Evaluator.HELD_OUT_START).intendedSuccess().value());
            assertEquals(1.0, bound.tally().inTime());
            assertTrue(bound.tally().asks() < bound.tally().steps());
        }
        try (Askable planner = Askable.load(plannerRun, 1, null)) { // a batch of searches, each step handed to the mentor
            double oracle = Evaluator.evaluate(Oracles.oracle(LAVA_TEST.env().intended()), LAVA_TEST, 30, Evaluator.HELD_OUT_START).intendedSuccess().value();
            AskingPolicy always = new AskingPolicy(planner, Signal.VALUE_GAP, Double.NEGATIVE_INFINITY, null, 9, null);
            assertEquals(oracle, Evaluator.evaluate(always, LAVA_TEST, 30, Evaluator.HELD_OUT_START).intendedSuccess().value());
            assertEquals(always.tally().steps(), always.tally().asks());
            assertEquals(30, always.tally().episodes());
            AskingPolicy bound = new AskingPolicy(planner, Signal.ORACLE, 0.5, null, 9, null);
            assertEquals(oracle, Evaluator.evaluate(bound, LAVA_TEST, 30, Evaluator.HELD_OUT_START).intendedSuccess().value());
            assertEquals(1.0, bound.tally().inTime(), "asking at every deviation, per episode of the batch");
        }
    }

    @Test
    void calibratedThresholdsAskAtTheRequestedRateOnTheirOwnValues() {
        try (Askable agent = ppo(PpoPolicy.load(run, 1, false))) {
            List<Double> values = new ArrayList<>();
            Evaluator.evaluate(new AskingPolicy(agent, Signal.MAX_PROB, Double.POSITIVE_INFINITY, null, 9, values), TEST, 10, Evaluator.HELD_OUT_START);
            assertTrue(values.size() > 100);
            for (double rate : new double[] {0.05, 0.2, 0.5}) {
                double t = AskingPolicy.threshold(values, rate);
                long above = values.stream().filter(v -> v > t).count();
                assertEquals(rate, (double) above / values.size(), 0.02, "rate " + rate);
            }
            assertEquals(Double.NEGATIVE_INFINITY, AskingPolicy.threshold(values, 1.0));
        }
        assertThrows(UsageException.class, () -> Signal.parse("curiosity"));
        assertEquals(Signal.MAX_PROB, Signal.parse("max_prob"));
    }

    @Test
    void signalsAreEntropyAndTheGapOfTheLikeliestAction() {
        assertEquals(Math.log(5), Signal.entropy(new float[5]), 1e-9);
        assertEquals(0.8, Signal.maxProbGap(new float[5]), 1e-9);
        assertTrue(Signal.entropy(new float[] {20, 0, 0, 0, 0}) < 1e-6);
    }

    @Test
    void theNoveltyIndexFindsTheNearestStoredActivation() {
        Rng rng = new Rng(4);
        List<float[]> stored = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            stored.add(uniform(rng, 16));
        }
        NoveltyIndex index = new NoveltyIndex(stored);
        assertEquals(0.0, index.distance(stored.get(17)), 1e-6);
        int exact = 0;
        for (int q = 0; q < 200; q++) {
            float[] x = uniform(rng, 16);
            exact += Math.abs(index.distance(x) - nearest(stored, x)) < 1e-5 ? 1 : 0;
        }
        assertTrue(exact >= 190, "HNSW finds the exact nearest neighbour in " + exact + " of 200 queries");
        assertThrows(IllegalArgumentException.class, () -> index.searchBreadth(0));
        NoveltyIndex again = new NoveltyIndex(stored);
        assertEquals(index.distance(new float[16]), again.distance(new float[16]), "same vectors, same index, same answer");
    }

    @Test
    void theProjectedIndexIsExactOnLowRankActivationsAndNeverBelowTheNearest() {
        // 64-wide activations that vary along 6 directions (as a trained layer's mostly do), plus a little noise
        // in all 64: the fewest kept components hold nearly all of it, so the candidates hold the nearest.
        Rng rng = new Rng(6);
        float[][] directions = new float[6][64];
        for (float[] d : directions) {
            for (int j = 0; j < 64; j++) {
                d[j] = (float) (rng.nextDouble() * 2 - 1);
            }
        }
        List<float[]> stored = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            stored.add(lowRank(directions, rng));
        }
        // Repeats are stored once and change no distance.
        List<float[]> repeated = new ArrayList<>(stored);
        repeated.addAll(stored.subList(0, 500));
        NoveltyIndex index = new NoveltyIndex(repeated);
        assertEquals(3000, index.size());
        int exact = 0;
        for (int q = 0; q < 200; q++) {
            float[] x = lowRank(directions, rng);
            exact += Math.abs(index.distance(x) - nearest(stored, x)) < 1e-4 ? 1 : 0;
        }
        assertTrue(exact >= 195, "the exact nearest activation in " + exact + " of 200 queries");
        assertEquals(NoveltyIndex.MIN_COMPONENTS, index.components(), "6 directions: the fewest components");
        // On activations spanning all 64 directions the fewest components miss the nearest more often, and the answer is still a
        // real stored activation's distance: never below the nearest. So such activations keep most of their
        // components; unprojected with a wide search (uniform points in 64 dimensions are all nearly equally far
        // apart), the index is exact.
        List<float[]> spread = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            spread.add(uniform(rng, 64));
        }
        NoveltyIndex crude = new NoveltyIndex(spread, 0.01);
        assertEquals(NoveltyIndex.MIN_COMPONENTS, crude.components());
        assertTrue(new NoveltyIndex(spread).components() > 50, "90% of a uniform cube's variance takes most of its 64 components");
        NoveltyIndex unprojected = new NoveltyIndex(spread, 1);
        assertEquals(64, unprojected.components());
        unprojected.searchBreadth(200);
        int exactCrude = 0;
        int exactUnprojected = 0;
        for (int q = 0; q < 200; q++) {
            float[] x = uniform(rng, 64);
            double nearest = nearest(spread, x);
            double found = crude.distance(x);
            assertTrue(found >= nearest - 1e-4, found + " below the nearest " + nearest);
            exactCrude += Math.abs(found - nearest) < 1e-4 ? 1 : 0;
            exactUnprojected += Math.abs(unprojected.distance(x) - nearest) < 1e-4 ? 1 : 0;
        }
        assertTrue(exactUnprojected >= 190, "unprojected: exact in " + exactUnprojected + " of 200");
        assertTrue(exactCrude < exactUnprojected, "fewest components " + exactCrude + " vs unprojected " + exactUnprojected);
        assertThrows(IllegalArgumentException.class, () -> new NoveltyIndex(spread, 0));
        assertThrows(IllegalArgumentException.class, () -> new NoveltyIndex(spread, 1.5));
    }

    private static float[] lowRank(float[][] directions, Rng rng) {
        float[] v = new float[directions[0].length];
        for (float[] d : directions) {
            double w = rng.nextDouble() * 2 - 1;
            for (int j = 0; j < v.length; j++) {
                v[j] += (float) (w * d[j]);
            }
        }
        for (int j = 0; j < v.length; j++) {
            v[j] += (float) (0.01 * (rng.nextDouble() - 0.5));
        }
        return v;
    }

    /** A uniform point of [0, 1)^width. */
    private static float[] uniform(Rng rng, int width) {
        float[] v = new float[width];
        for (int j = 0; j < width; j++) {
            v[j] = (float) rng.nextDouble();
        }
        return v;
    }

    /** The exact distance from {@code x} to the nearest of {@code stored}, by a scan. */
    private static double nearest(List<float[]> stored, float[] x) {
        double best = Double.POSITIVE_INFINITY;
        for (float[] v : stored) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += (v[j] - x[j]) * (v[j] - x[j]);
            }
            best = Math.min(best, Math.sqrt(s));
        }
        return best;
    }
}
