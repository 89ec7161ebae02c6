package org.mesalab.agents.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.mesalab.agents.nn.Conv3x3;
import org.mesalab.agents.nn.Weights;
import org.mesalab.core.Rng;

/**
 * Actor-critic network over symbolic observation planes: a trunk (MLP with tanh, as CleanRL's
 * {@code ppo.py}, or an IMPALA-style residual conv stack, Espeholt et al. 2018) followed by separate
 * policy and value heads.
 *
 * <p>Shapes: input {@code [B, C*H*W]} (flattened planes); output logits {@code [B, A]} and values
 * {@code [B]}. Weights are orthogonal (Saxe et al. 2014) with CleanRL's gains (sqrt 2 hidden, 0.01
 * policy, 1 value), drawn from our own {@link Rng} so initialization is reproducible bit for bit.
 */
public final class PolicyNetwork {
    private final PpoConfig config;
    private final int channels;
    private final int height;
    private final int width;
    private final int actions;
    private final Block trunk;
    private final Block actor;
    private final Block critic;
    /** K value heads on the trunk's detached features (null when {@code value_heads} is 1): an ensemble that never shapes the trunk. */
    private final Block ensemble;
    /** LSTM core (null without one): gates = x W_ih + b + h W_hh, split into input, forget, cell, output. */
    private final Block lstmInput;
    private final Block lstmHidden;
    private final int lstmSize;
    private final ParameterStore store;
    private final Weights weights = new Weights();
    /** Named layers (see {@link #layerNames}) and the trunk child after which each trunk layer ends. */
    private final List<String> layerNames = new java.util.ArrayList<>();
    private final List<Integer> layerEnds = new java.util.ArrayList<>();

    /**
     * Reads or changes a named layer's activation on its way through the network (recording for probes,
     * activation addition for steering). {@code layer} indexes {@link #layerNames}; the activation is
     * {@code [B, D]} (flattened), and what the hook returns replaces it.
     */
    @FunctionalInterface
    public interface Hook {
        NDArray at(int layer, NDArray activation);
    }

    public PolicyNetwork(NDManager manager, PpoConfig config, int channels, int height, int width, int actions, Rng init) {
        this.config = config;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.actions = actions;
        this.trunk = config.network().equals("conv") ? impala(config) : mlp(config);
        this.actor = Linear.builder().setUnits(actions).build();
        this.critic = Linear.builder().setUnits(1).build();
        this.ensemble = config.valueHeads() > 1 ? Linear.builder().setUnits(config.valueHeads()).build() : null;
        this.lstmSize = config.lstmSize();
        Shape input = new Shape(1, (long) channels * height * width);
        trunk.initialize(manager, DataType.FLOAT32, input);
        Shape features = trunk.getOutputShapes(new Shape[] {input})[0];
        if (lstmSize > 0) {
            lstmInput = Linear.builder().setUnits(4L * lstmSize).build();
            lstmHidden = Linear.builder().setUnits(4L * lstmSize).optBias(false).build();
            lstmInput.initialize(manager, DataType.FLOAT32, features);
            lstmHidden.initialize(manager, DataType.FLOAT32, new Shape(1, lstmSize));
            features = new Shape(1, lstmSize);
        } else {
            lstmInput = null;
            lstmHidden = null;
        }
        actor.initialize(manager, DataType.FLOAT32, features);
        critic.initialize(manager, DataType.FLOAT32, features);
        collect("trunk", trunk, Math.sqrt(2), init);
        if (lstmSize > 0) { // CleanRL's LSTM init: orthogonal weights with gain 1, zero biases
            collect("lstm_ih", lstmInput, 1.0, init);
            collect("lstm_hh", lstmHidden, 1.0, init);
        }
        collect("actor", actor, 0.01, init);
        collect("critic", critic, 1.0, init);
        if (ensemble != null) { // drawn last, so every other weight is what it would be without the ensemble
            ensemble.initialize(manager, DataType.FLOAT32, features);
            collect(ENSEMBLE, ensemble, 1.0, init);
        }
        this.store = new ParameterStore(manager, false);
        nameLayers();
    }

