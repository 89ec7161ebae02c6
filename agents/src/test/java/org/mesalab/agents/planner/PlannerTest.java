package org.mesalab.agents.planner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.agents.Metrics;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Outcome;

/** The planner agent at tiny budgets: reproducibility, resume, memory, the objective slot, bad input. */
class PlannerTest {
    static PlannerConfig small() {
        return PlannerConfig.defaults().with("num_envs", "4").with("simulations", "4").with("width", "32").with("latent", "16")
                .with("batch_size", "16").with("warmup", "40").with("replay_size", "4000").with("checkpoint_every", "50")
                .with("updates_per_step", "1");
    }

    static Planner start(PlannerConfig cfg, Distribution d, long steps, Path dir) {
        return Planner.start(cfg.into(RunManifest.of("planner", d.env().name(), d.split(), Map.of(), 0, 0, 5, steps, 1, Map.of(), "none", "now",
                "test")), RunDir.create(dir));
    }

    /**
     * The learning regression test: 5 x 5 mazes with a 30-step limit, where a random policy reaches the
     * cheese on about 1% of held-out levels; 40k steps of self-play (64 envs, 8 simulations) lift it to
     * 54% on this machine (seed 3, one thread). Deterministic, not timed.
     */
    @Test
    void learnsASmallMaze(@TempDir Path dir) {
        Map<String, Double> small = Map.of("size", 5.0, "max_steps", 30.0);
        PlannerConfig cfg = PlannerConfig.defaults().with("num_envs", "64").with("simulations", "8").with("updates_per_step", "1")
                .with("batch_size", "256").with("warmup", "1000");
        try (Planner p = Planner.start(cfg.into(RunManifest.of("planner", "maze", "train", small, 0, 0, 3, 40_000, 1, Map.of(), "none", "now", "test")),
                RunDir.create(dir))) {
            p.train(r -> { });
        }
        Distribution heldOut = Envs.get("maze").distribution("train", small);
        double random = Evaluator.evaluate(org.mesalab.core.eval.Policies.random(1), heldOut, 300, Evaluator.HELD_OUT_START).intendedSuccess().value();
        try (PlannerPolicy p = PlannerPolicy.load(dir, "learned", "train", 0, 1)) {
            double success = Evaluator.evaluate(p, heldOut, 300, Evaluator.HELD_OUT_START).intendedSuccess().value();
            assertTrue(success >= 0.35 && success > random + 0.3, "held-out success " + success + ", random " + random);
        }
    }

    /**
     * Same seed, same metrics; run b also trains a value ensemble (value_heads 3), which reads detached features with
     * its own optimizer, so the planner learns exactly as without it. The ensemble is fitted: its heads' spread over
     * training states shrinks to under a quarter of their initial disagreement, and stays above 0 (bootstrapped heads).
     */
    @Test
    void sameSeedSameMetricsWithOrWithoutAValueEnsemble(@TempDir Path dir) {
        Distribution d = RunManifest.trainDistribution(Envs.get("maze"), "train", Map.of(), 0, 0);
        try (Planner a = start(small(), d, 4 * 200, dir.resolve("a"))) {
            a.train(r -> { });
        }
        try (Planner b = start(small().with("value_heads", "3"), d, 4 * 200, dir.resolve("b"))) {
            assertEquals(3, b.network().valueHeads());
            assertEquals(2, b.network().ensembleParameters().size(), "the ensemble's weight and bias, outside the agent's parameters");
            b.train(r -> { });
        }
        try (Planner init = start(small().with("value_heads", "3"), d, 4, dir.resolve("init"))) {
            init.train(r -> { }); // one vector step, before the warm-up ends: the initial weights
        }
        List<Map<String, Object>> ma = Metrics.reproducible(dir.resolve("a"));
        assertEquals(4, ma.size());
        assertEquals(ma, Metrics.reproducible(dir.resolve("b")));
        assertTrue(((Number) ma.get(3).get("gradient_steps")).longValue() > 100);
        org.mesalab.core.Env[] envs = new org.mesalab.core.Env[16];
        for (int i = 0; i < envs.length; i++) {
            envs[i] = d.create();
            envs[i].reset(Evaluator.HELD_OUT_START + i);
        }
        try (PlannerPolicy plain = PlannerPolicy.load(dir.resolve("a"), "learned", "train", 0, 1);
                PlannerPolicy trained = PlannerPolicy.load(dir.resolve("b"), "learned", "train", 0, 1);
                PlannerPolicy initial = PlannerPolicy.load(dir.resolve("init"), "learned", "train", 0, 1)) {
            assertArrayEquals(plain.represent(envs, envs.length)[3], trained.represent(envs, envs.length)[3]);
            double before = meanSpread(initial, envs);
            double after = meanSpread(trained, envs);
            // measured: 0.167 at init, 0.018 trained, 0.086 when the ensemble's optimizer never steps (the features moved)
            assertTrue(after > 0 && after < 0.25 * before, "ensemble spread " + before + " at init, " + after + " trained");
        }
    }

