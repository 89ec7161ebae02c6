package org.mesalab.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mesalab.core.envs.Envs;

class VectorEnvTest {

    @Test
    void stepsEveryEnvIntoContiguousBuffersAndAutoResets() {
        for (EnvType t : Envs.all()) {
            Distribution d = t.distribution("train", Map.of());
            VectorEnv v = new VectorEnv(d, 8, 42);
            v.reset();
            Rng rng = new Rng(1);
            int[] actions = new int[v.n];
            int finished = 0;
            for (int step = 0; step < 2000; step++) {
                for (int i = 0; i < v.n; i++) {
                    actions[i] = rng.nextInt(t.actions().size());
                }
                float[] before = v.observations.clone();
                v.step(actions);
                for (int i = 0; i < v.n; i++) {
                    float[] own = v.env(i).observation();
                    float[] slot = java.util.Arrays.copyOfRange(v.observations, i * v.obsSize, (i + 1) * v.obsSize);
                    assertArrayEquals(own, slot, "slot " + i + " holds env " + i + "'s observation");
                    if (v.done(i)) {
                        finished++;
                        assertEquals(0, v.env(i).steps(), "auto-reset to a new level");
                        assertTrue(v.finishedLength[i] >= 1);
                        assertTrue(before.length > 0);
                    }
                }
            }
            assertTrue(finished > 0, t.name() + ": some episodes finish");
        }
    }

    @Test
    void finalObservationHoldsTheLastStateOfTheEndedEpisode() {
        Distribution d = Envs.get("maze").distribution("train", Map.of("max_steps", 3.0));
        VectorEnv v = new VectorEnv(d, 2, 1);
        v.reset();
        int[] stay = {4, 4};
        v.step(stay);
        v.step(stay);
        float[] last = v.observations.clone();
        v.step(stay);
        assertTrue(v.truncated[0] && v.truncated[1]);
        assertArrayEquals(last, v.finalObservations, "staying: the final observation equals the previous one");
    }

    @Test
    void sameSeedSameLevelsAndResults() {
        Distribution d = Envs.get("heist").distribution("train", Map.of());
        VectorEnv a = new VectorEnv(d, 4, 9);
        VectorEnv b = new VectorEnv(d, 4, 9);
        a.reset();
        b.reset();
        Rng rng = new Rng(2);
        int[] actions = new int[4];
        for (int s = 0; s < 500; s++) {
            for (int i = 0; i < 4; i++) {
                actions[i] = rng.nextInt(5);
            }
            a.step(actions);
            b.step(actions);
            assertArrayEquals(a.observations, b.observations);
            assertArrayEquals(a.rewards, b.rewards);
        }
    }

    @Test
    void steadyStateSteppingAllocatesNothing() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (EnvType t : Envs.all()) {
            for (String split : t.splits().keySet()) {
                VectorEnv v = new VectorEnv(t.distribution(split, Map.of()), 16, 5);
                v.reset();
                int[] actions = new int[v.n];
                Rng rng = new Rng(4);
                for (int s = 0; s < 20_000; s++) { // warm up: JIT, and every code path including resets
                    for (int i = 0; i < v.n; i++) {
                        actions[i] = rng.nextInt(t.actions().size());
                    }
                    v.step(actions);
                }
                long before = bean.getCurrentThreadAllocatedBytes();
                for (int s = 0; s < 20_000; s++) {
                    for (int i = 0; i < v.n; i++) {
                        actions[i] = rng.nextInt(t.actions().size());
                    }
                    v.step(actions);
                }
                long allocated = bean.getCurrentThreadAllocatedBytes() - before;
                // 320,000 env steps including thousands of level generations; allow only the measuring call's own noise.
                assertTrue(allocated < 4096, t.name() + "/" + split + " allocated " + allocated + " bytes");
            }
        }
    }

    @Test
    void saveAndRestoreStateContinuesExactly() {
        for (EnvType t : Envs.all()) {
            Distribution d = t.distribution("test", Map.of());
            VectorEnv a = new VectorEnv(d, 6, 3);
            a.reset();
            Rng rng = new Rng(8);
            int[] actions = new int[6];
            for (int s = 0; s < 37; s++) {
                for (int i = 0; i < 6; i++) {
                    actions[i] = rng.nextInt(t.actions().size());
                }
                a.step(actions);
            }
            long[] state = a.saveState();
            VectorEnv b = new VectorEnv(d, 6, 999);
            b.restoreState(state);
            assertArrayEquals(a.observations, b.observations, t.name());
            for (int s = 0; s < 300; s++) {
                for (int i = 0; i < 6; i++) {
                    actions[i] = rng.nextInt(t.actions().size());
                }
                a.step(actions);
                b.step(actions);
                assertArrayEquals(a.observations, b.observations);
                assertArrayEquals(a.rewards, b.rewards);
                for (int i = 0; i < 6; i++) {
                    assertEquals(a.done(i), b.done(i));
                    if (a.done(i)) { // finished* are defined only where an episode just ended
                        assertEquals(a.finishedReturn[i], b.finishedReturn[i]);
                        assertEquals(a.finishedSuccess[i], b.finishedSuccess[i]);
                    }
                }
            }
        }
    }
}
