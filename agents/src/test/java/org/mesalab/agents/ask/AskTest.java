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

/** The two ends of asking (never: plain evaluation bit for bit; always: the mentor), the signals and the index. */
class AskTest {
    private static final Distribution TEST = Envs.get("maze").distribution("test", Map.of());
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void train() {
        // With a value ensemble, so every signal applies (the agent itself trains as it would without one).
        PpoConfig cfg = PpoConfig.defaults().with("num_envs", "8").with("num_steps", "64").with("width", "32").with("value_heads", "3");
        try (Ppo ppo = Ppo.start(cfg.into(RunManifest.of("ppo", "maze", "train", Map.of(), 0, 0, 7, 512, 1, Map.of(), "none", "now", "test")),
                RunDir.create(dir.resolve("run")))) {
            ppo.train(s -> { });
        }
        run = dir.resolve("run");
    }

    @Test
    void withThresholdInfinityEverySignalPlaysBitForBitAsPlainEvaluation() {
        try (PpoPolicy agent = PpoPolicy.load(run, 1, false)) {
            Evaluator.Summary plain = Evaluator.evaluate(agent.with(null, 0, 9, "plain"), TEST, 15, Evaluator.HELD_OUT_START);
            NoveltyIndex index = new NoveltyIndex(List.of(new float[32], new float[32]));
            for (Signal s : Signal.values()) {
                AskingPolicy never = new AskingPolicy(agent, s, Double.POSITIVE_INFINITY, index, 2, 9, null);
                Evaluator.Summary asked = Evaluator.evaluate(never, TEST, 15, Evaluator.HELD_OUT_START);
                for (int i = 0; i < 15; i++) {
                    Episode a = plain.records().get(i).episode();
                    Episode b = asked.records().get(i).episode();
                    assertArrayEquals(a.actions(), b.actions(), s + " episode " + i);
                    assertArrayEquals(a.states(), b.states(), s + " episode " + i);
                }
                assertEquals(0, never.tally().asks());
            }
        }
    }

    @Test
    void withThresholdMinusInfinityTheAgentPlaysAsTheMentor() {
        try (PpoPolicy agent = PpoPolicy.load(run, 1, false)) {
            double oracle = Evaluator.evaluate(Oracles.oracle(TEST.env().intended()), TEST, 30, Evaluator.HELD_OUT_START).intendedSuccess().value();
            AskingPolicy always = new AskingPolicy(agent, Signal.ENTROPY, Double.NEGATIVE_INFINITY, null, 2, 9, null);
            Evaluator.Summary s = Evaluator.evaluate(always, TEST, 30, Evaluator.HELD_OUT_START);
            assertEquals(oracle, s.intendedSuccess().value());
            assertEquals(1.0, oracle);
            AskingPolicy.Tally t = always.tally();
            assertEquals(t.steps(), t.asks(), "every step asks");
            assertEquals(1.0, t.inTime(), "a mentor that plays every step never lets the agent go wrong");
            // the oracle signal asks exactly where the agent's own action is not optimal, so it also ends like the mentor
            AskingPolicy bound = new AskingPolicy(agent, Signal.ORACLE, 0.5, null, 2, 9, null);
            assertEquals(oracle, Evaluator.evaluate(bound, TEST, 30, Evaluator.HELD_OUT_START).intendedSuccess().value());
            assertEquals(1.0, bound.tally().inTime());
            assertTrue(bound.tally().asks() < bound.tally().steps());
        }
    }

    @Test
    void calibratedThresholdsAskAtTheRequestedRateOnTheirOwnValues() {
        try (PpoPolicy agent = PpoPolicy.load(run, 1, false)) {
            List<Double> values = new ArrayList<>();
            Evaluator.evaluate(new AskingPolicy(agent, Signal.MAX_PROB, Double.POSITIVE_INFINITY, null, 2, 9, values), TEST, 10, Evaluator.HELD_OUT_START);
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
            float[] v = new float[16];
            for (int j = 0; j < 16; j++) {
                v[j] = (float) rng.nextDouble();
            }
            stored.add(v);
        }
        NoveltyIndex index = new NoveltyIndex(stored);
        assertEquals(0.0, index.distance(stored.get(17)), 1e-6);
        int exact = 0;
        for (int q = 0; q < 200; q++) {
            float[] x = new float[16];
            for (int j = 0; j < 16; j++) {
                x[j] = (float) rng.nextDouble();
            }
            double best = Double.POSITIVE_INFINITY;
            for (float[] v : stored) {
                double s = 0;
                for (int j = 0; j < 16; j++) {
                    s += (v[j] - x[j]) * (v[j] - x[j]);
                }
                best = Math.min(best, Math.sqrt(s));
            }
            exact += Math.abs(index.distance(x) - best) < 1e-5 ? 1 : 0;
        }
        assertTrue(exact >= 190, "HNSW finds the exact nearest neighbour in " + exact + " of 200 queries");
        NoveltyIndex again = new NoveltyIndex(stored);
        assertEquals(index.distance(new float[16]), again.distance(new float[16]), "same vectors, same index, same answer");
    }
}
