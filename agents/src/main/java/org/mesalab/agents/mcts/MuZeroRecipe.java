package org.mesalab.agents.mcts;

import org.mesalab.core.Rng;
import org.mesalab.core.Samplers;

/**
 * MuZero's recipe (Schrittwieser et al. 2020, appendix B; mctx {@code muzero_policy}): pUCT at every
 * node, Dirichlet noise mixed into the root prior in training, act by sampling the root's visit counts
 * (or the most visited), and the visit distribution as the policy target.
 */
final class MuZeroRecipe implements Recipe {
    private final float dirichletAlpha;
    private final float dirichletFraction;

    MuZeroRecipe(float dirichletAlpha, float dirichletFraction) {
        this.dirichletAlpha = dirichletAlpha;
        this.dirichletFraction = dirichletFraction;
    }

    /** {@code P = (1 - f) P + f Dir(alpha)} at the root: A gamma variates. */
    @Override
    public void rootNoise(Tree t, int b, Rng rng, float[] scratch) {
        int A = t.actions;
        int base = t.edge(b, Tree.ROOT, 0);
        Selection.softmax(t.priorLogits, base, A, scratch, 0);
        double sum = 0;
        for (int a = 0; a < A; a++) {
            scratch[A + a] = (float) Samplers.gamma(dirichletAlpha, rng);
            sum += scratch[A + a];
        }
        for (int a = 0; a < A; a++) {
            double noise = sum > 0 ? scratch[A + a] / sum : 1.0 / A;
            t.priorLogits[base + a] = (float) Math.log(Math.max((1 - dirichletFraction) * scratch[a] + dirichletFraction * noise, 1e-30));
        }
    }

    @Override
    public int select(Tree t, int b, int node, Rng rng, float[] scratch) {
        return Selection.puct(t, b, node, rng, scratch);
    }

    @Override
    public int action(Tree t, int b, boolean greedy, Rng rng, float[] scratch) {
        int A = t.actions;
        if (greedy) {
            int best = 0;
            for (int a = 1; a < A; a++) {
                if (t.childVisits(b, Tree.ROOT, a) > t.childVisits(b, Tree.ROOT, best)) {
                    best = a;
                }
            }
            return best;
        }
        int total = t.visits[t.node(b, Tree.ROOT)] - 1;
        int r = rng.nextInt(total);
        for (int a = 0; a < A; a++) {
            r -= t.childVisits(b, Tree.ROOT, a);
            if (r < 0) {
                return a;
            }
        }
        return A - 1;
    }

    @Override
    public void policyTarget(Tree t, int b, float[] dst, int off, float[] scratch) {
        int total = t.visits[t.node(b, Tree.ROOT)] - 1;
        for (int a = 0; a < t.actions; a++) {
            dst[off + a] = (float) t.childVisits(b, Tree.ROOT, a) / total;
        }
    }
}
