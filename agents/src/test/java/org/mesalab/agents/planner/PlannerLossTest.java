package org.mesalab.agents.planner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mesalab.agents.Torch;

/** The planner's loss terms against values computed by hand, on one unrolled step (K = 1) of two samples. */
class PlannerLossTest {
    @Test
    void everyTermMatchesTheHandComputedValue() {
        Replay.Batch b = new Replay.Batch(2, 1, 1, 2, 1);
        // policy targets [K+1][B][A]: step 0 uniform / certain; step 1 certain / nothing (masked by an all-zero target)
        System.arraycopy(new float[] {0.5f, 0.5f, 1, 0, 1, 0, 0, 0}, 0, b.policy, 0, 8);
        System.arraycopy(new float[] {1, 0, 0.5f, 2}, 0, b.value, 0, 4);
        System.arraycopy(new float[] {1, 1, 1, 0}, 0, b.valueMask, 0, 4);
        System.arraycopy(new float[] {1, 1, 1, 0}, 0, b.stateMask, 0, 4);
        System.arraycopy(new float[] {1, 0}, 0, b.reward, 0, 2);
        System.arraycopy(new float[] {1, 1}, 0, b.rewardMask, 0, 2);
        System.arraycopy(new float[] {1, 1}, 0, b.transMask, 0, 2);
        System.arraycopy(new float[] {1, 0}, 0, b.events, 0, 2);
        System.arraycopy(new float[] {0, 1}, 0, b.terminal, 0, 2);
        try (NDManager m = Torch.newManager(1)) {
            NDArray targets = m.create(new float[] {0, 1, 1, 1}, new Shape(2, 2)); // h(o_{t+1}) per sample, L = 2
            PlannerLoss loss = new PlannerLoss(m, b, 1, targets, 1.0, true);
            // root prediction: logits (0, 0) and (ln 3, 0); values 0.5 and 1
            loss.root(new PlannerNetwork.Prediction(m.create(new float[] {0, 0, (float) Math.log(3), 0}, new Shape(2, 2)),
                    m.create(new float[] {0.5f, 1})));
            // transition: next states, rewards 0.5 / 0, event logits 0 / 0, terminal logits 0 / ln 3
            loss.transition(1, new PlannerNetwork.Transition(m.create(new float[] {0, 0, 1, 1}, new Shape(2, 2)), m.create(new float[] {0.5f, 0}),
                    m.create(new float[] {0, 0}, new Shape(2, 1)), m.create(new float[] {0, (float) Math.log(3)})));
            // prediction after the step: logits (ln 3, 0) and anything; values 1 and 5 (the second masked)
            loss.prediction(1, new PlannerNetwork.Prediction(m.create(new float[] {(float) Math.log(3), 0, 7, -7}, new Shape(2, 2)),
                    m.create(new float[] {1, 5})));
            double ln2 = Math.log(2);
            double ln4over3 = Math.log(4.0 / 3);
            // policy: root sample 0 -(0.5 ln .5 + 0.5 ln .5) = ln 2; sample 1 -ln(3/4); step 1: sample 0 -ln(3/4), sample 1 nothing
            assertEquals(ln2 + ln4over3 + ln4over3, loss.policy.getFloat(), 1e-5);
            // value: (0.5 - 1)^2 + (1 - 0)^2, step 1: (1 - 0.5)^2 (sample 1 masked)
            assertEquals(0.25 + 1 + 0.25, loss.value.getFloat(), 1e-6);
            // reward: (0.5 - 1)^2 + (0 - 0)^2
            assertEquals(0.25, loss.reward.getFloat(), 1e-6);
            // events: bce(0, 1) + bce(0, 0) = 2 ln 2; terminal: bce(0, 0) = ln 2, bce(ln 3, 1) = ln(4/3)
            assertEquals(2 * ln2 + ln2 + ln4over3, loss.event.getFloat(), 1e-5);
            // consistency: mean((0,0) - (0,1))^2 = 0.5 for sample 0; sample 1 masked by the state mask
            assertEquals(0.5, loss.consistency.getFloat(), 1e-6);
            double total = (ln2 + 2 * ln4over3 + 0.25 * 1.5 + 0.25 + 3 * ln2 + ln4over3 + 2 * 0.5) / 2;
            // entropy: root ln 2 and H(3/4, 1/4); step 1 H(3/4, 1/4) for sample 0, sample 1's state masked
            double h34 = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
            assertEquals(ln2 + 2 * h34, loss.entropy.getFloat(), 1e-5);
            assertEquals(total, loss.total(0.25, 2, 0).getFloat(), 1e-5, "(policy + 0.25 value + reward + event + 2 consistency) / B");
            assertEquals(total - 0.1 * (ln2 + 2 * h34) / 2, loss.total(0.25, 2, 0.1).getFloat(), 1e-5, "less 0.1 entropy / B");
        }
    }

