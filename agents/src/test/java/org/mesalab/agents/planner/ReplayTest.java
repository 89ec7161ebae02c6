package org.mesalab.agents.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mesalab.core.Rng;

/** MuZero unroll targets against values computed by hand (appendix G): n-step values and the four masks. */
class ReplayTest {
    static final double GAMMA = 0.5;

    /**
     * One lane: an episode of three steps ending in a termination (reward 1 at step 2, with event 0),
     * then the first step of the next episode. Root values 0.5, 0.6, 0.9, 0.2. The observation of step t
     * is one-hot at t, so a sample tells which step it started from.
     */
    static Replay episode() {
        Replay r = new Replay(1, 16, 4, 2, new boolean[] {false});
        byte[] how = {Replay.RUNNING, Replay.RUNNING, Replay.TERMINATED, Replay.RUNNING};
        float[] values = {0.5f, 0.6f, 0.9f, 0.2f};
        for (int t = 0; t < 4; t++) {
            float[] obs = new float[4];
            obs[t] = 1;
            float[] pi = {0.25f * t, 1 - 0.25f * t};
            r.add(0, obs, 0, t % 2, t == 2 ? 1f : 0f, t == 2 ? 1 : 0, how[t], pi, 0, values[t]);
        }
        return r;
    }

    @Test
    void nStepValuesStopAtTerminationsAndBootstrapOtherwise() {
        Replay r = episode();
        assertEquals(0.25 * 0.9, r.valueTarget(0, 0, 2, GAMMA), 1e-6, "0 + 0.5 * 0, then bootstrap gamma^2 v_2");
        assertEquals(0.5 * 1, r.valueTarget(0, 1, 2, GAMMA), 1e-6, "0 + 0.5 * 1 and the episode ends");
        assertEquals(1.0, r.valueTarget(0, 2, 2, GAMMA), 1e-6);
        assertEquals(0.5 * 0.2, r.valueTarget(0, 3, 2, GAMMA), 1e-6, "the future is not stored: the newest search value");
        Replay truncated = new Replay(1, 4, 4, 2, new boolean[] {false});
        truncated.add(0, new float[4], 0, 0, 0.3f, 0, Replay.TRUNCATED, new float[2], 0, 0.7f);
        assertEquals(0.3 + 0.5 * 0.7, truncated.valueTarget(0, 0, 2, GAMMA), 1e-6, "a time limit: the step's own search value stands in");
    }

    @Test
    void reanalysisSplitsTargetsIntoRewardsAndABootstrapObservation() {
        Replay r = episode();
        Replay.Batch stored = new Replay.Batch(64, 2, 4, 2, 2);
        Replay.Batch parts = new Replay.Batch(64, 2, 4, 2, 2, true);
        r.sample(stored, 2, GAMMA, new Rng(3));
        r.sample(parts, 2, GAMMA, new Rng(3));
        float[] rootValues = {0.5f, 0.6f, 0.9f, 0.2f};
        int bootstraps = 0;
        for (int i = 0; i < parts.value.length; i++) {
            // A "value network" that knows the stored search values: reading the bootstrap observation's step
            // (one-hot) must give back exactly the targets built from stored values.
            double v = 0;
            for (int j = 0; j < 4; j++) {
                v += parts.bootObs[i * 4 + j] * rootValues[j];
            }
            assertEquals(stored.value[i], parts.value[i] + parts.bootCoef[i] * v, 1e-6, "target " + i);
            if (parts.bootCoef[i] != 0) {
                bootstraps++;
                assertEquals(1f, parts.bootObs[i * 4] + parts.bootObs[i * 4 + 1] + parts.bootObs[i * 4 + 2] + parts.bootObs[i * 4 + 3],
                        "a bootstrap target carries one stored observation");
            }
        }
        assertTrue(bootstraps > 0, "some targets bootstrap (start 0 and start 3)");
        assertEquals(0.25, parts.bootCoef[firstStartingAt(parts, 0)], 1e-6, "from step 0, gamma^2 onto step 2's observation");
    }

    private static int firstStartingAt(Replay.Batch b, int step) {
        for (int i = 0; i < b.size; i++) {
            if (b.obs0[i * 4 + step] == 1f) {
                return i;
            }
        }
        throw new AssertionError("no sample starts at step " + step);
    }

