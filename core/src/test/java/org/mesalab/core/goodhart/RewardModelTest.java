package org.mesalab.core.goodhart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Policies;

/** A reward model learns where the reward was in training from what it is shown, and is the proxy it says it is. */
class RewardModelTest {
    private static final EnvType MAZE = Envs.get("maze");
    private static final Distribution TRAIN = MAZE.distribution("train", Map.of());
    private static final Distribution TEST = MAZE.distribution("test", Map.of());

    @Test
    void onPositionAloneItLearnsWhereTheCheeseWasInTraining() {
        RewardModel m = RewardModel.fit("model:x,y", TRAIN, MAZE.intended(), 0, "test");
        // training cheese: the top-right cell (x = 1, y = 0); elsewhere no step was ever rewarded
        double corner = m.predict(new double[] {1, 0}).mean();
        double farCorner = m.predict(new double[] {0, 1}).mean();
        assertTrue(corner > 0.5, "top-right: " + corner);
        assertTrue(Math.abs(farCorner) < 0.1, "bottom-left: " + farCorner);
        assertTrue(m.describe().contains("rewarded"), m.describe());
    }

    @Test
    void scoringAnEpisodeSumsTheModelsPredictionsOfItsSteps() {
        RewardModel m = RewardModel.fit("model:x,y,cheese", TRAIN, MAZE.intended(), 0, "test");
        Env env = TEST.create();
        env.reset(TEST.levelSeed(Evaluator.HELD_OUT_START));
        Env.Snapshot start = env.save();
        Scored s = new Rollout(m, new Gold(MAZE.intended(), 1.0)).play(env, start, Policies.random(3), null);
        env.restore(start);
        double sum = 0;
        try (org.mesalab.core.Policy p = Policies.random(3)) {
            while (!env.done()) {
                int ev = env.step(p.act(env));
                double[] row = {env.agentX() / (double) (env.width - 1), env.agentY() / (double) (env.height - 1), Event.CHEESE.in(ev) ? 1 : 0};
                sum += m.predict(row).mean();
            }
        }
        assertEquals(sum, s.proxy(), 1e-9);
        assertEquals(s.proxy(), new Rollout(m, new Gold(MAZE.intended(), 1.0)).play(env, start, Policies.random(3), null).proxy(), "memoized: the same");
    }

    @Test
    void badSpecsAreOneLineNamingTheFeature() {
        UsageException e = assertThrows(UsageException.class, () -> RewardModel.check("model:x,gold", MAZE, "--proxy=model:x,gold"));
        assertTrue(e.getMessage().contains("feature 'gold' is not known") && e.getMessage().contains("allowed: x, y, cheese, corner"), e.getMessage());
        e = assertThrows(UsageException.class, () -> RewardModel.check("model:x,x", MAZE, "p"));
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
        assertThrows(UsageException.class, () -> RewardModel.check("model:x,y@bogus", MAZE, "p"));
        assertThrows(UsageException.class, () -> RewardModel.check("model:", MAZE, "p"));
        RewardModel.check("model:x,y,cheese@rbf+white", MAZE, "p");
    }
}