    /** (v(g(s, a)) - v(h(o')))^2 at each unrolled step whose next state is real, whatever the value target and its mask say. */
    @Test
    void theValueConsistencyTermMatchesTheHandComputedValue() {
        Replay.Batch b = new Replay.Batch(2, 1, 1, 2, 1);
        System.arraycopy(new float[] {1, 1, 1, 0}, 0, b.stateMask, 0, 4); // sample 1's next state is not real
        System.arraycopy(new float[] {1, 1, 0, 0}, 0, b.valueMask, 0, 4); // a model lane's step: no value target, still consistent
        try (NDManager m = Torch.newManager(1)) {
            PlannerLoss loss = new PlannerLoss(m, b, 1, m.zeros(new Shape(2, 2)), m.create(new float[] {0.25f, 9}), 1.0, false);
            loss.root(new PlannerNetwork.Prediction(m.zeros(new Shape(2, 2)), m.create(new float[] {0, 0})));
            loss.transition(1, new PlannerNetwork.Transition(m.zeros(new Shape(2, 2)), m.create(new float[] {0, 0}), m.zeros(new Shape(2, 1)),
                    m.create(new float[] {0, 0})));
            loss.prediction(1, new PlannerNetwork.Prediction(m.zeros(new Shape(2, 2)), m.create(new float[] {0.75f, 3})));
            assertEquals(0.25, loss.valueConsistency.getFloat(), 1e-6, "(0.75 - 0.25)^2; sample 1 masked");
            assertEquals(loss.total(0.25, 2, 0, 0).getFloat() + 3 * 0.25 / 2, loss.total(0.25, 2, 3, 0).getFloat(), 1e-6, "plus 3 x 0.25 / B");
            PlannerLoss off = new PlannerLoss(m, b, 1, m.zeros(new Shape(2, 2)), 1.0, false);
            assertNull(off.valueConsistency, "not computed without its targets");
        }
    }

    /**
     * With a categorical support the value and reward terms are cross-entropies against two-hot targets, under the same
     * masks and 1/K scale: support 1, step 1 (points -1, 0, 1); logits (0, 0, ln 2) give probabilities (1/4, 1/4, 1/2).
     */
    @Test
    void categoricalValueAndRewardTermsMatchTheHandComputedValue() {
        Replay.Batch b = new Replay.Batch(2, 1, 1, 2, 1);
        System.arraycopy(new float[] {1, 0, 0.5f, 2}, 0, b.value, 0, 4);
        System.arraycopy(new float[] {1, 1, 1, 0}, 0, b.valueMask, 0, 4);
        System.arraycopy(new float[] {1, 1, 1, 0}, 0, b.stateMask, 0, 4);
        System.arraycopy(new float[] {1, 0}, 0, b.reward, 0, 2);
        System.arraycopy(new float[] {1, 0}, 0, b.rewardMask, 0, 2);
        try (NDManager m = Torch.newManager(1)) {
            PlannerLoss loss = new PlannerLoss(m, b, 1, m.zeros(new Shape(2, 2)), null, 1.0, false, new Support(1, 1.0));
            float l2 = (float) Math.log(2);
            NDArray logits = m.create(new float[] {0, 0, l2, 0, 0, l2}, new Shape(2, 3));
            NDArray unused = m.create(new float[] {123, -45}); // the numbers read out: the categorical terms never look at them
            loss.root(new PlannerNetwork.Prediction(m.zeros(new Shape(2, 2)), unused, logits));
            loss.transition(1, new PlannerNetwork.Transition(m.zeros(new Shape(2, 2)), unused, m.zeros(new Shape(2, 1)), m.zeros(new Shape(2)), logits));
            loss.prediction(1, new PlannerNetwork.Prediction(m.zeros(new Shape(2, 2)), unused, logits));
            double ln4 = Math.log(4);
            double ln2 = Math.log(2);
            // -sum t log p with t two-hot on (0, 1): t = (0, 1 - h, h) for x in [0, h^-1(1)], so ln 4 - h(x) ln 2
            double root = (ln4 - Support.h(1) * ln2) + ln4; // targets 1 and 0
            double step1 = ln4 - Support.h(0.5) * ln2; // sample 1 masked
            assertEquals(root + step1, loss.value.getFloat(), 1e-5);
            assertEquals(ln4 - Support.h(1) * ln2, loss.reward.getFloat(), 1e-5, "sample 1's reward masked");
        }
    }

    @Test
    void withoutTheEntropyTermNothingIsComputed() {
        Replay.Batch b = new Replay.Batch(1, 1, 1, 2, 1);
        try (NDManager m = Torch.newManager(1)) {
            PlannerLoss loss = new PlannerLoss(m, b, 1, m.zeros(new Shape(1, 2)), 1.0, false);
            loss.root(new PlannerNetwork.Prediction(m.create(new float[] {0, 0}, new Shape(1, 2)), m.create(new float[] {0})));
            assertNull(loss.entropy);
            assertEquals(loss.total(0.25, 2, 0).getFloat(), loss.total(0.25, 2, 5).getFloat(), 0, "entropy_coef has nothing to weigh");
        }
    }

    @Test
    void theEventWeightScalesOnlyThePositiveClass() {
        try (NDManager m = Torch.newManager(1)) {
            NDArray x = m.create(new float[] {0, 2, -1, 0.5f});
            NDArray y = m.create(new float[] {1, 1, 0, 0});
            float[] plain = PlannerLoss.bce(x, y).toFloatArray();
            float[] weighted = PlannerLoss.weightedBce(x, y, m.create(10f)).toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(i < 2 ? 10 * plain[i] : plain[i], weighted[i], 1e-5, "element " + i);
            }
            assertEquals(Math.log(2), plain[0], 1e-6);
        }
    }
}
