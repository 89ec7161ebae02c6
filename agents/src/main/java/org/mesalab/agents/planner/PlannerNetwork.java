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
import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.Rng;

/**
 * The planner's three learned functions (MuZero), kept small (the essay's limited-capacity parts):
 * <ul>
 *   <li>representation {@code h(obs [B, D]) -> s [B, L]}</li>
 *   <li>dynamics {@code g(s, a) -> s' [B, L], reward [B], event logits [B, E], termination logit [B]}</li>
 *   <li>prediction {@code f(s) -> policy logits [B, A], value [B]}</li>
 * </ul>
 * Hidden states are min-max normalized to [0, 1] per sample, as in MuZero (appendix G), so that
 * predicted and encoded states live on the same scale. The events are the env's {@link Event}s: a
 * world model of facts, from which any {@code events:EXPR} objective can be scored. A second value
 * head for a swapped objective ({@link ObjectiveValue}) is built separately (see {@link ValueRefit}).
 *
 * <p>Two architectures, the prior the retargeting experiment varies ({@code planner.network}):
 * {@link MlpPlannerNetwork} (one hidden layer per function) and {@link ConvPlannerNetwork}
 * (translation-equivariant: convolutions over the observation planes, events read from local features).
 * Hidden states are flat {@code [B, L]} vectors either way, so search, losses and refits do not care which.
 */
public abstract class PlannerNetwork {
    public static final int EVENTS = Event.COUNT;

    protected final int obsSize;
    protected final int actions;
    protected final int latent;
    protected final ParameterStore store;
    /** How the reward and value heads say a number: one unit, or logits over a categorical support. */
    protected final Support support;
    protected final Weights weights = new Weights();
    /** K value heads on the prediction's detached features (null without an ensemble): they never shape the agent. */
    private Block ensemble;
    private int valueHeads = 1;
    /** The prefix of the ensemble's parameters. */
    static final String ENSEMBLE = "ensemble";

    protected PlannerNetwork(NDManager manager, int obsSize, int actions, int latent, Support support) {
        this.obsSize = obsSize;
        this.support = support;
        this.actions = actions;
        this.latent = latent;
        this.store = new ParameterStore(manager, false);
    }

    /** The network {@code cfg.network()} names, for observations shaped like {@code probe}'s; weights drawn from {@code init}. */
    public static PlannerNetwork create(NDManager manager, PlannerConfig cfg, Env probe, Rng init) {
        PlannerNetwork net = cfg.network().equals("conv")
                ? new ConvPlannerNetwork(manager, probe.channels, probe.height, probe.width, probe.numActions(), cfg.channels(), cfg.width(), cfg.support(), init)
                : new MlpPlannerNetwork(manager, probe.obsSize, probe.numActions(), cfg.width(), cfg.latent(), cfg.support(), init);
        if (cfg.valueHeads() > 1) { // drawn last, so every other weight is what it would be without the ensemble
            net.ensemble = net.linear(manager, ENSEMBLE, cfg.valueHeads(), net.predictionWidth(), 1.0, init);
            net.valueHeads = cfg.valueHeads();
        }
        return net;
    }

    /** h: observations {@code [B, D]} to hidden states {@code [B, L]}. */
    public abstract NDArray represent(NDArray obs, boolean training);

    /**
     * g: hidden states {@code [B, L]} and one-hot actions {@code [B, A]} (float) to next state, reward,
     * event logits, termination logit. (One-hot is built by the caller: DJL's {@code oneHot} goes
     * through a deprecated PyTorch mode that prints a warning on every run.)
     */
    public abstract Transition dynamics(NDArray s, NDArray onehot, boolean training);

    /** f: hidden states to policy logits {@code [B, A]} and values {@code [B]}. */
    public abstract Prediction predict(NDArray s, boolean training);

    /** The features the prediction's policy and value heads read, {@code [B, predictionWidth()]}. */
    protected abstract NDArray predictionFeatures(NDArray s, boolean training);

    protected abstract int predictionWidth();

