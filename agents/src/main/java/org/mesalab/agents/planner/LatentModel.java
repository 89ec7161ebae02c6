package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.mesalab.agents.mcts.SearchModel;
import org.mesalab.core.Objective;

/**
 * The search's view of the learned networks, with the objective in a slot: rewards and values come
 * either from the agent's own heads ({@code learned}) or from an {@link Objective} over the dynamics'
 * predicted event probabilities, {@code r = stepReward + sum_e w_e sigmoid(eventLogit_e)}, with a
 * refit value head. Either way the discount of a transition is {@code gamma * (1 - p(termination))}.
 * Hidden states are kept here per tree and node ({@code [B, N, L]}); each call is one batched
 * forward pass in its own NDManager scope.
 */
public final class LatentModel implements SearchModel {
    private final NDManager manager;
    private final PlannerNetwork net;
    private final Objective objective;
    private final PlannerNetwork.ObjectiveValue objectiveValue;
    private final float gamma;
    private final int maxBatch;
    private final int nodes;
    private final int latent;
    private final float[] latents;
    private final float[] rootObs;
    private final float[] parentLatents;
    private int batch;
    private long networkNanos;

    /** {@code objective} and {@code objectiveValue} both null: the learned objective. */
    public LatentModel(NDManager manager, PlannerNetwork net, Objective objective, PlannerNetwork.ObjectiveValue objectiveValue,
                       double gamma, int maxBatch, int simulations) {
        if ((objective == null) != (objectiveValue == null)) {
            throw new IllegalArgumentException("an objective needs its value head");
        }
        this.manager = manager;
        this.net = net;
        this.objective = objective;
        this.objectiveValue = objectiveValue;
        this.gamma = (float) gamma;
        this.maxBatch = maxBatch;
        this.nodes = simulations + 1;
        this.latent = net.latent();
        this.latents = new float[maxBatch * nodes * latent];
        this.rootObs = new float[maxBatch * net.obsSize()];
        this.parentLatents = new float[maxBatch * latent];
        this.batch = maxBatch;
    }

    @Override
    public int actions() {
        return net.actions();
    }

    /** Sets the roots of the next search: {@code count} observations from {@code obs}. */
    public void setRoots(float[] obs, int count) {
        if (count > maxBatch) {
            throw new IllegalArgumentException(count + " roots, at most " + maxBatch);
        }
        System.arraycopy(obs, 0, rootObs, 0, count * net.obsSize());
        batch = count;
    }

    public void setRoot(int b, float[] obs) {
        System.arraycopy(obs, 0, rootObs, b * net.obsSize(), net.obsSize());
    }

    public void setBatch(int count) {
        batch = count;
    }

    public long networkNanos() {
        return networkNanos;
    }

    @Override
    public void root(Expansion out) {
        long t0 = System.nanoTime();
        try (NDManager sub = manager.newSubManager()) {
            NDArray obs = sub.create(batch * net.obsSize() == rootObs.length ? rootObs : java.util.Arrays.copyOf(rootObs, batch * net.obsSize()),
                    new Shape(batch, net.obsSize()));
            NDArray s = net.represent(obs, false);
            PlannerNetwork.Prediction pred = net.predict(s, false);
            float[] sv = s.toFloatArray();
            for (int b = 0; b < batch; b++) {
                System.arraycopy(sv, b * latent, latents, (b * nodes) * latent, latent);
            }
            copy(pred.policyLogits().toFloatArray(), out.logits);
            copy((objectiveValue == null ? pred.value() : objectiveValue.value(s, false)).toFloatArray(), out.value);
        }
        networkNanos += System.nanoTime() - t0;
    }

    @Override
    public void recurrent(int[] parents, int[] actions, int node, Expansion out) {
        long t0 = System.nanoTime();
        for (int b = 0; b < batch; b++) {
            System.arraycopy(latents, (b * nodes + parents[b]) * latent, parentLatents, b * latent, latent);
        }
        try (NDManager sub = manager.newSubManager()) {
            NDArray s = sub.create(batch * latent == parentLatents.length ? parentLatents : java.util.Arrays.copyOf(parentLatents, batch * latent),
                    new Shape(batch, latent));
            NDArray a = sub.create(net.oneHot(actions, batch), new Shape(batch, net.actions()));
            PlannerNetwork.Transition dyn = net.dynamics(s, a, false);
            NDArray next = dyn.next();
            PlannerNetwork.Prediction pred = net.predict(next, false);
            float[] nv = next.toFloatArray();
            for (int b = 0; b < batch; b++) {
                System.arraycopy(nv, b * latent, latents, (b * nodes + node) * latent, latent);
            }
            copy(pred.policyLogits().toFloatArray(), out.logits);
            float[] term = dyn.terminalLogit().toFloatArray();
            for (int b = 0; b < batch; b++) {
                out.discount[b] = gamma * (1f - sigmoid(term[b]));
            }
            if (objective == null) {
                copy(dyn.reward().toFloatArray(), out.reward);
                copy(pred.value().toFloatArray(), out.value);
            } else {
                float[] ev = dyn.eventLogits().toFloatArray();
                int E = PlannerNetwork.EVENTS;
                double[] w = objective.weights();
                for (int b = 0; b < batch; b++) {
                    double r = objective.stepReward();
                    for (int e = 0; e < E; e++) {
                        if (w[e] != 0) {
                            r += w[e] * sigmoid(ev[b * E + e]);
                        }
                    }
                    out.reward[b] = (float) r;
                }
                copy(objectiveValue.value(next, false).toFloatArray(), out.value);
            }
        }
        networkNanos += System.nanoTime() - t0;
    }

    private static void copy(float[] src, float[] dst) {
        System.arraycopy(src, 0, dst, 0, src.length);
    }

    static float sigmoid(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }
}
