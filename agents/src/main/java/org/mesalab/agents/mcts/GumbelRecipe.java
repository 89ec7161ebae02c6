package org.mesalab.agents.mcts;

import org.mesalab.core.Rng;
import org.mesalab.core.Samplers;

/**
 * Gumbel MuZero's recipe (Danihelka et al. 2022; mctx {@code gumbel_muzero_policy}): Gumbel noise on
 * the root logits in training, Gumbel-top-m with Sequential Halving at the root, the deterministic rule
 * inside, act by the surviving action, and {@code softmax(logits + sigma(completed Q))} as the policy
 * target, which improves the policy even with 2 simulations.
 */
final class GumbelRecipe implements Recipe {
    private final int considered;
    private final int[][] table;
    private final QTransform completed;

    /** @param considered m, actions sampled at the root; {@code table} is Sequential Halving's visit schedule */
    GumbelRecipe(int considered, int simulations, QTransform completed) {
        this.considered = considered;
        this.table = Selection.consideredVisits(considered, simulations);
        this.completed = completed;
    }

    /** One Gumbel variate per root action. */
    @Override
    public void rootNoise(Tree t, int b, Rng rng, float[] scratch) {
        for (int a = 0; a < t.actions; a++) {
            t.rootGumbel[b * t.actions + a] = (float) Samplers.gumbel(rng);
        }
    }

    @Override
    public int select(Tree t, int b, int node, Rng rng, float[] scratch) {
        return node == Tree.ROOT ? Selection.gumbelRoot(t, b, considered, table, completed, scratch)
                : Selection.gumbelInterior(t, b, node, completed, scratch);
    }

    @Override
    public int action(Tree t, int b, boolean greedy, Rng rng, float[] scratch) {
        int maxVisits = 0;
        for (int a = 0; a < t.actions; a++) {
            maxVisits = Math.max(maxVisits, t.childVisits(b, Tree.ROOT, a));
        }
        return Selection.scoreConsidered(t, b, maxVisits, completed, scratch);
    }

    @Override
    public void policyTarget(Tree t, int b, float[] dst, int off, float[] scratch) {
        int A = t.actions;
        completed.apply(t, b, Tree.ROOT, scratch);
        int base = t.edge(b, Tree.ROOT, 0);
        for (int a = 0; a < A; a++) {
            scratch[a] += t.priorLogits[base + a];
        }
        Selection.softmax(scratch, 0, A, dst, off);
    }
}
