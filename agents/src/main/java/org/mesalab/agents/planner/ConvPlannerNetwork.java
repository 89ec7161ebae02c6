package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import org.mesalab.agents.nn.Conv3x3;
import org.mesalab.core.Rng;

/**
 * The planner's functions as convolutions over the observation planes, a translation-equivariant
 * prior: the hidden state is {@code channels} planes the size of the level ({@code [B, ch * H * W]}
 * flattened); the dynamics convolve the state with the action broadcast as planes; rewards, events and
 * termination are read cell by cell from the dynamics' hidden features by one shared 1 x 1 map and
 * pooled over the cells (sum for the reward, log-sum-exp, a smooth maximum, for the event and
 * termination logits), so "the agent enters the cheese's cell" is the same detector wherever the
 * cheese is. The prediction convolves once more, then a dense layer of {@code width} units.
 */
final class ConvPlannerNetwork extends PlannerNetwork {
    private final int planes;
    private final int height;
    private final int width;
    private final int channels;
    private final int hidden;
    private final Block repr1;
    private final Block repr2;
    private final Block dyn1;
    private final Block dyn2;
    /** The 1 x 1 map from hidden features to per-cell reward, events and termination: a dense layer over channels. */
    private final Block cellHeads;
    private final Block pred1;
    private final Block predDense;
    private final Block policyHead;
    private final Block valueHead;

    ConvPlannerNetwork(NDManager manager, int planes, int height, int width, int actions, int channels, int hiddenUnits, Support support, Rng init) {
        super(manager, planes * height * width, actions, channels * height * width, support);
        this.planes = planes;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.hidden = hiddenUnits;
        repr1 = conv(manager, "repr.conv1", channels, planes, Math.sqrt(2), init);
        repr2 = conv(manager, "repr.conv2", channels, channels, 1.0, init);
        dyn1 = conv(manager, "dyn.conv1", channels, channels + actions, Math.sqrt(2), init);
        dyn2 = conv(manager, "dyn.conv2", channels, channels, 1.0, init);
        // reward (one unit or one per support point), termination, events per cell; small initial logits as the MLP's heads
        cellHeads = linear(manager, "dyn.cells", support.bins() + 1 + EVENTS, channels, 0.01, init);
        pred1 = conv(manager, "pred.conv1", channels, channels, Math.sqrt(2), init);
        predDense = linear(manager, "pred.dense", hiddenUnits, channels * height * width, Math.sqrt(2), init);
        policyHead = linear(manager, "pred.policy", actions, hiddenUnits, 0.01, init);
        valueHead = linear(manager, "pred.value", support.bins(), hiddenUnits, 0.0, init);
    }

    private Block conv(NDManager manager, String name, int out, int in, double gain, Rng init) {
        Block b = new Conv3x3(out);
        b.initialize(manager, DataType.FLOAT32, new Shape(1, in, height, width));
        weights.add(name, b, gain, init);
        return b;
    }

    private NDArray planes(NDArray flat, int c) {
        return flat.reshape(-1, c, height, width);
    }

    @Override
    public NDArray represent(NDArray obs, boolean training) {
        NDArray x = Activation.relu(apply(repr1, planes(obs, planes), training));
        return normalize(apply(repr2, x, training).reshape(-1, latent));
    }

    @Override
    public Transition dynamics(NDArray s, NDArray onehot, boolean training) {
        long b = s.getShape().get(0);
        NDArray actionPlanes = onehot.reshape(b, actions, 1, 1).broadcast(new Shape(b, actions, height, width));
        NDArray h = Activation.relu(apply(dyn1, planes(s, channels).concat(actionPlanes, 1), training)); // [B, ch, H, W]
        NDArray next = normalize(apply(dyn2, h, training).reshape(-1, latent));
        // per cell: [B, H * W, bins + 1 + E] from the features of each cell; the reward (or its logits) summed over the cells
        int bins = support.bins();
        NDArray cells = apply(cellHeads, h.reshape(b, channels, (long) height * width).transpose(0, 2, 1), training);
        NDArray reward = cells.get(":, :, 0:" + bins).sum(new int[] {1});
        NDArray terminal = logSumExpOverCells(cells.get(":, :, " + bins + ":" + (bins + 1))).reshape(-1);
        NDArray events = logSumExpOverCells(cells.get(":, :, " + (bins + 1) + ":"));
        return transition(next, reward, events, terminal);
    }

    /** {@code log sum_cells exp(x)} of {@code [B, cells, K]} to {@code [B, K]}, stably (the maximum is subtracted first, without a gradient). */
    private static NDArray logSumExpOverCells(NDArray x) {
        NDArray max = x.max(new int[] {1}, true).stopGradient();
        return x.sub(max).exp().sum(new int[] {1}).log().add(max.squeeze(1));
    }

    @Override
    public Prediction predict(NDArray s, boolean training) {
        NDArray h = predictionFeatures(s, training);
        return prediction(apply(policyHead, h, training), apply(valueHead, h, training));
    }

    @Override
    protected NDArray predictionFeatures(NDArray s, boolean training) {
        NDArray x = Activation.relu(apply(pred1, planes(s, channels), training)).reshape(-1, latent);
        return Activation.relu(apply(predDense, x, training));
    }

    @Override
    protected int predictionWidth() {
        return hidden;
    }

    @Override
    public long[] macsPerSample() {
        long cells = (long) height * width;
        long conv = 9L * cells;
        return new long[] {conv * planes * channels + conv * channels * channels,
            conv * (channels + actions) * channels + conv * channels * channels + cells * channels * (support.bins() + 1 + EVENTS),
            conv * channels * channels + (long) latent * hidden + (long) hidden * (actions + support.bins())};
    }
}
