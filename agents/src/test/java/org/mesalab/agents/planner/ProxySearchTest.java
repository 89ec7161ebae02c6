package org.mesalab.agents.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.core.Distribution;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.goodhart.Gold;
import org.mesalab.core.goodhart.Scored;

/** The learned proxy's optimizer plays exactly the greedy planner of each budget, and scores what it played. */
class ProxySearchTest {
    @Test
    void eachPressureIsTheGreedyPlannerWithThatManySimulations(@TempDir Path dir) {
        Distribution test = Envs.get("maze").distribution("test", Map.of());
        try (Planner p = PlannerTest.start(PlannerTest.small(), Envs.get("maze").distribution("train", Map.of()), 400, dir)) {
            p.train(r -> { });
        }
        long[] sims = {1, 4};
        Scored[][] scored = ProxySearch.play(dir, test, Evaluator.HELD_OUT_START, 12, sims, new Gold(test.env().intended(), 1.0), 0);
        for (int k = 0; k < sims.length; k++) {
            try (PlannerPolicy greedy = PlannerPolicy.load(dir, "learned", "train", (int) sims[k], 0, true)) {
                Evaluator.Summary plain = Evaluator.evaluate(greedy, test, 12, Evaluator.HELD_OUT_START);
                for (int i = 0; i < 12; i++) {
                    Evaluator.Record r = plain.records().get(i);
                    Episode e = r.episode();
                    Scored s = scored[k][i];
                    assertEquals(e.steps(), s.steps(), sims[k] + " simulations, level " + i);
                    assertEquals(r.outcome(), s.outcome());
                    assertEquals(e.intendedReturn(), s.gold(), 1e-9, "gold undiscounted is the intended return");
                    assertTrue(s.kl() >= 0 && Double.isFinite(s.kl()), "KL from the prior: " + s.kl());
                    assertTrue(Double.isFinite(s.proxy()));
                }
            }
        }
    }
}
