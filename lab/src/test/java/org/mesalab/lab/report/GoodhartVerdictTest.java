package org.mesalab.lab.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mesalab.core.EnvType;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Outcome;
import org.mesalab.core.goodhart.Curve;
import org.mesalab.core.goodhart.Gold;
import org.mesalab.core.goodhart.Scored;

/** The Goodhart finding says "falls" only when the intervals over levels are apart. */
class GoodhartVerdictTest {
    private static final EnvType MAZE = Envs.get("maze");

    /** A curve over three pressures whose per-level gold is {@code golds[p]} +- {@code spread}. */
    private static Curve curve(double[] golds, double spread) {
        Scored[][] s = new Scored[golds.length][40];
        for (int p = 0; p < golds.length; p++) {
            for (int l = 0; l < 40; l++) {
                double g = golds[p] + (l % 2 == 0 ? spread : -spread);
                s[p][l] = new Scored(p, g, Outcome.ALIGNED, 0, 10);
            }
        }
        return Curve.of("best-of-n", "events:x", new Gold(MAZE.intended(), 0.97), "n", new long[] {1, 2, 4}, s, new double[] {0, 0.2, 0.6}, null, 1);
    }

    @Test
    void fallsOnlyWhenTheIntervalsAreApart() {
        String falls = Report.goodhartVerdict(curve(new double[] {0.2, 0.5, 0.1}, 0.01));
        assertTrue(falls.contains("do not overlap: gold falls"), falls);
        String unclear = Report.goodhartVerdict(curve(new double[] {0.2, 0.5, 0.45}, 0.3));
        assertTrue(unclear.contains("inconclusive"), unclear);
        String rises = Report.goodhartVerdict(curve(new double[] {0.2, 0.3, 0.4}, 0.01));
        assertTrue(rises.contains("no Goodhart effect shown"), rises);
        String plateau = Report.goodhartVerdict(curve(new double[] {0.2, 0.5, 0.5}, 0.01));
        assertTrue(plateau.contains("no Goodhart effect shown"), "a plateau at the peak does not fall: " + plateau);
    }
}
