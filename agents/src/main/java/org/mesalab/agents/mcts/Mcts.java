package org.mesalab.agents.mcts;

import org.mesalab.core.Rng;

/**
 * Batched Monte Carlo tree search over a {@link SearchModel} (mctx {@code search.py}). One tree per
 * environment; every simulation descends each tree to an unexpanded edge, makes one batched model call
 * for all trees, and backs the leaf values up. Allocation-free after construction. What differs between
 * {@link Kind#PUCT} and {@link Kind#GUMBEL} (root noise, selection, acting, the policy target) is the
 * {@link Recipe}: {@link MuZeroRecipe} or {@link GumbelRecipe}.
 */
public final class Mcts {
    public enum Kind { PUCT, GUMBEL }

    /**
     * Search hyperparameters with the papers' defaults.
     *
     * @param dirichletAlpha    root noise concentration (pUCT, training)
     * @param dirichletFraction share of the root prior replaced by noise (pUCT, training)
     * @param maxConsidered     m, actions sampled at the root by Gumbel-top-m
     * @param cVisit            sigma's visit offset
     * @param cScale            sigma's scale
     * @param rescaleQ          Gumbel: min-max rescale completed Q to [0, 1] (the paper); false keeps reward units
     * @param qRangeFloor       Gumbel, rescaled: the smallest Q range stretched to the full scale ({@link QTransform#EPSILON}
     *                          as the paper); differences below it stay proportionally small
     */
    public record Config(Kind kind, int simulations, float dirichletAlpha, float dirichletFraction, int maxConsidered, float cVisit, float cScale,
                         boolean rescaleQ, float qRangeFloor) {
        public static Config defaults(Kind kind, int simulations) {
            return new Config(kind, simulations, 0.3f, 0.25f, 16, 50f, 0.1f, true, QTransform.EPSILON);
        }

        public Config withSimulations(int n) {
            return new Config(kind, n, dirichletAlpha, dirichletFraction, maxConsidered, cVisit, cScale, rescaleQ, qRangeFloor);
        }

        public Config withRescaleQ(boolean rescale, float floor) {
            return new Config(kind, simulations, dirichletAlpha, dirichletFraction, maxConsidered, cVisit, cScale, rescale, floor);
        }

        public Config withCScale(float scale) {
            return new Config(kind, simulations, dirichletAlpha, dirichletFraction, maxConsidered, cVisit, scale, rescaleQ, qRangeFloor);
        }
    }

    private final Config config;
    public final Tree tree;
    private final SearchModel.Expansion out;
    private final int[] parents;
    private final int[] actions;
    private final float[] scratch;
    private final Recipe recipe;

    public Mcts(Config config, int batch, int actions) {
        if (config.simulations() < 1) {
            throw new IllegalArgumentException("simulations must be >= 1, got " + config.simulations());
        }
        this.config = config;
        this.tree = new Tree(batch, config.simulations(), actions);
        this.out = new SearchModel.Expansion(batch, actions);
        this.parents = new int[batch];
        this.actions = new int[batch];
        this.scratch = new float[2 * actions];
        this.recipe = config.kind() == Kind.PUCT ? new MuZeroRecipe(config.dirichletAlpha(), config.dirichletFraction())
                : new GumbelRecipe(Math.min(config.maxConsidered(), actions), config.simulations(),
                        QTransform.completedByMixValue(config.cVisit(), config.cScale(), config.rescaleQ(), config.qRangeFloor()));
    }

    public Config config() {
        return config;
    }

    /** Runs {@code simulations} simulations in every tree; {@code noise} adds the root exploration noise of training. */
    public void search(SearchModel model, boolean noise, Rng rng) {
        search(model, noise, rng, tree.batch);
    }