    /**
     * With {@code act_epsilon} 1 every self-play action is the uniform draw, so what the envs do cannot depend on the
     * networks: two widths take the same actions, and they are not the search's (the same run at 0 acts otherwise).
     * (At 0 two widths happen to act alike too this early: before any reward is seen the heads are flat and the Gumbel
     * noise alone decides, so the second check is what shows the draw replaces the search's choice.)
     */
    @Test
    void actEpsilonOneMakesSelfPlayIndependentOfTheNetworks(@TempDir Path dir) {
        Distribution d = RunManifest.trainDistribution(Envs.get("maze"), "train", Map.of(), 0, 0);
        Map<String, int[]> played = new java.util.HashMap<>();
        for (String run : new String[] {"1-32", "1-8", "0-32"}) {
            String[] epsWidth = run.split("-");
            try (Planner p = start(small().with("act_epsilon", epsWidth[0]).with("width", epsWidth[1]), d, 4 * 100, dir.resolve(run))) {
                p.train(r -> { });
                played.put(run, p.replay().actions(0));
            }
        }
        assertEquals(100, played.get("1-32").length);
        assertArrayEquals(played.get("1-32"), played.get("1-8"));
        int same = 0;
        int[] counts = new int[5];
        for (int i = 0; i < 100; i++) {
            same += played.get("1-32")[i] == played.get("0-32")[i] ? 1 : 0;
            counts[played.get("1-32")[i]]++;
        }
        assertTrue(same < 50, same + " of 100 actions as the search's (chance: about 20)");
        for (int c : counts) {
            assertTrue(c >= 8 && c <= 35, "uniform draws over 5 actions: " + java.util.Arrays.toString(counts));
        }
    }

    private static double meanSpread(PlannerPolicy p, org.mesalab.core.Env[] envs) {
        float[][] heads = p.ensembleValues(p.represent(envs, envs.length), envs.length);
        double sum = 0;
        for (float[] h : heads) {
            double mean = (h[0] + h[1] + h[2]) / 3.0;
            sum += Math.sqrt(((h[0] - mean) * (h[0] - mean) + (h[1] - mean) * (h[1] - mean) + (h[2] - mean) * (h[2] - mean)) / 3);
        }
        return sum / heads.length;
    }

