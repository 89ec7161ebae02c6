package org.mesalab.agents.mcts;

/**
 * Turns a node's child Q values into the scores a selection rule adds to its prior term (mctx
 * {@code qtransforms.py}). Writes one score per action into {@code out}.
 */
@FunctionalInterface
public interface QTransform {
    /**
     * Floor of the min-max range, as in the papers. Normalization turns even tiny Q differences into
     * full-scale preferences; with small random initial reward and value heads the search then acts on
     * noise and stops exploring (measured on maze: 0% train success after 40k steps, 11% for a random
     * policy), which is why the planner's reward and value heads start at exactly zero.
     */
    float EPSILON = 1e-8f;


    void apply(Tree tree, int b, int node, float[] out);

    /**
     * MuZero's normalization: Q of visited children, min-max normalized over the parent's value and
     * the visited children's Q; unvisited children get the minimum (0 after normalization).
     */
    static void byParentAndSiblings(Tree tree, int b, int node, float[] out) {
        float nodeValue = tree.value[tree.node(b, node)];
        float min = nodeValue;
        float max = nodeValue;
        for (int a = 0; a < tree.actions; a++) {
            if (tree.childVisits(b, node, a) > 0) {
                float q = tree.q(b, node, a);
                min = Math.min(min, q);
                max = Math.max(max, q);
            }
        }
        float range = Math.max(max - min, EPSILON);
        for (int a = 0; a < tree.actions; a++) {
            float q = tree.childVisits(b, node, a) > 0 ? tree.q(b, node, a) : min;
            out[a] = (q - min) / range;
        }
    }

    /** Gumbel MuZero's completed Q (Danihelka et al. 2022, section 4 and appendix D) with its constants. */
    static QTransform completedByMixValue(float cVisit, float cScale) {
        return completedByMixValue(cVisit, cScale, true);
    }

    /** As above; without {@code rescale}, Q keeps its reward units (mctx's {@code rescale_values=False}). */
    static QTransform completedByMixValue(float cVisit, float cScale, boolean rescale) {
        return completedByMixValue(cVisit, cScale, rescale, EPSILON);
    }

    /**
     * As above with a floor on the rescaling range: a spread of completed Q smaller than {@code floor}
     * is not stretched to full scale (noise of an untrained value head stays noise-sized).
     */
    static QTransform completedByMixValue(float cVisit, float cScale, boolean rescale, float floor) {
        return (tree, b, node, out) -> completed(tree, b, node, cVisit, cScale, rescale, floor, out);
    }

    /**
     * {@code sigma(completedQ) = (cVisit + max_a N(a)) * cScale * rescaled(completedQ)}, where unvisited
     * actions are completed with the mixed value {@code (v + sum N * sum_visited pi q / sum_visited pi) / (1 + sum N)}
     * and Q is min-max rescaled over the actions.
     */
    static void completed(Tree tree, int b, int node, float cVisit, float cScale, float[] out) {
        completed(tree, b, node, cVisit, cScale, true, EPSILON, out);
    }

    static void completed(Tree tree, int b, int node, float cVisit, float cScale, boolean rescale, float floor, float[] out) {
        int A = tree.actions;
        int base = tree.edge(b, node, 0);
        float maxLogit = Float.NEGATIVE_INFINITY;
        for (int a = 0; a < A; a++) {
            maxLogit = Math.max(maxLogit, tree.priorLogits[base + a]);
        }
        double z = 0;
        for (int a = 0; a < A; a++) {
            z += Math.exp(tree.priorLogits[base + a] - maxLogit);
        }
        int sumVisits = 0;
        int maxVisits = 0;
        double sumProbs = 0;
        double weightedQ = 0;
        for (int a = 0; a < A; a++) {
            int n = tree.childVisits(b, node, a);
            sumVisits += n;
            maxVisits = Math.max(maxVisits, n);
            if (n > 0) {
                double p = Math.max(Math.exp(tree.priorLogits[base + a] - maxLogit) / z, Float.MIN_NORMAL);
                sumProbs += p;
                weightedQ += p * tree.q(b, node, a);
            }
        }
        float raw = tree.rawValue[tree.node(b, node)];
        float mixed = sumVisits > 0 ? (float) ((raw + sumVisits * (weightedQ / sumProbs)) / (sumVisits + 1)) : raw;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int a = 0; a < A; a++) {
            out[a] = tree.childVisits(b, node, a) > 0 ? tree.q(b, node, a) : mixed;
            min = Math.min(min, out[a]);
            max = Math.max(max, out[a]);
        }
        float scale = (cVisit + maxVisits) * cScale;
        if (!rescale) {
            for (int a = 0; a < A; a++) {
                out[a] = scale * out[a];
            }
            return;
        }
        float range = Math.max(max - min, floor);
        for (int a = 0; a < A; a++) {
            out[a] = scale * (out[a] - min) / range;
        }
    }
}
