package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import org.mesalab.core.Rng;

/**
 * The planner's functions as one-hidden-layer MLPs over the flattened observation: {@code width}
 * hidden units each, a {@code latent}-unit hidden state; the reward and value heads have one unit or one per support point.
 */
final class MlpPlannerNetwork extends PlannerNetwork {
    private final int width;
    private final Block reprHidden;
    private final Block reprOut;
    private final Block dynHidden;
    private final Block dynOut;
    private final Block rewardHead;
    private final Block eventHead;
    private final Block termHead;
    private final Block predHidden;
    private final Block policyHead;
    private final Block valueHead;

    MlpPlannerNetwork(NDManager manager, int obsSize, int actions, int width, int latent, Support support, Rng init) {
        super(manager, obsSize, actions, latent, support);
        this.width = width;
        reprHidden = linear(manager, "repr.hidden", width, obsSize, Math.sqrt(2), init);
        reprOut = linear(manager, "repr.out", latent, width, 1.0, init);
        dynHidden = linear(manager, "dyn.hidden", width, latent + actions, Math.sqrt(2), init);
        dynOut = linear(manager, "dyn.out", latent, width, 1.0, init);
        rewardHead = linear(manager, "dyn.reward", support.bins(), width, 0.0, init);
        eventHead = linear(manager, "dyn.events", EVENTS, width, 0.01, init);
        termHead = linear(manager, "dyn.terminal", 1, width, 0.01, init);
        // Reward and value start at exactly 0 (as EfficientZero's zero-initialized heads): otherwise the
        // search's min-max normalized Q turns their initial noise into a strong arbitrary preference.
        predHidden = linear(manager, "pred.hidden", width, latent, Math.sqrt(2), init);
        policyHead = linear(manager, "pred.policy", actions, width, 0.01, init);
        valueHead = linear(manager, "pred.value", support.bins(), width, 0.0, init);
    }

    @Override
    public NDArray represent(NDArray obs, boolean training) {
        return normalize(apply(reprOut, Activation.relu(apply(reprHidden, obs, training)), training));
    }

    @Override
    public Transition dynamics(NDArray s, NDArray onehot, boolean training) {
        NDArray hidden = Activation.relu(apply(dynHidden, s.concat(onehot, 1), training));
        NDArray next = normalize(apply(dynOut, hidden, training));
        return transition(next, apply(rewardHead, hidden, training), apply(eventHead, hidden, training), apply(termHead, hidden, training).reshape(-1));
    }

    @Override
    public Prediction predict(NDArray s, boolean training) {
        NDArray hidden = predictionFeatures(s, training);
        return prediction(apply(policyHead, hidden, training), apply(valueHead, hidden, training));
    }

    @Override
    protected NDArray predictionFeatures(NDArray s, boolean training) {
        return Activation.relu(apply(predHidden, s, training));
    }

    @Override
    protected int predictionWidth() {
        return width;
    }

    @Override
    public long[] macsPerSample() {
        long w = width;
        return new long[] {(long) obsSize * w + w * latent, (long) (latent + actions) * w + w * latent + w * (support.bins() + 1 + EVENTS),
            (long) latent * w + w * (actions + support.bins())};
    }
}