    /** Searches in the first {@code count} trees only (the model evaluates {@code count} roots). */
    public void search(SearchModel model, boolean noise, Rng rng, int count) {
        if (count < 1 || count > tree.batch) {
            throw new IllegalArgumentException("count " + count + " outside [1, " + tree.batch + "]");
        }
        Tree t = tree;
        int A = t.actions;
        t.clear();
        model.root(out);
        for (int b = 0; b < count; b++) {
            int root = t.node(b, Tree.ROOT);
            t.visits[root] = 1;
            t.value[root] = out.value[b];
            t.rawValue[root] = out.value[b];
            System.arraycopy(out.logits, b * A, t.priorLogits, t.edge(b, Tree.ROOT, 0), A);
            if (noise) {
                recipe.rootNoise(t, b, rng, scratch);
            }
        }
        for (int sim = 0; sim < config.simulations(); sim++) {
            for (int b = 0; b < count; b++) {
                int node = Tree.ROOT;
                while (true) {
                    int a = recipe.select(t, b, node, rng, scratch);
                    int child = t.children[t.edge(b, node, a)];
                    if (child == Tree.UNVISITED) {
                        parents[b] = node;
                        actions[b] = a;
                        break;
                    }
                    node = child;
                }
            }
            int leaf = sim + 1;
            model.recurrent(parents, actions, leaf, out);
            for (int b = 0; b < count; b++) {
                expand(b, leaf);
                backward(b, leaf);
            }
        }
    }

    private void expand(int b, int leaf) {
        Tree t = tree;
        int A = t.actions;
        int n = t.node(b, leaf);
        System.arraycopy(out.logits, b * A, t.priorLogits, t.edge(b, leaf, 0), A);
        t.rawValue[n] = out.value[b];
        t.value[n] = out.value[b];
        t.visits[n] = 1;
        t.parent[n] = parents[b];
        t.actionFromParent[n] = actions[b];
        int e = t.edge(b, parents[b], actions[b]);
        t.children[e] = leaf;
        t.childReward[e] = out.reward[b];
        t.childDiscount[e] = out.discount[b];
    }

    /** mctx {@code backward}: the leaf's value, discounted through each edge's reward, updates the running means up to the root. */
    private void backward(int b, int leaf) {
        Tree t = tree;
        int index = leaf;
        float v = t.value[t.node(b, leaf)];
        while (index != Tree.ROOT) {
            int parent = t.parent[t.node(b, index)];
            int e = t.edge(b, parent, t.actionFromParent[t.node(b, index)]);
            v = t.childReward[e] + t.childDiscount[e] * v;
            int p = t.node(b, parent);
            int count = t.visits[p];
            t.value[p] = (t.value[p] * count + v) / (count + 1);
            t.visits[p] = count + 1;
            index = parent;
        }
    }

    /** The action to take in tree b: Gumbel: the surviving action; pUCT: sampled from visit counts, or the most visited when {@code greedy}. */
    public int action(int b, boolean greedy, Rng rng) {
        return recipe.action(tree, b, greedy, rng, scratch);
    }

    /** The policy training target of tree b into {@code dst[off .. off+A)}: visit distribution (pUCT) or softmax(logits + sigma(completed Q)) (Gumbel). */
    public void policyTarget(int b, float[] dst, int off) {
        recipe.policyTarget(tree, b, dst, off, scratch);
    }

    /** The root's backed-up value (the search's value estimate). */
    public float rootValue(int b) {
        return tree.value[tree.node(b, Tree.ROOT)];
    }

    /** The prior logits at tree b's root into {@code dst}: the policy head's, with pUCT's Dirichlet noise mixed in when the search had noise. */
    public void rootPriorLogits(int b, float[] dst) {
        System.arraycopy(tree.priorLogits, tree.edge(b, Tree.ROOT, 0), dst, 0, tree.actions);
    }

    /** The model's value of the root before any simulation (the value head's own estimate). */
    public float rootModelValue(int b) {
        return tree.rawValue[tree.node(b, Tree.ROOT)];
    }
}
