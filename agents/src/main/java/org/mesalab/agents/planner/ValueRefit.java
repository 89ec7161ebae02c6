package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.mesalab.agents.nn.Adam;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Objective;
import org.mesalab.core.Rng;

/**
 * Refits a value head for a swapped objective while the world model stays frozen: the
 * {@code events:EXPR} slot's value. Fitted value iteration on hidden states of observed situations,
 * through the frozen dynamics: {@code V(s) <- max_a [r_O(s, a) + gamma (1 - p_term(s, a)) V(g(s, a))]},
 * with {@code r_O} the objective scored on the dynamics' predicted event probabilities. The data are
 * observations only (no reward signal), collected by a uniformly random policy on any level
 * distribution; which one decides where the refit value can be trusted.
 */
public final class ValueRefit {
    /** Rounds of fitted value iteration (each one Bellman backup, at least the longest useful path). */
    public static final int ROUNDS = 40;
    public static final int STEPS_PER_ROUND = 50;
    public static final int BATCH = 256;
    public static final double LEARNING_RATE = 1e-3;

    private ValueRefit() {
    }

    /** Observations from {@code levels} random-walk episodes on consecutive levels of {@code dist} from {@code start}. */
    public static float[][] collect(Distribution dist, long start, int levels, Rng rng) {
        Env env = dist.create();
        java.util.List<float[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < levels; i++) {
            env.reset(dist.levelSeed(start + i));
            out.add(env.observation().clone());
            while (!env.done()) {
                env.step(rng.nextInt(env.numActions()));
                if (!env.done()) {
                    out.add(env.observation().clone());
                }
            }
        }
        return out.toArray(new float[0][]);
    }

    /** Fits a fresh value head for {@code objective} on the hidden states of {@code observations}. */
    @SuppressWarnings("try")
    public static PlannerNetwork.ObjectiveValue fit(NDManager manager, PlannerNetwork net, Objective objective, double gamma,
                                                    float[][] observations, int width, Rng rng) {
        int n = observations.length;
        int A = net.actions();
        int L = net.latent();
        int D = net.obsSize();
        PlannerNetwork.ObjectiveValue head = new PlannerNetwork.ObjectiveValue(manager, L, width, rng);
        Adam adam = new Adam(manager, head.parameters(), 1e-8, 0.0);
        float[] flat = new float[n * D];
        for (int i = 0; i < n; i++) {
            System.arraycopy(observations[i], 0, flat, i * D, D);
        }
        // Frozen world model, evaluated once: states, and for every action the next state, reward, discount.
        float[] states;
        float[] nextStates = new float[n * A * L];
        float[] reward = new float[n * A];
        float[] discount = new float[n * A];
        double[] w = objective.weights();
        try (NDManager sub = manager.newSubManager()) {
            NDArray s = net.represent(sub.create(flat, new Shape(n, D)), false);
            states = s.toFloatArray();
            for (int a = 0; a < A; a++) {
                int[] acts = new int[n];
                java.util.Arrays.fill(acts, a);
                PlannerNetwork.Transition dyn = net.dynamics(s, sub.create(net.oneHot(acts, n), new Shape(n, A)), false);
                float[] ns = dyn.next().toFloatArray();
                float[] ev = dyn.eventLogits().toFloatArray();
                float[] term = dyn.terminalLogit().toFloatArray();
                for (int i = 0; i < n; i++) {
                    System.arraycopy(ns, i * L, nextStates, (i * A + a) * L, L);
                    double r = objective.stepReward();
                    for (int e = 0; e < PlannerNetwork.EVENTS; e++) {
                        if (w[e] != 0) {
                            r += w[e] * LatentModel.sigmoid(ev[i * PlannerNetwork.EVENTS + e]);
                        }
                    }
                    reward[i * A + a] = (float) r;
                    discount[i * A + a] = (float) gamma * (1f - LatentModel.sigmoid(term[i]));
                }
            }
        }
        float[] targets = new float[n];
        float[] mbS = new float[BATCH * L];
        float[] mbT = new float[BATCH];
        for (int round = 0; round < ROUNDS; round++) {
            try (NDManager sub = manager.newSubManager()) { // one Bellman backup with the current head
                float[] v = head.value(sub.create(nextStates, new Shape((long) n * A, L)), false).toFloatArray();
                for (int i = 0; i < n; i++) {
                    float best = Float.NEGATIVE_INFINITY;
                    for (int a = 0; a < A; a++) {
                        best = Math.max(best, reward[i * A + a] + discount[i * A + a] * v[i * A + a]);
                    }
                    targets[i] = best;
                }
            }
            for (int step = 0; step < STEPS_PER_ROUND; step++) {
                for (int j = 0; j < BATCH; j++) {
                    int i = rng.nextInt(n);
                    System.arraycopy(states, i * L, mbS, j * L, L);
                    mbT[j] = targets[i];
                }
                try (NDManager sub = manager.newSubManager(); NDScope scope = new NDScope()) {
                    try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                        NDArray pred = head.value(sub.create(mbS, new Shape(BATCH, L)), true);
                        NDArray loss = pred.sub(sub.create(mbT)).square().mean();
                        gc.backward(loss);
                    }
                    adam.step(LEARNING_RATE, 10.0);
                }
            }
        }
        return head;
    }
}
