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

/** The learned proxy's optimizer plays exactly the planner of each budget, greedy or sampling as in training, and scores what it played. */
class ProxySearchTest {
    @Test
    void eachPressureIsThePlannerWithThatManySimulations(@TempDir Path dir) {
        Distribution test = Envs.get("maze").distribution("test", Map.of());
        try (Planner p = PlannerTest.start(PlannerTest.small(), Envs.get("maze").distribution("train", Map.of()), 400, dir)) {
            p.train(r -> { });
        }
        long[] sims = {1, 4};
        for (boolean sampled : new boolean[] {false, true}) {
            Scored[][] scored = ProxySearch.play(dir, test, Evaluator.HELD_OUT_START, 12, sims, new Gold(test.env().intended(), 1.0), 0, sampled);
            for (int k = 0; k < sims.length; k++) {
                try (PlannerPolicy planner = PlannerPolicy.load(dir, "learned", "train", (int) sims[k], 0, !sampled)) {
                    Evaluator.Summary plain = Evaluator.evaluate(planner, test, 12, Evaluator.HELD_OUT_START);
                    for (int i = 0; i < 12; i++) {
                        Evaluator.Record r = plain.records().get(i);
                        Episode e = r.episode();
                        Scored s = scored[k][i];
                        String what = (sampled ? "sampled, " : "greedy, ") + sims[k] + " simulations, level " + i;
                        assertEquals(e.steps(), s.steps(), what);
                        assertEquals(r.outcome(), s.outcome(), what);
                        assertEquals(e.intendedReturn(), s.gold(), 1e-9, "gold undiscounted is the intended return");
                        assertTrue(s.kl() >= 0 && Double.isFinite(s.kl()), "KL from the prior: " + s.kl());
                        assertTrue(Double.isFinite(s.proxy()));
                    }
                }
            }
        }
    }

    /** The KL of an improved policy from the prior: 0 when equal, the textbook value for a known pair. */
    @Test
    void theSampledSearchsDivergenceIsTheKlOfItsPolicyFromThePrior() {
        assertEquals(0, ProxySearch.kl(new float[] {0.25f, 0.75f}, new double[] {Math.log(0.25), Math.log(0.75)}), 1e-7);
        assertEquals(0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75),
                ProxySearch.kl(new float[] {0.5f, 0.5f}, new double[] {Math.log(0.25), Math.log(0.75)}), 1e-7);
        assertEquals(Math.log(4), ProxySearch.kl(new float[] {1f, 0f}, new double[] {Math.log(0.25), Math.log(0.75)}), 1e-7);
    }
}