    /**
     * The layers a probe can read and a steering vector can change, in forward order: {@code input}; for
     * the MLP {@code hidden1..hiddenD} (after tanh); for the conv trunk {@code stage1..stageK} (after a
     * stage's residual blocks) and {@code dense}; then {@code lstm} (the hidden state h) with a core.
     */
    private void nameLayers() {
        layerNames.add("input");
        layerEnds.add(-1);
        if (config.network().equals("conv")) {
            int child = 0; // child 0 reshapes; each stage is a conv, a pool and depth residual blocks
            int[] stages = config.channelList();
            for (int s = 0; s < stages.length; s++) {
                child += 2 + config.depth();
                layerNames.add("stage" + (s + 1));
                layerEnds.add(child);
            }
            layerNames.add("dense");
            layerEnds.add(trunk.getChildren().size() - 1);
        } else {
            for (int i = 0; i < config.depth(); i++) {
                layerNames.add("hidden" + (i + 1));
                layerEnds.add(2 * i + 1);
            }
        }
        if (lstmSize > 0) {
            layerNames.add("lstm");
            layerEnds.add(Integer.MAX_VALUE);
        }
    }

    /** How many values layer {@code layer} has per observation (a vector steering it has as many). */
    public long layerWidth(int layer) {
        String name = layerNames.get(layer);
        if (name.equals("input")) {
            return inputSize();
        }
        if (name.equals("lstm")) {
            return lstmSize;
        }
        Shape s = new Shape(1, inputSize());
        List<Block> children = trunk.getChildren().values();
        for (int i = 0; i <= layerEnds.get(layer); i++) {
            s = children.get(i).getOutputShapes(new Shape[] {s})[0];
        }
        return s.size();
    }

    /** The named layers, in forward order (see {@link #nameLayers}). */
    public List<String> layerNames() {
        return List.copyOf(layerNames);
    }

    /** The trunk's output, each named trunk layer passed through {@code hook} (flattened to {@code [B, D]} for it). */
    private NDArray trunk(NDArray obs, Hook hook, boolean training) {
        if (hook == null) {
            return trunk.forward(store, new NDList(obs), training).singletonOrThrow();
        }
        NDArray x = hook.at(0, obs);
        List<Block> children = trunk.getChildren().values();
        int next = 1;
        for (int i = 0; i < children.size(); i++) {
            x = children.get(i).forward(store, new NDList(x), training).singletonOrThrow();
            if (next < layerEnds.size() && layerEnds.get(next) == i) {
                Shape shape = x.getShape();
                x = hook.at(next, x.reshape(shape.get(0), -1)).reshape(shape);
                next++;
            }
        }
        return x;
    }

    private static Block mlp(PpoConfig c) {
        SequentialBlock b = new SequentialBlock();
        for (int i = 0; i < c.depth(); i++) {
            b.add(Linear.builder().setUnits(c.width()).build()).add(Activation::tanh);
        }
        return b;
    }

    private Block impala(PpoConfig c) {
        SequentialBlock b = new SequentialBlock();
        b.add(x -> new NDList(x.singletonOrThrow().reshape(-1, channels, height, width)));
        for (int ch : c.channelList()) {
            b.add(conv(ch));
            b.add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
            for (int r = 0; r < c.depth(); r++) {
                SequentialBlock res = new SequentialBlock().add(Activation::relu).add(conv(ch)).add(Activation::relu).add(conv(ch));
                b.add(new ParallelBlock(l -> new NDList(l.get(0).singletonOrThrow().add(l.get(1).singletonOrThrow())),
                        List.of(res, Blocks.identityBlock())));
            }
        }
        b.add(Activation::relu).add(Blocks.batchFlattenBlock());
        b.add(Linear.builder().setUnits(c.width()).build()).add(Activation::relu);
        return b;
    }

    /** 3 x 3, stride 1, "same" padding, with a gradient check of PyTorch's kernel (see {@link Conv3x3}). */
    private static Block conv(int filters) {
        return new Conv3x3(filters);
    }

    private void collect(String prefix, Block block, double gain, Rng init) {
        weights.add(prefix, block, gain, init);
    }

    /** Logits {@code [B, A]} and values {@code [B]} for observations {@code [B, C*H*W]} (networks without an LSTM). */
    public NDList forward(NDArray obs, boolean training) {
        return forward(obs, null, training);
    }

    /** {@link #forward(NDArray, boolean)} with every named layer passed through {@code hook} (null: none). */
    public NDList forward(NDArray obs, Hook hook, boolean training) {
        return heads(trunk(obs, hook, training), training);
    }

    /** Logits and value; with an ensemble also its values {@code [B, K]}, computed on features cut from the trunk's gradient. */
    private NDList heads(NDArray features, boolean training) {
        NDArray logits = actor.forward(store, new NDList(features), training).singletonOrThrow();
        NDArray value = critic.forward(store, new NDList(features), training).singletonOrThrow().reshape(-1);
        if (ensemble == null) {
            return new NDList(logits, value);
        }
        return new NDList(logits, value, ensemble.forward(store, new NDList(features.stopGradient()), training).singletonOrThrow());
    }