    /**
     * The value ensemble's K estimates {@code [B, K]} of hidden states {@code [B, L]}, on the prediction's features cut
     * from the gradient (a loss on them reaches only the ensemble's weights).
     */
    public NDArray ensembleValues(NDArray s, boolean training) {
        if (ensemble == null) {
            throw new IllegalStateException("this network has no value ensemble (planner.value_heads 1)");
        }
        return apply(ensemble, predictionFeatures(s, training).stopGradient(), training);
    }

    /** Value heads of the ensemble (1: none). */
    public int valueHeads() {
        return valueHeads;
    }

    /** Multiply-adds per sample of h, g and f, for the FLOP count of training and search. */
    public abstract long[] macsPerSample();

    protected Block linear(NDManager manager, String name, int units, int in, double gain, Rng init) {
        Block b = Linear.builder().setUnits(units).build();
        b.initialize(manager, DataType.FLOAT32, new Shape(1, in));
        weights.add(name, b, gain, init);
        return b;
    }

    protected NDArray apply(Block b, NDArray x, boolean training) {
        return b.forward(store, new NDList(x), training).singletonOrThrow();
    }

    /** Min-max normalization of each row to [0, 1] (MuZero, appendix G). */
    static NDArray normalize(NDArray s) {
        NDArray min = s.min(new int[] {1}, true);
        NDArray max = s.max(new int[] {1}, true);
        return s.sub(min).div(max.sub(min).add(1e-5f));
    }

    /**
     * What the dynamics g predicts for a batch: next hidden states {@code [B, L]}, rewards {@code [B]}, event logits
     * {@code [B, E]}, termination logits {@code [B]}, and with a categorical support the reward's logits {@code [B, bins]}
     * (else null) that the loss reads.
     */
    public record Transition(NDArray next, NDArray reward, NDArray eventLogits, NDArray terminalLogit, NDArray rewardLogits) {
        /** With a one-unit reward head. */
        public Transition(NDArray next, NDArray reward, NDArray eventLogits, NDArray terminalLogit) {
            this(next, reward, eventLogits, terminalLogit, null);
        }
    }

    /** What the prediction f gives for a batch: policy logits {@code [B, A]}, values {@code [B]}, and with a categorical support the value's logits {@code [B, bins]} (else null). */
    public record Prediction(NDArray policyLogits, NDArray value, NDArray valueLogits) {
        /** With a one-unit value head. */
        public Prediction(NDArray policyLogits, NDArray value) {
            this(policyLogits, value, null);
        }
    }

    /** The transition of a reward head's raw output {@code [B, bins]}: read as a number through the support when it is categorical. */
    protected Transition transition(NDArray next, NDArray rewardOut, NDArray eventLogits, NDArray terminalLogit) {
        return support.categorical() ? new Transition(next, support.scalar(rewardOut), eventLogits, terminalLogit, rewardOut)
                : new Transition(next, rewardOut.reshape(-1), eventLogits, terminalLogit, null);
    }

    /** The prediction of a value head's raw output {@code [B, bins]}, as {@link #transition}. */
    protected Prediction prediction(NDArray policyLogits, NDArray valueOut) {
        return support.categorical() ? new Prediction(policyLogits, support.scalar(valueOut), valueOut)
                : new Prediction(policyLogits, valueOut.reshape(-1), null);
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

    /** Every parameter but the value ensemble's: what the agent's optimizer and its gradient clip see. */
    public List<NDArray> parameters() {
        if (ensemble == null) {
            return weights.arrays();
        }
        List<NDArray> out = new java.util.ArrayList<>();
        for (int i = 0; i < weights.arrays().size(); i++) {
            if (!weights.names().get(i).startsWith(ENSEMBLE + ".")) {
                out.add(weights.arrays().get(i));
            }
        }
        return out;
    }

    /** The value ensemble's parameters (empty without one): its own optimizer, its own clip. */
    public List<NDArray> ensembleParameters() {
        return ensemble == null ? List.of() : weights.arraysStartingWith(ENSEMBLE + ".");
    }

    /** Takes {@code other}'s parameters (a network of the same shape): the actor's copy of the learner's network. */
    public void copyFrom(PlannerNetwork other) {
        weights.copyFrom(other.weights);
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
