package org.mesalab.agents.mcts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mesalab.core.Rng;

/** The search on small known models, and its selection rules against hand-computed numbers. */
class MctsTest {

    /**
     * A bandit: action a pays {@code payoff[a]} and ends the episode (discount 0); uniform prior logits
     * unless given; value 0 everywhere. The true Q of action a is payoff[a].
     */
    static final class Bandit implements SearchModel {
        final float[] payoff;
        final float[] logits;
        int batch;

        Bandit(float[] payoff, float[] logits, int batch) {
            this.payoff = payoff;
            this.logits = logits;
            this.batch = batch;
        }

        @Override
        public int actions() {
            return payoff.length;
        }

        @Override
        public void root(Expansion out) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(logits, 0, out.logits, b * logits.length, logits.length);
                out.value[b] = 0f;
            }
        }

        @Override
        public void recurrent(int[] parents, int[] actions, int node, Expansion out) {
            for (int b = 0; b < batch; b++) {
                boolean fromRoot = parents[b] == Tree.ROOT;
                out.reward[b] = fromRoot ? payoff[actions[b]] : 0f;
                out.discount[b] = 0f;
                out.value[b] = 0f;
                java.util.Arrays.fill(out.logits, b * payoff.length, (b + 1) * payoff.length, 0f);
            }
        }
    }

    /**
     * A chain of length L: states 0..L, action 1 moves right, action 0 stays; reaching L pays 1 and
     * ends. The optimum from the start is "right" at every step; prior and value are uninformative.
     */
    static final class Chain implements SearchModel {
        final int length;
        final int[] position;
        final int nodes;

        Chain(int length, int simulations) {
            this.length = length;
            this.nodes = simulations + 1;
            this.position = new int[nodes];
        }

        @Override
        public int actions() {
            return 2;
        }

        @Override
        public void root(Expansion out) {
            position[0] = 0;
            out.logits[0] = 0f;
            out.logits[1] = 0f;
            out.value[0] = 0f;
        }

        @Override
        public void recurrent(int[] parents, int[] actions, int node, Expansion out) {
            int p = position[parents[0]];
            int next = p >= length ? p : p + actions[0];
            position[node] = next;
            out.reward[0] = p < length && next == length ? 1f : 0f;
            out.discount[0] = next == length ? 0f : 0.9f;
            out.value[0] = 0f;
            out.logits[0] = 0f;
            out.logits[1] = 0f;
        }
    }

    @Test
    void puctScoreMatchesTheFormulaByHand() {
        // Root with 2 visits (1 own + 1 child): child 0 visited once with Q = 0.5 (reward 0.5, value 0).
        Tree t = new Tree(1, 4, 2);
        t.visits[0] = 2;
        t.value[0] = 0.25f;
        t.priorLogits[0] = (float) Math.log(0.3);
        t.priorLogits[1] = (float) Math.log(0.7);
        t.children[0] = 1;
        t.childReward[0] = 0.5f;
        t.childDiscount[0] = 1f;
        t.visits[1] = 1;
        t.value[1] = 0f;
        // Q normalized over parent value 0.25 and visited child 0.5: child 0 -> 1, unvisited child 1 -> min -> 0.
        float[] q = new float[2];
        QTransform.byParentAndSiblings(t, 0, 0, q);
        assertArrayEquals(new float[] {1f, 0f}, q, 1e-6f);
        double pb = 1.25 + Math.log((2 + 19652 + 1) / 19652.0);
        double s0 = 1 + Math.sqrt(2) * pb * 0.3 / 2;
        double s1 = 0 + Math.sqrt(2) * pb * 0.7 / 1;
        assertTrue(s0 > s1, "hand computation: " + s0 + " vs " + s1);
        assertEquals(0, Selection.puct(t, 0, 0, new Rng(1), new float[4]));
        t.childReward[0] = 0.3f; // Q(0)=0.3 -> normalized (0.3-0.25)/(0.05) = 1: same; make child 0 worse than the parent:
        t.childReward[0] = 0.1f; // normalized over [0.1, 0.25]: child 0 -> 0, child 1 (unvisited) -> 0
        QTransform.byParentAndSiblings(t, 0, 0, q);
        assertArrayEquals(new float[] {0f, 0f}, q, 1e-6f);
        assertEquals(1, Selection.puct(t, 0, 0, new Rng(1), new float[4]));
    }

    @Test
    void completedQMatchesTheMixedValueByHand() {
        // Root raw value 0.2; child 0 visited 3 times with Q 1.0; children 1, 2 unvisited; prior (0.5, 0.25, 0.25).
        Tree t = new Tree(1, 8, 3);
        t.visits[0] = 4;
        t.rawValue[0] = 0.2f;
        t.priorLogits[0] = (float) Math.log(0.5);
        t.priorLogits[1] = (float) Math.log(0.25);
        t.priorLogits[2] = (float) Math.log(0.25);
        t.children[0] = 1;
        t.childReward[0] = 1f;
        t.childDiscount[0] = 1f;
        t.visits[1] = 3;
        t.value[1] = 0f;
        float[] out = new float[3];
        QTransform.completed(t, 0, 0, 50f, 0.1f, out);
        // mixed = (0.2 + 3 * 1.0) / 4 = 0.8; completed = (1.0, 0.8, 0.8) -> rescaled (1, 0, 0) -> times (50 + 3) * 0.1
        assertArrayEquals(new float[] {5.3f, 0f, 0f}, out, 1e-5f);
    }

    @Test
    void sequentialHalvingScheduleMatchesMctx() {
        // mctx get_sequence_of_considered_visits(4, 8) = (0, 0, 0, 0, 1, 1, 2, 2)
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 2, 2}, Selection.sequence(4, 8));
        // m = 16, n = 32: 16 zeros, 8 ones, 4 twos, 4 threes (2 actions left, visited twice more)
        int[] s = Selection.sequence(16, 32);
        assertEquals(0, s[15]);
        assertEquals(1, s[16]);
        assertEquals(1, s[23]);
        assertEquals(2, s[24]);
        assertArrayEquals(new int[] {0, 1, 2, 3}, Selection.sequence(1, 4));
    }

    @Test
    void bothSearchesFindTheBanditsBestArmAgainstAWrongPrior() {
        float[] payoff = {0.1f, 0.2f, 0.9f, 0.3f};
        float[] prior = {2f, 1f, 0f, 0.5f}; // the prior prefers arm 0
        for (Mcts.Kind kind : Mcts.Kind.values()) {
            // Gumbel's Sequential Halving visits every arm within 32 simulations; pUCT explores a low-prior
            // arm only once sqrt(N) outgrows the others' normalized Q, so it gets a larger budget.
            Mcts m = new Mcts(Mcts.Config.defaults(kind, kind == Mcts.Kind.GUMBEL ? 32 : 256), 1, 4);
            m.search(new Bandit(payoff, prior, 1), false, new Rng(3));
            assertEquals(2, m.action(0, true, new Rng(4)), kind + " picks the best arm");
            float[] target = new float[4];
            m.policyTarget(0, target, 0);
            assertTrue(target[2] > target[0], kind + ": the improved policy moves mass to the best arm");
        }
    }

    @Test
    void searchFindsTheEndOfAChainDeeperThanOneStep() {
        for (Mcts.Kind kind : Mcts.Kind.values()) {
            Chain chain = new Chain(3, 40);
            Mcts m = new Mcts(Mcts.Config.defaults(kind, 40), 1, 2);
            m.search(chain, false, new Rng(5));
            assertEquals(1, m.action(0, true, new Rng(6)), kind + " moves right");
            assertTrue(m.rootValue(0) > 0.3f, kind + " root value sees the payoff three steps away: " + m.rootValue(0));
        }
    }

    /** Gumbel MuZero's policy improvement: with correct Q, the chosen arm is never worse than the arm the Gumbel-perturbed prior would pick. */
    @Test
    void gumbelWithTwoSimulationsNeverPicksWorseThanThePrior() {
        Rng rng = new Rng(11);
        float[] payoff = new float[6];
        float[] prior = new float[6];
        double improvedSum = 0;
        double priorSum = 0;
        for (int trial = 0; trial < 2000; trial++) {
            for (int a = 0; a < 6; a++) {
                payoff[a] = (float) rng.nextDouble();
                prior[a] = (float) (3 * rng.nextDouble());
            }
            Mcts m = new Mcts(Mcts.Config.defaults(Mcts.Kind.GUMBEL, 2), 1, 6);
            m.search(new Bandit(payoff, prior, 1), true, rng);
            int chosen = m.action(0, false, rng);
            int sampled = 0;
            int greedy = 0;
            for (int a = 1; a < 6; a++) {
                if (m.tree.rootGumbel[a] + prior[a] > m.tree.rootGumbel[sampled] + prior[sampled]) {
                    sampled = a;
                }
                if (prior[a] > prior[greedy]) {
                    greedy = a;
                }
            }
            assertTrue(payoff[chosen] >= payoff[sampled], "trial " + trial + ": chose " + chosen + " over the prior's sample " + sampled);
            improvedSum += payoff[chosen];
            double z = 0;
            double e = 0;
            for (int a = 0; a < 6; a++) {
                z += Math.exp(prior[a]);
                e += Math.exp(prior[a]) * payoff[a];
            }
            priorSum += e / z;
            // Without noise the choice is never worse than the prior's argmax.
            Mcts d = new Mcts(Mcts.Config.defaults(Mcts.Kind.GUMBEL, 2), 1, 6);
            d.search(new Bandit(payoff, prior, 1), false, rng);
            assertTrue(payoff[d.action(0, true, rng)] >= payoff[greedy], "trial " + trial + " without noise");
        }
        assertTrue(improvedSum > priorSum, "in expectation better than the prior: " + improvedSum / 2000 + " vs " + priorSum / 2000);
    }

    /** Regression: the visit counts of a small tree for a fixed seed (update only if the search is meant to change). */
    @Test
    void visitCountsOfASmallTreeArePinned() {
        float[] payoff = {0.3f, 0.5f, 0.1f};
        float[] prior = {0.2f, 0f, 0.4f};
        int[] visits = new int[3];
        Mcts p = new Mcts(Mcts.Config.defaults(Mcts.Kind.PUCT, 10), 1, 3);
        p.search(new Bandit(payoff, prior, 1), true, new Rng(42));
        p.tree.rootVisits(0, visits);
        assertArrayEquals(PINNED_PUCT, visits, java.util.Arrays.toString(visits));
        Mcts g = new Mcts(Mcts.Config.defaults(Mcts.Kind.GUMBEL, 10), 1, 3);
        g.search(new Bandit(payoff, prior, 1), true, new Rng(42));
        g.tree.rootVisits(0, visits);
        assertArrayEquals(PINNED_GUMBEL, visits, java.util.Arrays.toString(visits));
    }

    static final int[] PINNED_PUCT = {0, 9, 1};
    static final int[] PINNED_GUMBEL = {4, 5, 1};

    @Test
    void batchedTreesAreIndependent() {
        float[] payoff = {0.1f, 0.9f, 0.2f};
        Mcts one = new Mcts(Mcts.Config.defaults(Mcts.Kind.GUMBEL, 8), 1, 3);
        one.search(new Bandit(payoff, new float[3], 1), false, new Rng(1));
        Mcts many = new Mcts(Mcts.Config.defaults(Mcts.Kind.GUMBEL, 8), 5, 3);
        many.search(new Bandit(payoff, new float[3], 5), false, new Rng(1));
        int[] a = new int[3];
        int[] b = new int[3];
        one.tree.rootVisits(0, a);
        for (int i = 0; i < 5; i++) {
            many.tree.rootVisits(i, b);
            assertArrayEquals(a, b);
        }
    }
}
