package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.mesalab.agents.nn.Weights;
import org.mesalab.core.Event;
import org.mesalab.core.Rng;

/**
 * The planner's three learned functions (MuZero), each a one-hidden-layer MLP so the learned parts
 * stay small:
 * <ul>
 *   <li>representation {@code h(obs [B, D]) -> s [B, L]}</li>
 *   <li>dynamics {@code g(s, a) -> s' [B, L], reward [B], event logits [B, E], termination logit [B]}</li>
 *   <li>prediction {@code f(s) -> policy logits [B, A], value [B]}</li>
 * </ul>
 * Hidden states are min-max normalized to [0, 1] per sample, as in MuZero (appendix G), so that
 * predicted and encoded states live on the same scale. The events are the env's {@link Event}s: a
 * world model of facts, from which any {@code events:EXPR} objective can be scored. A second value
 * head for a swapped objective ({@link ObjectiveValue}) is built separately (see {@link ValueRefit}).
 */
public final class PlannerNetwork {
    public static final int EVENTS = Event.COUNT;

    private final int obsSize;
    private final int actions;
    private final int latent;
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
    private final ParameterStore store;
    private final Weights weights = new Weights();

    public PlannerNetwork(NDManager manager, int obsSize, int actions, int width, int latent, Rng init) {
        this.obsSize = obsSize;
        this.actions = actions;
        this.latent = latent;
        reprHidden = linear(manager, "repr.hidden", width, obsSize, Math.sqrt(2), init);
        reprOut = linear(manager, "repr.out", latent, width, 1.0, init);
        dynHidden = linear(manager, "dyn.hidden", width, latent + actions, Math.sqrt(2), init);
        dynOut = linear(manager, "dyn.out", latent, width, 1.0, init);
        rewardHead = linear(manager, "dyn.reward", 1, width, 0.0, init);
        eventHead = linear(manager, "dyn.events", EVENTS, width, 0.01, init);
        termHead = linear(manager, "dyn.terminal", 1, width, 0.01, init);
        // Reward and value start at exactly 0 (as EfficientZero's zero-initialized heads): otherwise the
        // search's min-max normalized Q turns their initial noise into a strong arbitrary preference.
        predHidden = linear(manager, "pred.hidden", width, latent, Math.sqrt(2), init);
        policyHead = linear(manager, "pred.policy", actions, width, 0.01, init);
        valueHead = linear(manager, "pred.value", 1, width, 0.0, init);
        store = new ParameterStore(manager, false);
    }

    private Block linear(NDManager manager, String name, int units, int in, double gain, Rng init) {
        Block b = Linear.builder().setUnits(units).build();
        b.initialize(manager, DataType.FLOAT32, new Shape(1, in));
        weights.add(name, b, gain, init);
        return b;
    }

    private NDArray apply(Block b, NDArray x, boolean training) {
        return b.forward(store, new NDList(x), training).singletonOrThrow();
    }

    /** Min-max normalization of each row to [0, 1]. */
    static NDArray normalize(NDArray s) {
        NDArray min = s.min(new int[] {1}, true);
        NDArray max = s.max(new int[] {1}, true);
        return s.sub(min).div(max.sub(min).add(1e-5f));
    }

    /** h: observations {@code [B, D]} to hidden states {@code [B, L]}. */
    public NDArray represent(NDArray obs, boolean training) {
        return normalize(apply(reprOut, Activation.relu(apply(reprHidden, obs, training)), training));
    }

    /**
     * g: hidden states {@code [B, L]} and one-hot actions {@code [B, A]} (float) to next state, reward,
     * event logits, termination logit. (One-hot is built by the caller: DJL's {@code oneHot} goes
     * through a deprecated PyTorch mode that prints a warning on every run.)
     */
    public Transition dynamics(NDArray s, NDArray onehot, boolean training) {
        NDArray hidden = Activation.relu(apply(dynHidden, s.concat(onehot, 1), training));
        NDArray next = normalize(apply(dynOut, hidden, training));
        return new Transition(next, apply(rewardHead, hidden, training).reshape(-1), apply(eventHead, hidden, training),
                apply(termHead, hidden, training).reshape(-1));
    }

    /** f: hidden states to policy logits {@code [B, A]} and values {@code [B]}. */
    public Prediction predict(NDArray s, boolean training) {
        NDArray hidden = Activation.relu(apply(predHidden, s, training));
        return new Prediction(apply(policyHead, hidden, training), apply(valueHead, hidden, training).reshape(-1));
    }

    /** What the dynamics g predicts for a batch: next hidden states {@code [B, L]}, rewards {@code [B]}, event logits {@code [B, E]}, termination logits {@code [B]}. */
    public record Transition(NDArray next, NDArray reward, NDArray eventLogits, NDArray terminalLogit) {
    }

    /** What the prediction f gives for a batch: policy logits {@code [B, A]} and values {@code [B]}. */
    public record Prediction(NDArray policyLogits, NDArray value) {
    }

    /** One-hot rows {@code [count, A]} for {@code actions[0 .. count)}. */
    public float[] oneHot(int[] actionIds, int count) {
        float[] o = new float[count * actions];
        for (int i = 0; i < count; i++) {
            o[i * actions + actionIds[i]] = 1f;
        }
        return o;
    }

    public int obsSize() {
        return obsSize;
    }

    public int actions() {
        return actions;
    }

    public int latent() {
        return latent;
    }

    public List<NDArray> parameters() {
        return weights.arrays();
    }

    /** The representation, dynamics and event parameters: what a swapped objective must never change. */
    public List<NDArray> worldModelParameters() {
        return weights.arraysStartingWith("repr.", "dyn.");
    }

    public void save(DataOutputStream out) throws IOException {
        weights.save(out);
    }

    public void load(DataInputStream in) throws IOException {
        weights.load(in);
    }

    /**
     * A value head for a swapped objective, {@code V_O(s) = w2 relu(w1 s)}: same shape as the
     * prediction's value path, fresh parameters, read by the search instead of the learned value.
     */
    public static final class ObjectiveValue {
        private final Block hidden;
        private final Block out;
        private final ParameterStore store;
        private final Weights weights = new Weights();

        public ObjectiveValue(NDManager manager, int latent, int width, Rng init) {
            hidden = Linear.builder().setUnits(width).build();
            hidden.initialize(manager, DataType.FLOAT32, new Shape(1, latent));
            out = Linear.builder().setUnits(1).build();
            out.initialize(manager, DataType.FLOAT32, new Shape(1, width));
            weights.add("value.hidden", hidden, Math.sqrt(2), init);
            weights.add("value.out", out, 0.0, init);
            store = new ParameterStore(manager, false);
        }

        public NDArray value(NDArray s, boolean training) {
            NDArray h = Activation.relu(hidden.forward(store, new NDList(s), training).singletonOrThrow());
            return out.forward(store, new NDList(h), training).singletonOrThrow().reshape(-1);
        }

        public List<NDArray> parameters() {
            return weights.arrays();
        }

        public void save(DataOutputStream o) throws IOException {
            weights.save(o);
        }

        public void load(DataInputStream in) throws IOException {
            weights.load(in);
        }
    }
}
