package org.mesalab.agents.mcts;

import org.mesalab.core.Rng;

/**
 * How a search explores, acts and teaches (mctx {@code policies.py}): the parts that differ between
 * MuZero's pUCT recipe ({@link MuZeroRecipe}) and Gumbel MuZero's ({@link GumbelRecipe}); the search
 * loop itself is {@link Mcts}. Methods work on tree {@code b}; {@code scratch} holds at least {@code 2 * A} floats.
 */
interface Recipe {
    /** Training noise at the root after its expansion (drawn from {@code rng}). */
    void rootNoise(Tree tree, int b, Rng rng, float[] scratch);

    /** The action to follow at {@code node} during a simulation. */
    int select(Tree tree, int b, int node, Rng rng, float[] scratch);

    /** The action to take after the search; {@code greedy} removes the sampling where the recipe samples. */
    int action(Tree tree, int b, boolean greedy, Rng rng, float[] scratch);

    /** The policy training target into {@code dst[off .. off + A)}. */
    void policyTarget(Tree tree, int b, float[] dst, int off, float[] scratch);
}
