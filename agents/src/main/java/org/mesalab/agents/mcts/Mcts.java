package org.mesalab.agents.mcts;

import org.mesalab.core.Rng;

/**
 * Batched Monte Carlo tree search over a {@link SearchModel} (mctx {@code search.py} with the
 * {@code muzero_policy} and {@code gumbel_muzero_policy} recipes). One tree per environment; every
 * simulation descends each tree to an unexpanded edge, makes one batched model call for all trees,
 * and backs the leaf values up. Allocation-free after construction.
 *
 * <p>Two root rules: {@link Kind#PUCT} (MuZero: pUCT everywhere, Dirichlet noise at the root in
 * training, act by visit counts, target = visit distribution) and {@link Kind#GUMBEL} (Gumbel MuZero:
 * Gumbel-top-m with Sequential Halving at the root, deterministic rule inside, act by the surviving
 * action, target = softmax(logits + sigma(completed Q))), which improves the policy even with 2
 * simulations.
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
     */
    public record Config(Kind kind, int simulations, float dirichletAlpha, float dirichletFraction, int maxConsidered, float cVisit, float cScale,
                         boolean rescaleQ) {
        public static Config defaults(Kind kind, int simulations) {
            return new Config(kind, simulations, 0.3f, 0.25f, 16, 50f, 0.1f, true);
        }

        public Config withSimulations(int n) {
            return new Config(kind, n, dirichletAlpha, dirichletFraction, maxConsidered, cVisit, cScale, rescaleQ);
        }

        public Config withRescaleQ(boolean rescale) {
            return new Config(kind, simulations, dirichletAlpha, dirichletFraction, maxConsidered, cVisit, cScale, rescale);
        }
    }

    private final Config config;
    public final Tree tree;
    private final SearchModel.Expansion out;
    private final int[] parents;
    private final int[] actions;
    private final float[] scratch;
    private final int[][] table;
    private final QTransform completed;
    private final int considered;

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
        this.considered = Math.min(config.maxConsidered(), actions);
        this.table = Selection.consideredVisits(considered, config.simulations());
        this.completed = QTransform.completedByMixValue(config.cVisit(), config.cScale(), config.rescaleQ());
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
                if (config.kind() == Kind.PUCT) {
                    addDirichlet(t, b, rng);
                } else {
                    for (int a = 0; a < A; a++) {
                        t.rootGumbel[b * A + a] = (float) gumbel(rng);
                    }
                }
            }
        }
        for (int sim = 0; sim < config.simulations(); sim++) {
            for (int b = 0; b < count; b++) {
                int node = Tree.ROOT;
                while (true) {
                    int a = select(b, node, rng);
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

    private int select(int b, int node, Rng rng) {
        if (config.kind() == Kind.PUCT) {
            return Selection.puct(tree, b, node, rng, scratch);
        }
        if (node == Tree.ROOT) {
            return Selection.gumbelRoot(tree, b, considered, table, completed, scratch);
        }
        return Selection.gumbelInterior(tree, b, node, completed, scratch);
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
        Tree t = tree;
        int A = t.actions;
        if (config.kind() == Kind.GUMBEL) {
            int maxVisits = 0;
            for (int a = 0; a < A; a++) {
                maxVisits = Math.max(maxVisits, t.childVisits(b, Tree.ROOT, a));
            }
            return Selection.scoreConsidered(t, b, maxVisits, completed, scratch);
        }
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

    /** The policy training target of tree b into {@code dst[off .. off+A)}: visit distribution (pUCT) or softmax(logits + sigma(completed Q)) (Gumbel). */
    public void policyTarget(int b, float[] dst, int off) {
        Tree t = tree;
        int A = t.actions;
        if (config.kind() == Kind.PUCT) {
            int total = t.visits[t.node(b, Tree.ROOT)] - 1;
            for (int a = 0; a < A; a++) {
                dst[off + a] = (float) t.childVisits(b, Tree.ROOT, a) / total;
            }
            return;
        }
        completed.apply(t, b, Tree.ROOT, scratch);
        int base = t.edge(b, Tree.ROOT, 0);
        for (int a = 0; a < A; a++) {
            scratch[a] += t.priorLogits[base + a];
        }
        Selection.softmax(scratch, 0, A, dst, off);
    }

    /** The root's backed-up value (the search's value estimate). */
    public float rootValue(int b) {
        return tree.value[tree.node(b, Tree.ROOT)];
    }

    private void addDirichlet(Tree t, int b, Rng rng) {
        int A = t.actions;
        int base = t.edge(b, Tree.ROOT, 0);
        Selection.softmax(t.priorLogits, base, A, scratch, 0);
        double sum = 0;
        for (int a = 0; a < A; a++) {
            scratch[A + a] = (float) gamma(config.dirichletAlpha(), rng);
            sum += scratch[A + a];
        }
        float f = config.dirichletFraction();
        for (int a = 0; a < A; a++) {
            double noise = sum > 0 ? scratch[A + a] / sum : 1.0 / A;
            t.priorLogits[base + a] = (float) Math.log(Math.max((1 - f) * scratch[a] + f * noise, 1e-30));
        }
    }

    static double gumbel(Rng rng) {
        return -Math.log(-Math.log(Math.max(rng.nextDouble(), 1e-300)));
    }

    /** Gamma(alpha, 1) by Marsaglia and Tsang (2000), boosted by U^(1/alpha) for alpha < 1. */
    static double gamma(double alpha, Rng rng) {
        if (alpha < 1) {
            return gamma(alpha + 1, rng) * Math.pow(Math.max(rng.nextDouble(), 1e-300), 1 / alpha);
        }
        double d = alpha - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = normal(rng);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    static double normal(Rng rng) {
        double u = Math.max(rng.nextDouble(), 1e-300);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
