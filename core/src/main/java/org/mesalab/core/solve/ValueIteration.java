package org.mesalab.core.solve;

import org.mesalab.core.Objective;

/**
 * Exact planning on a {@link StateGraph} for any {@link Objective}.
 *
 * <p>Hard: {@code Q(s,a) = r(s,a) + gamma * max_a' Q(s',a')}. Soft (maximum-entropy, Ziebart et al.
 * 2008): {@code V(s) = tau * log sum_a exp(Q(s,a) / tau)}, the Bellman backup of a Boltzmann-rational
 * agent with temperature tau. Terminal transitions have no continuation. Both iterate until the largest
 * change of V is below {@code tolerance}; values are {@code [states * actions]}.
 */
public final class ValueIteration {
    public static final double GAMMA = 0.99;
    public static final double TOLERANCE = 1e-9;
    public static final int MAX_ITERATIONS = 100_000;

    private ValueIteration() {
    }

    /** Optimal Q values. */
    public static double[] q(StateGraph g, Objective o, double gamma) {
        return solve(g, o, gamma, 0.0);
    }

    /** Soft Q values at temperature {@code tau > 0}. */
    public static double[] softQ(StateGraph g, Objective o, double gamma, double tau) {
        if (!(tau > 0)) {
            throw new IllegalArgumentException("temperature must be positive: " + tau);
        }
        return solve(g, o, gamma, tau);
    }

    private static double[] solve(StateGraph g, Objective o, double gamma, double tau) {
        int a = g.actions;
        double[] table = o.rewardTable();
        double[] q = new double[g.states * a];
        double[] v = new double[g.states];
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double change = 0;
            for (int s = 0; s < g.states; s++) {
                for (int act = 0; act < a; act++) {
                    int i = s * a + act;
                    int n = g.next[i];
                    q[i] = table[g.events[i]] + (n == StateGraph.TERMINAL ? 0 : gamma * v[n]);
                }
            }
            for (int s = 0; s < g.states; s++) {
                double nv = tau == 0 ? max(q, s * a, a) : softMax(q, s * a, a, tau);
                change = Math.max(change, Math.abs(nv - v[s]));
                v[s] = nv;
            }
            if (change < TOLERANCE) {
                break;
            }
        }
        return q;
    }

    public static double max(double[] q, int off, int n) {
        double m = q[off];
        for (int i = 1; i < n; i++) {
            m = Math.max(m, q[off + i]);
        }
        return m;
    }

    static double softMax(double[] q, int off, int n, double tau) {
        double m = max(q, off, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp((q[off + i] - m) / tau);
        }
        return m + tau * Math.log(sum);
    }

    /** The greedy action of state s: the first maximum, so results are deterministic. */
    public static int argmax(double[] q, int s, int actions) {
        int best = 0;
        for (int i = 1; i < actions; i++) {
            if (q[s * actions + i] > q[s * actions + best] + 1e-12) {
                best = i;
            }
        }
        return best;
    }
}
