package org.mesalab.agents.mcts;

import java.util.Arrays;

/**
 * A batch of search trees as flat primitive arrays, as in mctx's {@code tree.py}: {@code B} trees of
 * {@code N = simulations + 1} nodes with {@code A} actions each. Node {@code i} of a tree is created at
 * simulation {@code i} (the root is node 0), so no allocation happens during a search; index
 * {@code b * N + i} addresses node i of tree b and {@code (b * N + i) * A + a} its edge a.
 *
 * <p>Values are from the point of view of the single agent (no sign flips): a child's Q is
 * {@code reward + discount * value(child)}.
 */
public final class Tree {
    public static final int ROOT = 0;
    public static final int UNVISITED = -1;
    public static final int NO_PARENT = -1;

    public final int batch;
    public final int nodes;
    public final int actions;

    /** [B, N] visit count of each node. */
    public final int[] visits;
    /** [B, N] mean backed-up value. */
    public final float[] value;
    /** [B, N] the network's value estimate when the node was expanded. */
    public final float[] rawValue;
    /** [B, N] parent node, {@link #NO_PARENT} for the root. */
    public final int[] parent;
    /** [B, N] action that led from the parent. */
    public final int[] actionFromParent;
    /** [B, N, A] prior logits of each node's actions (at the root, after any Dirichlet noise). */
    public final float[] priorLogits;
    /** [B, N, A] child node index, {@link #UNVISITED} when not yet expanded. */
    public final int[] children;
    /** [B, N, A] reward of the transition to the child. */
    public final float[] childReward;
    /** [B, N, A] discount of the transition (0 after a predicted termination). */
    public final float[] childDiscount;
    /** [B, A] Gumbel noise drawn at the root (zero for pUCT search). */
    public final float[] rootGumbel;

    public Tree(int batch, int simulations, int actions) {
        if (batch <= 0 || simulations < 0 || actions <= 0) {
            throw new IllegalArgumentException("batch, simulations, actions = " + batch + ", " + simulations + ", " + actions);
        }
        this.batch = batch;
        this.nodes = simulations + 1;
        this.actions = actions;
        int bn = batch * nodes;
        visits = new int[bn];
        value = new float[bn];
        rawValue = new float[bn];
        parent = new int[bn];
        actionFromParent = new int[bn];
        priorLogits = new float[bn * actions];
        children = new int[bn * actions];
        childReward = new float[bn * actions];
        childDiscount = new float[bn * actions];
        rootGumbel = new float[batch * actions];
        clear();
    }

    /** Empties every tree for a new search. */
    public void clear() {
        Arrays.fill(visits, 0);
        Arrays.fill(value, 0f);
        Arrays.fill(rawValue, 0f);
        Arrays.fill(parent, NO_PARENT);
        Arrays.fill(actionFromParent, -1);
        Arrays.fill(priorLogits, 0f);
        Arrays.fill(children, UNVISITED);
        Arrays.fill(childReward, 0f);
        Arrays.fill(childDiscount, 0f);
        Arrays.fill(rootGumbel, 0f);
    }

    /** Flat index of node {@code node} of tree {@code b}. */
    public int node(int b, int node) {
        return b * nodes + node;
    }

    /** Flat index of edge {@code a} of node {@code node} in tree {@code b}. */
    public int edge(int b, int node, int a) {
        return (b * nodes + node) * actions + a;
    }

    /** Visits of the child through edge a, 0 when unexpanded. */
    public int childVisits(int b, int node, int a) {
        int c = children[edge(b, node, a)];
        return c == UNVISITED ? 0 : visits[node(b, c)];
    }

    /** Backed-up value of the child through edge a, 0 when unexpanded. */
    public float childValue(int b, int node, int a) {
        int c = children[edge(b, node, a)];
        return c == UNVISITED ? 0f : value[node(b, c)];
    }

    /** Q of edge a: {@code reward + discount * value(child)}, as mctx's {@code Tree.qvalues}. */
    public float q(int b, int node, int a) {
        int e = edge(b, node, a);
        return childReward[e] + childDiscount[e] * childValue(b, node, a);
    }

    /** Visit counts of the root's children into {@code out[A]}. */
    public void rootVisits(int b, int[] out) {
        for (int a = 0; a < actions; a++) {
            out[a] = childVisits(b, ROOT, a);
        }
    }
}
