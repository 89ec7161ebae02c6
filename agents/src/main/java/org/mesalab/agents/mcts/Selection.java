package org.mesalab.agents.mcts;

import org.mesalab.core.Rng;

/**
 * The action-selection rules of a search (mctx {@code action_selection.py}): pUCT for MuZero, and
 * Gumbel MuZero's deterministic interior rule and Sequential-Halving root rule. Each method picks an
 * action at one node of one tree; {@code scratch} holds at least {@code 2 * A} floats.
 */
public final class Selection {
    /** MuZero's pUCT constants (Schrittwieser et al. 2020, appendix B). */
    public static final float C1 = 1.25f;
    public static final float C2 = 19652f;

    private Selection() {
    }

    /**
     * pUCT: {@code argmax_a Q(a) + P(a) * sqrt(N) / (1 + n(a)) * (c1 + log((N + c2 + 1) / c2))} with Q
     * normalized by parent and siblings. Ties are broken by a tiny random perturbation, as mctx does.
     */
    public static int puct(Tree tree, int b, int node, Rng rng, float[] scratch) {
        int A = tree.actions;
        QTransform.byParentAndSiblings(tree, b, node, scratch);
        softmax(tree.priorLogits, tree.edge(b, node, 0), A, scratch, A);
        int n = tree.visits[tree.node(b, node)];
        double pbC = C1 + Math.log((n + C2 + 1) / C2);
        double sqrtN = Math.sqrt(n);
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < A; a++) {
            double score = scratch[a] + sqrtN * pbC * scratch[A + a] / (tree.childVisits(b, node, a) + 1)
                    + 1e-7 * rng.nextDouble();
            if (score > bestScore) {
                bestScore = score;
                best = a;
            }
        }
        return best;
    }

    /**
     * Gumbel MuZero's non-root rule (section 5): deterministic
     * {@code argmax_a pi'(a) - n(a) / (1 + sum n)} with {@code pi' = softmax(logits + sigma(completedQ))}.
     */
    public static int gumbelInterior(Tree tree, int b, int node, QTransform completed, float[] scratch) {
        int A = tree.actions;
        completed.apply(tree, b, node, scratch);
        int base = tree.edge(b, node, 0);
        for (int a = 0; a < A; a++) {
            scratch[a] += tree.priorLogits[base + a];
        }
        softmax(scratch, 0, A, scratch, A);
        int sum = 0;
        for (int a = 0; a < A; a++) {
            sum += tree.childVisits(b, node, a);
        }
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < A; a++) {
            double score = scratch[A + a] - (double) tree.childVisits(b, node, a) / (1 + sum);
            if (score > bestScore) {
                bestScore = score;
                best = a;
            }
        }
        return best;
    }

    /**
     * Gumbel MuZero's root rule: among the actions whose visit count equals the count Sequential
     * Halving prescribes for this simulation, the argmax of {@code g + logits + sigma(completedQ)}.
     */
    public static int gumbelRoot(Tree tree, int b, int considered, int[][] table, QTransform completed, float[] scratch) {
        int sum = 0;
        for (int a = 0; a < tree.actions; a++) {
            sum += tree.childVisits(b, Tree.ROOT, a);
        }
        int[] sequence = table[considered];
        int target = sequence[Math.min(sum, sequence.length - 1)];
        return scoreConsidered(tree, b, target, completed, scratch);
    }

    /**
     * {@code argmax_a g(a) + logits(a) + sigma(completedQ)(a)} over actions visited exactly
     * {@code visitsOfConsidered} times (mctx {@code score_considered}); also the final action choice
     * with the maximal visit count.
     */
    public static int scoreConsidered(Tree tree, int b, int visitsOfConsidered, QTransform completed, float[] scratch) {
        int A = tree.actions;
        completed.apply(tree, b, Tree.ROOT, scratch);
        int base = tree.edge(b, Tree.ROOT, 0);
        float maxLogit = Float.NEGATIVE_INFINITY;
        for (int a = 0; a < A; a++) {
            maxLogit = Math.max(maxLogit, tree.priorLogits[base + a]);
        }
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < A; a++) {
            if (tree.childVisits(b, Tree.ROOT, a) != visitsOfConsidered) {
                continue;
            }
            double score = Math.max(-1e9, tree.rootGumbel[b * A + a] + tree.priorLogits[base + a] - maxLogit + scratch[a]);
            if (score > bestScore) {
                bestScore = score;
                best = a;
            }
        }
        return best;
    }

    /**
     * Sequential Halving's visit schedule (mctx {@code get_table_of_considered_visits}): row m lists,
     * for each simulation, how many visits an action must have to be considered when m actions are.
     */
    public static int[][] consideredVisits(int maxConsidered, int simulations) {
        int[][] table = new int[maxConsidered + 1][];
        for (int m = 0; m <= maxConsidered; m++) {
            table[m] = sequence(m, simulations);
        }
        return table;
    }

    static int[] sequence(int m, int simulations) {
        int[] seq = new int[Math.max(simulations, 1)];
        if (m <= 1) {
            for (int i = 0; i < simulations; i++) {
                seq[i] = i;
            }
            return seq;
        }
        int log2max = (int) Math.ceil(Math.log(m) / Math.log(2));
        int[] visits = new int[m];
        int considered = m;
        int len = 0;
        while (len < simulations) {
            int extra = Math.max(1, simulations / (log2max * considered));
            for (int r = 0; r < extra && len < simulations; r++) {
                for (int i = 0; i < considered && len < simulations; i++) {
                    seq[len++] = visits[i];
                }
                for (int i = 0; i < considered; i++) {
                    visits[i]++;
                }
            }
            considered = Math.max(2, considered / 2);
        }
        return seq;
    }

    /** Softmax of {@code src[from .. from+n)} into {@code dst[to .. to+n)}. */
    public static void softmax(float[] src, int from, int n, float[] dst, int to) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, src[from + i]);
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            z += Math.exp(src[from + i] - max);
        }
        for (int i = 0; i < n; i++) {
            dst[to + i] = (float) (Math.exp(src[from + i] - max) / z);
        }
    }
}