    /** The prefix of the ensemble's parameters. */
    static final String ENSEMBLE = "ensemble";

    /** Value heads of the ensemble (1: none). */
    public int valueHeads() {
        return ensemble == null ? 1 : config.valueHeads();
    }

    /** Every parameter but the ensemble's: what the agent's optimizer and its gradient clip see. */
    public List<NDArray> agentParameters() {
        List<NDArray> out = new java.util.ArrayList<>();
        List<String> names = weights.names();
        List<NDArray> all = weights.arrays();
        for (int i = 0; i < all.size(); i++) {
            if (!names.get(i).startsWith(ENSEMBLE)) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** The ensemble's parameters (empty without one): its own optimizer, its own clip. */
    public List<NDArray> ensembleParameters() {
        return ensemble == null ? List.of() : weights.arraysStartingWith(ENSEMBLE);
    }

    public int lstmSize() {
        return lstmSize;
    }

    /** One LSTM step: features {@code [B, F]}, state {@code [B, H]} twice; returns h', c'. */
    private NDList cell(NDArray x, NDArray h, NDArray c, boolean training) {
        NDArray gates = lstmInput.forward(store, new NDList(x), training).singletonOrThrow()
                .add(lstmHidden.forward(store, new NDList(h), training).singletonOrThrow());
        NDList g = gates.split(4, 1);
        NDArray i = Activation.sigmoid(g.get(0));
        NDArray f = Activation.sigmoid(g.get(1));
        NDArray cand = g.get(2).tanh();
        NDArray o = Activation.sigmoid(g.get(3));
        NDArray c2 = f.mul(c).add(i.mul(cand));
        NDArray h2 = o.mul(c2.tanh());
        return new NDList(h2, c2);
    }

    /**
     * One recurrent step for acting: observations {@code [B, D]} and the state {@code h, c} {@code [B, H]}
     * (already zeroed where an episode starts). Returns logits, values, h', c'.
     */
    public NDList step(NDArray obs, NDArray h, NDArray c, boolean training) {
        return step(obs, h, c, null, training);
    }

    /**
     * {@link #step(NDArray, NDArray, NDArray, boolean)} with every named layer passed through {@code hook}
     * (null: none). The hooked hidden state is what the heads read and what the next step receives.
     */
    public NDList step(NDArray obs, NDArray h, NDArray c, Hook hook, boolean training) {
        NDList s = cell(trunk(obs, hook, training), h, c, training);
        NDArray hidden = hook == null ? s.get(0) : hook.at(layerNames.size() - 1, s.get(0));
        NDList out = heads(hidden, training);
        out.add(hidden);
        out.add(s.get(1));
        return out;
    }

    /**
     * Replays a rollout segment for training (CleanRL's {@code ppo_atari_lstm.py}): observations
     * {@code [T*B, D]} time-major, {@code starts [T, B]} (1 where a step begins a new episode, which
     * zeroes the state before that step), initial state {@code [B, H]}. Returns logits {@code [T*B, A]}
     * and values {@code [T*B]} in the same order.
     */
    public NDList sequence(NDArray obs, NDArray starts, NDArray h0, NDArray c0, int steps, int batch, boolean training) {
        NDArray features = trunk.forward(store, new NDList(obs), training).singletonOrThrow();
        NDArray h = h0;
        NDArray c = c0;
        NDList outs = new NDList();
        for (int t = 0; t < steps; t++) {
            NDArray keep = starts.get(t).neg().add(1f).reshape(batch, 1);
            NDList s = cell(features.get(t * batch + ":" + (t + 1) * batch), h.mul(keep), c.mul(keep), training);
            h = s.get(0);
            c = s.get(1);
            outs.add(h);
        }
        return heads(NDArrays.concat(outs, 0), training);
    }

    public List<NDArray> parameters() {
        return weights.arrays();
    }

    public List<String> parameterNames() {
        return weights.names();
    }

    public int actions() {
        return actions;
    }

    public int inputSize() {
        return channels * height * width;
    }

    public long parameterCount() {
        return weights.count();
    }

    public PpoConfig config() {
        return config;
    }

    /** Parameters as name, shape and float32 values, in a fixed order. */
    public void save(DataOutputStream out) throws IOException {
        weights.save(out);
    }

    public void load(DataInputStream in) throws IOException {
        weights.load(in);
    }
}
