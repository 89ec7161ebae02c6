package org.mesalab.core.goodhart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.EventExpression;
import org.mesalab.core.Objective;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Policies;

class GoodhartTest {
    private static final EnvType MAZE = Envs.get("maze");
    private static final Distribution TEST = MAZE.distribution("test", java.util.Map.of());
    private static final Objective CORNER_PROXY = EventExpression.parse("cheese+0.02*corner", MAZE);

    private static Curve curve(String optimizer, long[] pressures, Objective proxy, int levels, int threads) {
        return Goodhart.measure(new Goodhart.Setup(TEST, Evaluator.HELD_OUT_START, "events:x", new Proxy.Events(proxy), new Gold(MAZE.intended(), 0.97),
                optimizer, pressures, levels, 10, s -> Policies.random(s), "random", 7, threads));
    }

    @Test
    void bestOfNKlIsGaosFormula() {
        assertEquals(0.0, BestOfN.kl(1), 1e-15);
        assertEquals(Math.log(2) - 0.5, BestOfN.kl(2), 1e-15);
        assertEquals(Math.log(1024) - 1023.0 / 1024, BestOfN.kl(1024), 1e-12);
        for (long n = 1; n < 4096; n *= 2) {
            assertTrue(BestOfN.kl(2 * n) > BestOfN.kl(n));
        }
    }

    @Test
    void fitsRecoverKnownCurves() {
        double[] d = {0, 0.5, 1, 1.5, 2, 2.5, 3};
        double[] quad = new double[d.length];
        double[] log = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            quad[i] = d[i] * (0.3 - 0.05 * d[i]);
            log[i] = d[i] * (0.2 - 0.1 * (d[i] > 0 ? Math.log(d[i]) : 0));
        }
        Fit q = Fit.bestOfN(d, quad);
        assertEquals(0.3, q.alpha(), 1e-9);
        assertEquals(0.05, q.beta(), 1e-9);
        assertEquals(1.0, q.r2(), 1e-9);
        Fit r = Fit.rl(d, log);
        assertEquals(0.2, r.alpha(), 1e-9);
        assertEquals(0.1, r.beta(), 1e-9);
        assertEquals(1.0, r.r2(), 1e-9);
        assertTrue(Fit.bestOfN(d, log).r2() < 0.999, "the wrong form does not fit exactly");
    }

    @Test
    void pressureListsExpandAndAreChecked() {
        assertArrayEquals(new long[] {1, 2, 4, 8, 16, 32}, Pressures.parse("1,2,4,...,32", 1, 100));
        assertArrayEquals(new long[] {0, 50_000, 100_000, 150_000, 200_000}, Pressures.parse("0,50k,100k,...,200k", 0, 10_000_000));
        assertArrayEquals(new long[] {1, 2, 4, 8}, Pressures.parse("1..8", 1, 100));
        assertArrayEquals(new long[] {3, 5, 9}, Pressures.parse("3, 5, 9", 1, 100));
        assertThrows(UsageException.class, () -> Pressures.parse("4,2", 1, 100));
        assertThrows(UsageException.class, () -> Pressures.parse("1,2,...", 1, 100));
        assertThrows(UsageException.class, () -> Pressures.parse("1,x", 1, 100));
        assertThrows(UsageException.class, () -> Pressures.parse("0,1", 1, 100));
        assertThrows(UsageException.class, () -> Pressures.parse("1,2,4,...,1024", 1, 100));
    }

    @Test
    void bestOfNIsNestedDeterministicAndThreadIndependent() {
        long[] p = {1, 2, 4, 8, 16};
        Curve a = curve(Goodhart.BEST_OF_N, p, CORNER_PROXY, 40, 1);
        Curve b = curve(Goodhart.BEST_OF_N, p, CORNER_PROXY, 40, 2);
        assertEquals(a, b, "same seed, any thread count: same curve");
        List<Curve.Point> pts = a.points();
        for (int i = 1; i < pts.size(); i++) {
            assertTrue(pts.get(i).proxy().value() >= pts.get(i - 1).proxy().value(), "the best of more samples never scores less on the proxy");
        }
        assertEquals(BestOfN.kl(16), pts.get(4).kl(), 1e-12);
        assertEquals(10, a.earlyStop().holdoutLevels());
    }

    @Test
    void searchOnTheTrueProxyReachesTheCheeseButGoldFallsWhenTheCornerPays() {
        long[] depths = {0, 4, 16, 256};
        Curve plain = curve(Goodhart.SEARCH, depths, EventExpression.parse("cheese", MAZE), 30, 2);
        Curve.Point deep = plain.points().get(3);
        assertEquals(1.0, deep.aligned(), 1e-12, "with the intended objective as proxy, deep search always eats the cheese");
        assertEquals(0.0, plain.points().get(0).kl(), 1e-12, "depth 0 is the random base policy");
        assertTrue(deep.kl() > 0);

        Curve corner = curve(Goodhart.SEARCH, depths, CORNER_PROXY, 30, 2);
        Curve.Point cornerDeep = corner.points().get(3);
        assertTrue(cornerDeep.proxy().value() > deep.proxy().value(), "sitting in the corner pays the proxy more than the cheese");
        assertTrue(cornerDeep.gold().value() < 0.5 * deep.gold().value(),
                "gold of the corner-paying proxy at depth 256 (" + cornerDeep.gold().value() + ") vs the cheese proxy (" + deep.gold().value() + ")");
        assertTrue(corner.peak().drop() > 0, "gold falls after its peak");
    }

    @Test
    void goldDiscountIsChecked() {
        assertThrows(UsageException.class, () -> new Gold(MAZE.intended(), 0));
        assertThrows(UsageException.class, () -> new Gold(MAZE.intended(), 1.5));
    }
}
