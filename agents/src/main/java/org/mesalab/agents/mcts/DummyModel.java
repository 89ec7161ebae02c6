package org.mesalab.agents.mcts;

/**
 * A model without a network, for measuring the tree operations alone: uniform priors, and rewards and
 * values from a cheap hash of (tree, node), so that Q values differ and the search takes the shapes
 * it takes with a real model.
 */
public final class DummyModel implements SearchModel {
    private final int actions;
    private final int batch;

    public DummyModel(int batch, int actions) {
        this.batch = batch;
        this.actions = actions;
    }

    @Override
    public int actions() {
        return actions;
    }

    @Override
    public void root(Expansion out) {
        java.util.Arrays.fill(out.logits, 0, batch * actions, 0f);
        java.util.Arrays.fill(out.value, 0, batch, 0f);
    }

    @Override
    public void recurrent(int[] parents, int[] acts, int node, Expansion out) {
        for (int b = 0; b < batch; b++) {
            long h = org.mesalab.core.Rng.mix((long) b * 1_000_003L + node * 31L + acts[b]);
            out.reward[b] = (h & 1023) / 1023f * 0.1f;
            out.value[b] = ((h >>> 10) & 1023) / 1023f;
            out.discount[b] = 0.97f;
        }
        java.util.Arrays.fill(out.logits, 0, batch * actions, 0f);
    }
}
