package org.mesalab.agents.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.ppo.Ppo;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Evaluator;

/** Probes on known answers, hooks that change nothing unless asked, steering, decision squares, .npy files. */
class InterpTest {
    private static final Distribution TEST = Envs.get("maze").distribution("test", Map.of());

    /** One PPO update (512 steps) of a small network: enough to have weights that are not the initial ones. */
    private static Path tiny(Path dir, String... settings) {
        PpoConfig cfg = PpoConfig.defaults().with("num_envs", "8").with("num_steps", "64").with("width", "32");
        for (int i = 0; i < settings.length; i += 2) {
            cfg = cfg.with(settings[i], settings[i + 1]);
        }
        Distribution d = RunManifest.trainDistribution(Envs.get("maze"), "train", Map.of(), 0, 0);
        try (Ppo ppo = Ppo.start(cfg.into(RunManifest.of("ppo", "maze", "train", Map.of(), 0, 0, 7, 512, 1, Map.of(), "none", "now", "test")),
                RunDir.create(dir))) {
            ppo.train(s -> { });
        }
        return dir;
    }

    @Test
    void aProbeReadsALayerThatCopiesTheCheesePlaneAndNotOneThatIgnoresIt() {
        // 49 cells; the "copy" layer is the cheese's one-hot cell plus 16 noise features, the other layer only noise.
        Rng rng = new Rng(3);
        int n = 2000;
        float[][] copy = new float[n][];
        float[][] noise = new float[n][];
        int[] y = new int[n];
        int[] level = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(49);
            level[i] = i;
            copy[i] = new float[49 + 16];
            copy[i][y[i]] = 1;
            noise[i] = new float[65];
            for (int j = 0; j < 65; j++) {
                noise[i][j] = (float) (rng.nextDouble() * 2 - 1);
                if (j >= 49) {
                    copy[i][j] = noise[i][j];
                }
            }
        }
        Probe.Data fitCopy = new Probe.Data(java.util.Arrays.copyOf(copy, 1000), java.util.Arrays.copyOf(y, 1000), java.util.Arrays.copyOf(level, 1000));
        Probe.Data scoreCopy = new Probe.Data(java.util.Arrays.copyOfRange(copy, 1000, n), java.util.Arrays.copyOfRange(y, 1000, n), java.util.Arrays.copyOfRange(level, 1000, n));
        Probe.Fit known = Probe.fit(fitCopy, scoreCopy);
        assertTrue(known.accuracy() > 0.99, "copied plane: " + known);
        Probe.Data fitNoise = new Probe.Data(java.util.Arrays.copyOf(noise, 1000), fitCopy.y(), fitCopy.level());
        Probe.Data scoreNoise = new Probe.Data(java.util.Arrays.copyOfRange(noise, 1000, n), scoreCopy.y(), scoreCopy.level());
        Probe.Fit none = Probe.fit(fitNoise, scoreNoise);
        assertTrue(none.accuracy() < 0.06, "noise must stay near chance (1/49): " + none);
        assertEquals(49, known.classes());
        assertTrue(none.chance() < 0.05);
    }

    @Test
    void samplesWithoutALabelAreSkippedAndAnUnseenClassCountsAsWrong() {
        float[][] x = {{1, 0}, {0, 1}, {1, 0}, {0, 1}, {1, 0}, {0, 1}};
        Probe.Fit f = Probe.fit(new Probe.Data(x, new int[] {0, 1, 0, 1, -1, -1}, new int[] {0, 1, 2, 3, 4, 5}),
                new Probe.Data(new float[][] {{1, 0}, {0, 1}, {0, 1}}, new int[] {0, 1, 7}, new int[] {0, 1, 2}));
        assertEquals(4, f.fitSamples());
        assertEquals(2.0 / 3, f.accuracy(), 1e-12);
    }

    @Test
    void namedLayersOfEveryNetworkAndTheirWidths(@TempDir Path dir) {
        try (PpoPolicy mlp = PpoPolicy.load(tiny(dir.resolve("mlp")), 1, false);
             PpoPolicy conv = PpoPolicy.load(tiny(dir.resolve("conv"), "network", "conv", "channels", "4-8", "depth", "1"), 1, false);
             PpoPolicy lstm = PpoPolicy.load(tiny(dir.resolve("lstm"), "lstm_size", "16", "num_minibatches", "2"), 1, false)) {
            assertEquals(List.of("input", "hidden1", "hidden2"), mlp.network().layerNames());
            assertEquals(List.of("input", "stage1", "stage2", "dense"), conv.network().layerNames());
            assertEquals(List.of("input", "hidden1", "hidden2", "lstm"), lstm.network().layerNames());
            Trajectories t = Trajectories.collect(mlp, TEST, Evaluator.HELD_OUT_START, 3, 10);
            for (PpoPolicy p : List.of(mlp, conv, lstm)) {
                Activations a = Activations.of(p.network(), p.manager(), t);
                for (int l = 0; l < a.layers().size(); l++) {
                    assertEquals(t.size(), a.values().get(l).length);
                    assertEquals(p.network().layerWidth(l), a.values().get(l)[0].length, a.layers().get(l));
                }
                assertArrayEquals(t.observations().get(0), a.values().get(0)[0], "the input layer is the observation");
            }
            // stage1 of a 7 x 7 maze: 4 channels, pooled to 4 x 4
            assertEquals(4 * 4 * 4, conv.network().layerWidth(1));
        }
    }

    @Test
    void steeringWithCoefficientZeroPlaysBitForBitAsNoSteering(@TempDir Path dir) {
        for (String[] settings : List.of(new String[0], new String[] {"lstm_size", "16", "num_minibatches", "2"},
                new String[] {"network", "conv", "channels", "4-8", "depth", "1"})) {
            Path run = tiny(dir.resolve("r" + settings.length + (settings.length > 0 ? settings[0] : "")), settings);
            try (PpoPolicy p = PpoPolicy.load(run, 1, false)) {
                int last = p.network().layerNames().size() - 1;
                SteeringVector v = SteeringVector.ofItem(p, TEST, Evaluator.HELD_OUT_START + 1000, 20, "cheese", null, last);
                assertNotNull(v);
                assertTrue(v.norm() > 0, "the cheese moves the last layer");
                Evaluator.Summary plain = Evaluator.evaluate(p.with(null, 0, 5, "plain"), TEST, 20, Evaluator.HELD_OUT_START);
                Evaluator.Summary zero = Evaluator.evaluate(p.with(v.hook(0), 0, 5, "zero"), TEST, 20, Evaluator.HELD_OUT_START);
                for (int i = 0; i < 20; i++) {
                    org.mesalab.core.eval.Episode x = plain.records().get(i).episode();
                    org.mesalab.core.eval.Episode y = zero.records().get(i).episode();
                    assertArrayEquals(x.actions(), y.actions(), "episode " + i);
                    assertArrayEquals(x.states(), y.states(), "episode " + i);
                    assertArrayEquals(x.eventCounts(), y.eventCounts(), "episode " + i);
                    assertEquals(x.intendedReturn(), y.intendedReturn());
                }
                // a level's own vector (Turner et al.'s protocol) at coefficient 0 also changes nothing; at -50 it does
                SteeringVector own = SteeringVector.perLevel(v, "cheese");
                Steering.Row none = Steering.measure(p, null, 0, TEST, Evaluator.HELD_OUT_START, 10, 5);
                Steering.Row zeroOwn = Steering.measure(p, own, 0, TEST, Evaluator.HELD_OUT_START, 10, 5);
                assertEquals(none, zeroOwn);
                assertFalse(none.equals(Steering.measure(p, own, -50, TEST, Evaluator.HELD_OUT_START, 10, 5)));
                PpoPolicy a = p.with(null, 0, 5, "a");
                PpoPolicy b = p.with(v.hook(0), 0, 5, "b");
                PpoPolicy c = p.with(v.hook(50), 0, 5, "c");
                Env env = TEST.create();
                env.reset(TEST.levelSeed(Evaluator.HELD_OUT_START));
                a.act(env);
                b.act(env);
                c.act(env);
                assertArrayEquals(a.lastLogits(), b.lastLogits());
                assertFalse(java.util.Arrays.equals(a.lastLogits(), c.lastLogits()), "a large coefficient changes the logits");
            }
        }
    }

    @Test
    void thinkingTimeChangesOnlyARecurrentPolicysFirstStep(@TempDir Path dir) {
        try (PpoPolicy p = PpoPolicy.load(tiny(dir.resolve("lstm"), "lstm_size", "16", "num_minibatches", "2"), 1, false)) {
            Env env = TEST.create();
            env.reset(TEST.levelSeed(Evaluator.HELD_OUT_START));
            PpoPolicy none = p.with(null, 0, 5, "0");
            PpoPolicy four = p.with(null, 4, 5, "4");
            none.act(env);
            four.act(env);
            assertFalse(java.util.Arrays.equals(none.lastLogits(), four.lastLogits()));
            assertThrows(IllegalArgumentException.class, () -> p.with(null, -1, 5, "x"));
        }
    }

    @Test
    void decisionSquaresAreWhereTheCheeseAndCornerPathsPart(@TempDir Path dir) {
        try (PpoPolicy p = PpoPolicy.load(tiny(dir.resolve("mlp")), 1, false)) {
            DecisionSquares d = DecisionSquares.measure(p, TEST, Evaluator.HELD_OUT_START, 30);
            // the cheese is never on the corner's path, so every level has a decision square unless the cheese is in the corner
            Env env = TEST.create();
            int separating = 0;
            for (int i = 0; i < 30; i++) {
                env.reset(TEST.levelSeed(Evaluator.HELD_OUT_START + i));
                separating += java.util.Arrays.equals((int[]) env.items().get("cheese"), (int[]) env.items().get("corner")) ? 0 : 1;
            }
            assertTrue(separating >= 20 && separating < 30, "measured: 24 of 30");
            assertEquals(separating, d.towardGoal().length);
            for (double v : d.towardGoal()) {
                assertTrue(v > 0 && v < 1);
            }
            // an untrained-ish policy is near uniform over 5 actions
            assertTrue(d.median() > 0.1 && d.median() < 0.4, "median " + d.median());
        }
    }

    @Test
    void observationEditsTakeAnItemOutAndMoveItToAFreeCell() {
        Env env = TEST.create();
        env.reset(TEST.levelSeed(Evaluator.HELD_OUT_START));
        float[] obs = env.observation();
        int[] cheese = Trajectories.items(env).get("cheese");
        float[] without = ObservationEdits.remove(env, obs, cheese[0], cheese[1]);
        assertTrue(ObservationEdits.free(env, without, cheese[0], cheese[1]));
        assertNull(ObservationEdits.remove(env, obs, env.agentX(), env.agentY()), "the agent's cell is not an item's");
        int[] free = null;
        for (int y = 0; y < env.height && free == null; y++) {
            for (int x = 0; x < env.width; x++) {
                if ((x != cheese[0] || y != cheese[1]) && (x != env.agentX() || y != env.agentY()) && ObservationEdits.free(env, obs, x, y)) {
                    free = new int[] {x, y};
                    break;
                }
            }
        }
        float[] moved = ObservationEdits.move(env, obs, cheese[0], cheese[1], free[0], free[1]);
        float sum = 0;
        float movedSum = 0;
        for (int i = 0; i < obs.length; i++) {
            sum += obs[i];
            movedSum += moved[i];
        }
        assertEquals(sum, movedSum, "nothing created or lost");
        assertTrue(ObservationEdits.free(env, moved, cheese[0], cheese[1]));
        assertFalse(ObservationEdits.free(env, moved, free[0], free[1]));
        assertNull(ObservationEdits.move(env, obs, cheese[0], cheese[1], env.width, 0), "outside the grid");
    }

    @Test
    void futureTargetsFollowTheSameEpisodeAndRepeatsAreMarked() {
        Trajectories t = Trajectories.collect(org.mesalab.core.eval.Policies.random(2), TEST, Evaluator.HELD_OUT_START, 4, 30);
        int[] ahead = Targets.labels("future_position:3", t);
        int[] now = Targets.labels("agent_position", t);
        boolean[] repeats = t.repeats();
        for (int i = 0; i < t.size(); i++) {
            Trajectories.Step s = t.steps().get(i);
            boolean inEpisode = i + 3 < t.size() && t.steps().get(i + 3).level() == s.level();
            assertEquals(inEpisode ? now[i + 3] : -1, ahead[i]);
            if (repeats[i]) {
                assertArrayEquals(t.observations().get(i - 1), t.observations().get(i));
            }
        }
        assertThrows(UsageException.class, () -> Targets.check("gold_position", List.of("cheese", "corner")));
        assertThrows(UsageException.class, () -> Targets.check("future_position:0", List.of("cheese")));
        Targets.check("cheese_position", List.of("cheese", "corner"));
    }

    @Test
    void npyVectorsRoundTripAndHeadersAlign(@TempDir Path dir) throws Exception {
        float[] v = {1.5f, -2f, 0f, 3.25f};
        Path f = dir.resolve("v.npy");
        Npy.writeVector(f, v);
        byte[] bytes = Files.readAllBytes(f);
        int header = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + header) % 64, "numpy aligns the data to 64 bytes");
        assertEquals(10 + header + 16, bytes.length);
        assertArrayEquals(v, Npy.readVector(f));
        Path m = dir.resolve("m.npy");
        Npy.writeMatrix(m, new float[][] {{1, 2, 3}, {4, 5, 6}}, 3);
        String h = new String(Files.readAllBytes(m), 10, 60, java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(h.contains("'shape': (2, 3)"), h);
        UsageException e = assertThrows(UsageException.class, () -> Npy.readVector(m));
        assertTrue(e.getMessage().contains("one-dimensional"), e.getMessage());
        float[][] back = Npy.readMatrix(m);
        assertArrayEquals(new float[] {1, 2, 3}, back[0]);
        assertArrayEquals(new float[] {4, 5, 6}, back[1]);
        assertTrue(assertThrows(UsageException.class, () -> Npy.readMatrix(f)).getMessage().contains("two-dimensional"));
        Files.writeString(dir.resolve("x.npy"), "not numpy");
        assertThrows(UsageException.class, () -> Npy.readVector(dir.resolve("x.npy")));
    }
}
