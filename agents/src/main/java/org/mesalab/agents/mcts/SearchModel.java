package org.mesalab.agents.mcts;

/**
 * What a search asks of a model (mctx's root and recurrent functions), batched over {@code B} trees.
 * The model keeps each node's hidden state itself (a latent vector, or a saved simulator state),
 * indexed by tree and node, so the search only handles indices.
 */
public interface SearchModel {
    int actions();

    /** Evaluates the root (node 0) of every tree from the model's current inputs: fills {@code out.logits} and {@code out.value}. */
    void root(Expansion out);

    /**
     * Expands node {@code node} of every tree b as the child of {@code parents[b]} reached by
     * {@code actions[b]}: fills all four arrays of {@code out}.
     */
    void recurrent(int[] parents, int[] actions, int node, Expansion out);

    /** One batch of model outputs: logits {@code [B, A]}, value, reward and discount {@code [B]}. */
    final class Expansion {
        public final float[] logits;
        public final float[] value;
        public final float[] reward;
        public final float[] discount;

        public Expansion(int batch, int actions) {
            logits = new float[batch * actions];
            value = new float[batch];
            reward = new float[batch];
            discount = new float[batch];
        }
    }
}