    /** Killed and resumed, a run (with a value ensemble: its optimizer is checkpointed too) equals the uninterrupted one, weights included. */
    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
        Distribution d = RunManifest.trainDistribution(Envs.get("coinrun"), "train", Map.of(), 0, 0);
        PlannerConfig cfg = small().with("value_heads", "2");
        try (Planner whole = start(cfg, d, 4 * 200, dir.resolve("whole"))) {
            whole.train(r -> { });
        }
        Path cut = dir.resolve("cut");
        try (Planner first = start(cfg, d, 4 * 200, cut)) {
            // Killed at the third report (iteration 150): the checkpoint of iteration 100 is the last complete one.
            assertThrows(IllegalStateException.class, () -> first.train(r -> {
                if (r.iteration() == 150) {
                    throw new IllegalStateException("killed");
                }
            }));
        }
        Files.createDirectories(cut.resolve("checkpoints/.tmp-update-000150-1"));
        try (Planner resumed = Planner.resume(RunDir.open(cut))) {
            assertEquals(150, resumed.completedIterations());
            resumed.train(r -> { });
        }
        assertEquals(Metrics.reproducible(dir.resolve("whole")), Metrics.reproducible(cut));
        assertArrayEquals(Files.readAllBytes(dir.resolve("whole/policy.bin")), Files.readAllBytes(cut.resolve("policy.bin")),
                "the resumed run's weights, the ensemble's included, equal the uninterrupted run's");
    }

    @Test
    void nativeMemoryStaysFlat(@TempDir Path dir) {
        Distribution d = RunManifest.trainDistribution(Envs.get("lava"), "train", Map.of(), 0, 0);
        List<Integer> live = new ArrayList<>();
        try (Planner p = start(small().with("checkpoint_every", "100000"), d, 4 * 50 * 12, dir)) {
            p.train(r -> live.add(p.liveArrays()));
        }
        for (int i = 3; i < live.size(); i++) {
            assertEquals(live.get(2), live.get(i), "live NDArrays after report " + (i + 1));
        }
    }

    /**
     * Categorical reward and value heads train with either prior: the value's cross-entropy starts at ln(bins) (flat
     * logits) and falls far below it, and a checkpoint loads with the heads its manifest names and reads finite values
     * inside the support's range.
     */
    @Test
    void categoricalHeadsTrainAndLoadWithEitherPrior(@TempDir Path dir) {
        Distribution d = RunManifest.trainDistribution(Envs.get("maze"), "train", Map.of(), 0, 0);
        for (String network : List.of("mlp", "conv")) {
            PlannerConfig cfg = small().with("network", network).with("channels", "4").with("support_size", "10").with("support_step", "0.05");
            List<Planner.IterationStats> reports = new ArrayList<>();
            try (Planner p = start(cfg, d, 4 * 80, dir.resolve(network))) {
                p.train(reports::add);
            }
            double last = reports.get(reports.size() - 1).valueLoss();
            assertTrue(last < 0.5 * Math.log(21), network + ": value cross-entropy " + last + " against ln 21 = 3.04 for flat logits");
            org.mesalab.core.Env[] envs = new org.mesalab.core.Env[8];
            for (int i = 0; i < envs.length; i++) {
                envs[i] = d.create();
                envs[i].reset(Evaluator.HELD_OUT_START + i);
            }
            try (PlannerPolicy p = PlannerPolicy.load(dir.resolve(network), "learned", "train", 0, 1)) {
                double bound = Support.hInverse(0.5);
                for (float v : p.learnedValues(p.represent(envs, envs.length), envs.length)) {
                    assertTrue(Math.abs(v) <= bound + 1e-4, network + ": value " + v + " outside the support's +-" + bound);
                }
            }
        }
    }

    @Test
    void modelLanesTrainTheWorldModelOnAnotherSplit(@TempDir Path dir) {
        EnvType maze = Envs.get("maze");
        Distribution d = RunManifest.trainDistribution(maze, "train", Map.of(), 0, 0);
        PlannerConfig cfg = small().with("model_envs", "2").with("model_split", "test");
        try (Planner p = start(cfg, d, 4 * 100, dir)) {
            List<Planner.IterationStats> reports = new ArrayList<>();
            p.train(reports::add);
            assertTrue(Double.isFinite(reports.get(reports.size() - 1).eventLoss()));
        }
    }

    @Test
    void trueObjectiveOnTheSimulatorSolvesTestLevels(@TempDir Path dir) {
        Distribution d = RunManifest.trainDistribution(Envs.get("maze"), "train", Map.of(), 0, 0);
        try (Planner p = start(small(), d, 4 * 50, dir)) {
            p.train(r -> { });
        }
        Distribution test = Envs.get("maze").distribution("test", Map.of());
        try (PlannerPolicy intended = PlannerPolicy.load(dir, "true:intended", "train", 8, 1);
             PlannerPolicy corner = PlannerPolicy.load(dir, "true:corner", "train", 8, 1)) {
            Evaluator.Summary si = Evaluator.evaluate(intended, test, 60, Evaluator.HELD_OUT_START);
            Evaluator.Summary sc = Evaluator.evaluate(corner, test, 60, Evaluator.HELD_OUT_START);
            assertEquals(1.0, si.intendedSuccess().value(), "exact values and the true model: the search reaches the cheese");
            assertEquals(1.0, sc.proxySuccess().get("corner").value());
            assertTrue(sc.outcomes().get(Outcome.GOAL_MISGENERALIZED).value() > 0.7, "pointed at the corner, it goes there");
        }
    }

    @Test
    void swappingTheObjectiveNeverChangesTheWorldModel(@TempDir Path dir) {
        Distribution d = RunManifest.trainDistribution(Envs.get("maze"), "train", Map.of(), 0, 0);
        try (Planner p = start(small(), d, 4 * 100, dir)) {
            p.train(r -> { });
        }
        try (PlannerPolicy learned = PlannerPolicy.load(dir, "learned", "train", 0, 1);
             PlannerPolicy swapped = PlannerPolicy.load(dir, "events:corner", "test", 0, 1)) {
            List<NDArray> a = learned.network().worldModelParameters();
            List<NDArray> b = swapped.network().worldModelParameters();
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray(), 0f);
            }
            assertTrue(swapped.refitNote().contains("test-split"), swapped.refitNote());
            try (java.util.stream.Stream<Path> cached = Files.list(dir.resolve("objectives"))) {
                // named by slot, split and the refit data's parameters: a refit on other levels is another file
                assertEquals(1, cached.filter(f -> f.getFileName().toString().matches("events_corner--test-[0-9a-f]+\\.bin")).count(),
                        "the refit is cached");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** The experiment runner loads policies and refits value heads on worker threads, where PyTorch's gradient mode is on by default. */
    @Test
    void loadsAndRefitsOnAWorkerThread(@TempDir Path dir) throws Exception {
        Distribution d = RunManifest.trainDistribution(Envs.get("maze"), "train", Map.of(), 0, 0);
        try (Planner p = start(small(), d, 4 * 50, dir)) {
            p.train(r -> { });
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            double success = pool.submit(() -> {
                try (PlannerPolicy p = PlannerPolicy.load(dir, "events:cheese", "test", 4, 1)) {
                    return Evaluator.evaluate(p, Envs.get("maze").distribution("test", Map.of()), 4, Evaluator.HELD_OUT_START).intendedSuccess().value();
                }
            }).get();
            assertTrue(success >= 0 && success <= 1);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void objectiveExpressionsParse() {
        EnvType coinrun = Envs.get("coinrun");
        Objective o = ObjectiveSlot.parse("events:coin-0.1*steps", coinrun).objective();
        assertEquals(1.0, o.weight(Event.COIN));
        assertEquals(-0.1, o.stepReward(), 1e-12);
        Objective m = ObjectiveSlot.parse("events:corner+0.5*cheese", Envs.get("maze")).objective();
        assertEquals(1.0, m.weight(Event.CORNER));
        assertEquals(0.5, m.weight(Event.CHEESE));
        assertEquals(ObjectiveSlot.Kind.TRUE, ObjectiveSlot.parse("true:intended", coinrun).kind());
        assertEquals("true:coin", ObjectiveSlot.parse("true:intended", coinrun).spec());
        assertEquals(ObjectiveSlot.Kind.LEARNED, ObjectiveSlot.parse("learned", coinrun).kind());
    }

    @Test
    void badObjectivesAndHyperparametersAreUsageErrors() {
        EnvType maze = Envs.get("maze");
        assertMessage(() -> ObjectiveSlot.parse("events:coin", maze), "events:coin is not a valid expression");
        assertMessage(() -> ObjectiveSlot.parse("events:", maze), "events: needs an expression");
        assertMessage(() -> ObjectiveSlot.parse("events:x*cheese", maze), "not a valid expression");
        assertMessage(() -> ObjectiveSlot.parse("true:gold", maze), "gold");
        assertMessage(() -> ObjectiveSlot.parse("wishes", maze), "--objective=wishes is not known");
        assertMessage(() -> PlannerConfig.defaults().with("simulations", "0").validate(1000, maze.splits().keySet()), "simulations=0");
        assertMessage(() -> PlannerConfig.defaults().with("search", "beam").validate(1000, maze.splits().keySet()), "allowed: gumbel, puct");
        assertMessage(() -> PlannerConfig.defaults().with("model_split", "mars").validate(1000, maze.splits().keySet()), "model_split=mars");
        assertMessage(() -> PlannerConfig.defaults().with("discount", "x"), "discount=x is not a valid number");
        assertMessage(() -> PlannerConfig.defaults().with("entropy_coef", "-1"), "entropy_coef=-1 is out of range; allowed: a number in [0, 10]");
        assertMessage(() -> PlannerConfig.defaults().with("c_scale", "0"), "c_scale=0");
        assertMessage(() -> PlannerConfig.defaults().with("act_epsilon", "1.5"), "act_epsilon=1.5 is out of range; allowed: a number in [0, 1]");
        assertMessage(() -> PlannerConfig.defaults().with("value_consistency_coef", "-2"), "value_consistency_coef=-2 is out of range");
        assertMessage(() -> PlannerConfig.defaults().with("support_size", "301"), "support_size=301 is out of range; allowed: an integer in [0, 300]");
        assertMessage(() -> PlannerConfig.defaults().with("support_step", "0"), "support_step=0");
        assertMessage(() -> PlannerConfig.defaults().with("nope", "1"), "unknown hyperparameter 'nope'");
    }

    private static void assertMessage(Runnable r, String part) {
        UsageException e = assertThrows(UsageException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