    @Test
    void unrollTargetsAndMasksMatchTheEpisode() {
        Replay r = episode();
        Replay.Batch b = new Replay.Batch(64, 2, 4, 2, 2);
        r.sample(b, 2, GAMMA, new Rng(3));
        // expected per start step t: [k] state mask, value mask, value; [k-1] transition mask, reward, terminal
        float[][] state = {{1, 1, 1}, {1, 1, 0}, {1, 0, 0}, {1, 0, 0}};
        float[][] valueMask = {{1, 1, 1}, {1, 1, 1}, {1, 1, 0}, {1, 0, 0}};
        double[][] value = {{0.225, 0.5, 1}, {0.5, 1, 0}, {1, 0, 0}, {0.1, 0, 0}};
        float[][] trans = {{1, 1}, {1, 1}, {1, 0}, {1, 0}};
        float[][] reward = {{0, 0}, {0, 1}, {1, 0}, {0, 0}};
        float[][] terminal = {{0, 0}, {0, 1}, {1, 0}, {0, 0}};
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < b.size; i++) {
            int t = -1;
            for (int j = 0; j < 4; j++) {
                if (b.obs0[i * 4 + j] == 1f) {
                    t = j;
                }
            }
            seen.add(t);
            for (int k = 0; k <= 2; k++) {
                int sk = k * b.size + i;
                String at = "start " + t + ", k " + k;
                assertEquals(state[t][k], b.stateMask[sk], at + ": state mask");
                assertEquals(valueMask[t][k], b.valueMask[sk], at + ": value mask");
                assertEquals(value[t][k], b.value[sk], 1e-6, at + ": value target");
                if (state[t][k] == 1) {
                    assertEquals(0.25f * (t + k), b.policy[sk * 2], 1e-6, at + ": the search policy of step t + k");
                }
                if (k > 0) {
                    int tk = (k - 1) * b.size + i;
                    assertEquals(trans[t][k - 1], b.transMask[tk], at + ": transition mask");
                    assertEquals(trans[t][k - 1], b.rewardMask[tk], at + ": reward mask (a lane with rewards)");
                    assertEquals(reward[t][k - 1], b.reward[tk], at + ": reward");
                    assertEquals(terminal[t][k - 1], b.terminal[tk], at + ": terminal");
                    assertEquals(t + k - 1 == 2 ? 1f : 0f, b.events[tk * 2], at + ": event 0 happened at step 2");
                    if (trans[t][k - 1] == 1) {
                        assertEquals((t + k - 1) % 2, b.actions[tk], at + ": action");
                    }
                    if (state[t][k] == 1) {
                        assertEquals(1f, b.nextObs[tk * 4 + t + k], at + ": the observation after the transition");
                    }
                }
            }
        }
        assertEquals(Set.of(0, 1, 2, 3), seen, "every start step was sampled");
    }

    @Test
    void modelOnlyLanesTrainNoRewardsValuesOrPolicies() {
        Replay r = new Replay(1, 8, 4, 2, new boolean[] {true});
        for (int t = 0; t < 3; t++) {
            r.add(0, new float[4], 0, 0, 0f, 1, Replay.RUNNING, null, 0, 0f);
        }
        Replay.Batch b = new Replay.Batch(8, 2, 4, 2, 2);
        r.sample(b, 2, GAMMA, new Rng(1));
        for (int i = 0; i < b.size; i++) {
            assertEquals(0f, b.valueMask[i], "no value target on model-only data");
            assertEquals(0f, b.rewardMask[i], "no reward target on model-only data");
            assertTrue(b.transMask[i] == 1f, "but the transition (events, termination, dynamics) trains");
        }
    }

    @Test
    void rootTargetEntropyIsLogActionsForUniformTargetsAndZeroForOneHot() {
        Replay.Batch b = new Replay.Batch(2, 1, 4, 4, 2);
        java.util.Arrays.fill(b.policy, 0, 4, 0.25f); // root 0: uniform over 4 actions
        b.policy[4 + 2] = 1f; // root 1: one action for sure
        b.policy[8] = 1f; // an unrolled step's target: not a root, not counted
        assertEquals(Math.log(4) / 2, b.rootTargetEntropy(4), 1e-6);
        java.util.Arrays.fill(b.policy, 4, 8, 0f); // root 1 now a model lane's sample: no target, not counted
        assertEquals(Math.log(4), b.rootTargetEntropy(4), 1e-6);
        java.util.Arrays.fill(b.policy, 0f);
        assertTrue(Double.isNaN(b.rootTargetEntropy(4)), "no root has a target");
    }
}
