package org.mesalab.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mesalab.agents.Torch;
import org.mesalab.agents.nn.Weights;
import org.mesalab.core.Rng;
import org.mesalab.core.Samplers;

/** GAE, the PPO loss and the helpers against values computed by hand. */
class PpoMathTest {

    @Test
    void gaeMatchesHandComputedValues() {
        // One env, three steps; the episode ends after step 1 (dones[2] = 1 marks step 2 as a new episode's first).
        float[] rewards = {1, 2, 3};
        float[] values = {0.5f, 1.0f, 1.5f};
        float[] dones = {0, 0, 1};
        float[] nextValue = {2.0f};
        float[] nextDone = {0};
        float[] adv = new float[3];
        float[] ret = new float[3];
        double g = 0.9;
        double l = 0.8;
        Ppo.gae(rewards, values, dones, nextValue, nextDone, 3, 1, g, l, adv, ret);
        // t=2: delta = 3 + 0.9*2.0 - 1.5 = 3.3; A2 = 3.3
        // t=1: next is a new episode: nextnonterminal = 0: delta = 2 - 1.0 = 1.0; A1 = 1.0
        // t=0: delta = 1 + 0.9*1.0 - 0.5 = 1.4; A0 = 1.4 + 0.9*0.8*1.0 = 2.12
        assertArrayEquals(new float[] {2.12f, 1.0f, 3.3f}, adv, 1e-6f);
        assertArrayEquals(new float[] {2.62f, 2.0f, 4.8f}, ret, 1e-6f);
    }

    @Test
    void gaeKeepsEnvsApartAndRespectsTheFinalDone() {
        // Two envs interleaved [T][N]; env 1's last step ended its episode (nextDone = 1): no bootstrap.
        float[] rewards = {1, 0, 0, 1};
        float[] values = {0, 0, 0, 0};
        float[] dones = {0, 0, 0, 0};
        float[] adv = new float[4];
        float[] ret = new float[4];
        Ppo.gae(rewards, values, dones, new float[] {10, 10}, new float[] {0, 1}, 2, 2, 0.5, 1.0, adv, ret);
        // env 0: t=1: 0 + 0.5*10 = 5; t=0: 1 + 0.5*5 = 3.5
        // env 1: t=1: 1 (terminal); t=0: 0 + 0.5*1 = 0.5
        assertArrayEquals(new float[] {3.5f, 0.5f, 5f, 1f}, adv, 1e-6f);
    }

    @Test
    void lossMatchesHandComputedValues() {
        PpoConfig c = PpoConfig.defaults();
        try (NDManager m = Torch.newManager(1)) {
            // Two samples, two actions. logits: sample 0 uniform, sample 1 favours action 1.
            float[] logits = {0f, 0f, 0f, (float) Math.log(3)};
            float[] oneHot = {1, 0, 0, 1};
            // New log-probs: log 0.5 and log 0.75. Old log-probs chosen for ratios 1.5 and 0.5.
            float[] oldLogp = {(float) (Math.log(0.5) - Math.log(1.5)), (float) (Math.log(0.75) - Math.log(0.5))};
            float[] adv = {1f, 2f};
            float[] ret = {1f, 0f};
            float[] oldV = {0f, 0f};
            float[] newV = {0.5f, 0.5f};
            PpoLoss l = PpoLoss.compute(m.create(logits, new Shape(2, 2)), m.create(newV), m.create(oneHot, new Shape(2, 2)),
                    m.create(oldLogp), m.create(adv), m.create(ret), m.create(oldV), c);
            // pg: sample 0: max(-1*1.5, -1*1.2) = -1.2; sample 1: max(-2*0.5, -2*0.8) = -1.0; mean = -1.1
            assertEquals(-1.1, l.pgLoss().getFloat(), 1e-5);
            // value: unclipped (0.5-1)^2 = 0.25, (0.5-0)^2 = 0.25; clipped V = 0 + clip(0.5, -.2, .2) = 0.2:
            // (0.2-1)^2 = 0.64, (0.2-0)^2 = 0.04; max: 0.64, 0.25; 0.5 * mean = 0.2225
            assertEquals(0.2225, l.valueLoss().getFloat(), 1e-5);
            // entropy: ln 2 = 0.693147 and -(0.25 ln 0.25 + 0.75 ln 0.75) = 0.562335; mean 0.627741
            assertEquals(0.6277411, l.entropy().getFloat(), 1e-5);
            assertEquals(-1.1 - 0.01 * 0.6277411 + 0.5 * 0.2225, l.loss().getFloat(), 1e-5);
            assertArrayEquals(new float[] {(float) Math.log(1.5), (float) Math.log(0.5)}, l.logRatio().toFloatArray(), 1e-5f);
        }
    }

    @Test
    void unclippedValueLossWhenDisabled() {
        PpoConfig c = PpoConfig.defaults().with("clip_vloss", "false");
        try (NDManager m = Torch.newManager(1)) {
            PpoLoss l = PpoLoss.compute(m.create(new float[] {0, 0}, new Shape(1, 2)), m.create(new float[] {0.5f}),
                    m.create(new float[] {1, 0}, new Shape(1, 2)), m.create(new float[] {(float) Math.log(0.5)}),
                    m.create(new float[] {1f}), m.create(new float[] {1f}), m.create(new float[] {0f}), c);
            assertEquals(0.5 * 0.25, l.valueLoss().getFloat(), 1e-6);
        }
    }

    @Test
    void helpersMatchHandComputedValues() {
        float[] x = {1, 2, 3, 4};
        Ppo.normalize(x);
        // mean 2.5, unbiased std sqrt(5/3) = 1.2909944
        assertEquals((1 - 2.5) / 1.2909944, x[0], 1e-5);
        assertEquals(1.0, Ppo.explainedVariance(new float[] {1, 2, 3}, new float[] {1, 2, 3}), 1e-12);
        assertEquals(0.0, Ppo.explainedVariance(new float[] {2, 2, 2}, new float[] {1, 2, 3}), 1e-12);
        assertEquals(Math.log(0.25), Samplers.logSoftmaxAt(new float[] {0, (float) Math.log(3)}, 0, 2, 0), 1e-6);
        int[] counts = new int[2];
        Rng rng = new Rng(1);
        for (int i = 0; i < 40_000; i++) {
            counts[Samplers.categorical(new float[] {0, (float) Math.log(3)}, 0, 2, rng)]++;
        }
        assertEquals(0.75, counts[1] / 40_000.0, 0.01);
    }

    @Test
    void orthogonalInitHasOrthonormalRowsOrColumns() {
        Rng rng = new Rng(3);
        float[] w = Weights.orthogonal(4, 10, 2.0, rng); // rows orthogonal, norm 2
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                double dot = 0;
                for (int k = 0; k < 10; k++) {
                    dot += w[a * 10 + k] * w[b * 10 + k];
                }
                assertEquals(a == b ? 4.0 : 0.0, dot, 1e-4);
            }
        }
        float[] tall = Weights.orthogonal(10, 3, 1.0, rng); // columns orthonormal
        for (int a = 0; a < 3; a++) {
            double dot = 0;
            for (int r = 0; r < 10; r++) {
                dot += tall[r * 3 + a] * tall[r * 3 + a];
            }
            assertEquals(1.0, dot, 1e-4);
        }
        assertTrue(Math.abs(w[0]) > 0);
    }
}
