package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.mesalab.agents.nn.Ops;

/**
 * MuZero's training loss over one unrolled batch (Schrittwieser et al. 2020, eq. 1), with the world
 * model's event and termination cross-entropies and EfficientZero's latent consistency (Ye et al. 2021),
 * built term by term along the unroll: {@link #root} for the prediction at the sampled position, then
 * for each of the K dynamics steps {@link #transition} and {@link #prediction}. Unrolled steps are
 * scaled 1/K. Sums are over the batch; {@link #total} divides by B.
 *
 * <p>Shapes: B samples, K steps, A actions, E events, L latent. Targets come from {@link Replay.Batch}:
 * policy {@code [K+1, B, A]}, value {@code [K+1, B]} with its mask, reward {@code [K, B]} with its mask,
 * events {@code [K, B, E]} and terminal {@code [K, B]} under the transition mask, and the consistency
 * targets {@code h(o_{t+k})} {@code [K*B, L]} (no gradient) under the state mask {@code [K+1, B]}. Optionally, the
 * value consistency: the value of each unrolled hidden state regressed on {@code v(h(o_{t+k}))} (no gradient) under
 * the state mask, so the value through the model's step agrees with the value of the true next observation.
 */
final class PlannerLoss {
    private final NDArray policyT;
    private final NDArray valueT;
    private final NDArray valueM;
    private final NDArray stateM;
    private final NDArray rewardT;
    private final NDArray rewardM;
    private final NDArray transM;
    private final NDArray eventT;
    /** Whether the policy's entropy is computed (a positive entropy_coef); off, the loss is exactly as without the term. */
    private final boolean withEntropy;
    /** Positive-class weight of the event loss (null: 1, the plain cross-entropy). */
    private final NDArray eventW;
    private final NDArray termT;
    private final NDArray consistencyT;
    /** {@code v(h(o_{t+k}))} {@code [K*B]} without gradient, or null when the value consistency is not computed. */
    private final NDArray valueConsistencyT;
    private final NDArray scaleK;
    private final int batch;
    /** Two-hot targets of the value {@code [K+1, B, bins]} and reward {@code [K, B, bins]} with a categorical support, else null. */
    private final NDArray valueTwoHot;
    private final NDArray rewardTwoHot;

    NDArray policy;
    NDArray value;
    NDArray reward;
    NDArray event;
    NDArray consistency;
    /** Sum over the batch of {@code (v(g(s, a)) - v(h(o')))^2} where the next state is real (scaled 1/K), or null when not computed. */
    NDArray valueConsistency;
    /** Sum over the batch of the policy head's entropy where the state is real (unrolled steps scaled 1/K), or null when not computed. */
    NDArray entropy;

    /** Targets from a sampled batch, as arrays in {@code sub}; {@code consistencyT} is {@code h(o_{t+k})}, {@code [K*B, L]}. */
    PlannerLoss(NDManager sub, Replay.Batch b, int events, NDArray consistencyT, double eventWeight, boolean withEntropy) {
        this(sub, b, events, consistencyT, null, eventWeight, withEntropy);
    }

    /** As above; {@code valueConsistencyT}, when not null, is {@code v(h(o_{t+k}))} {@code [K*B]} (no gradient) for the value consistency term. */
    PlannerLoss(NDManager sub, Replay.Batch b, int events, NDArray consistencyT, NDArray valueConsistencyT, double eventWeight, boolean withEntropy) {
        this(sub, b, events, consistencyT, valueConsistencyT, eventWeight, withEntropy, Support.SCALAR);
    }

    /**
     * As above, with the heads' {@code support}: when it is categorical, the value and reward terms are the cross-entropies
     * of the heads' logits ({@link PlannerNetwork.Prediction#valueLogits}, {@link PlannerNetwork.Transition#rewardLogits})
     * against two-hot targets, under the same masks and scales as the squared errors they replace.
     */
    PlannerLoss(NDManager sub, Replay.Batch b, int events, NDArray consistencyT, NDArray valueConsistencyT, double eventWeight, boolean withEntropy,
            Support support) {
        int n = b.size;
        int k = b.unroll;
        int a = b.policy.length / ((k + 1) * n);
        policyT = sub.create(b.policy, new Shape(k + 1, n, a));
        valueT = sub.create(b.value, new Shape(k + 1, n));
        valueM = sub.create(b.valueMask, new Shape(k + 1, n));
        stateM = sub.create(b.stateMask, new Shape(k + 1, n));
        rewardT = sub.create(b.reward, new Shape(k, n));
        rewardM = sub.create(b.rewardMask, new Shape(k, n));
        transM = sub.create(b.transMask, new Shape(k, n));
        eventT = sub.create(b.events, new Shape(k, n, events));
        termT = sub.create(b.terminal, new Shape(k, n));
        this.consistencyT = consistencyT;
        this.valueConsistencyT = valueConsistencyT;
        valueConsistency = valueConsistencyT == null ? null : sub.zeros(new Shape());
        this.batch = n;
        reward = sub.zeros(new Shape());
        event = sub.zeros(new Shape());
        consistency = sub.zeros(new Shape());
        scaleK = sub.create(1f / k);
        eventW = eventWeight == 1.0 ? null : sub.create((float) eventWeight);
        this.withEntropy = withEntropy;
        if (support.categorical()) {
            int bins = support.bins();
            valueTwoHot = sub.create(support.twoHot(b.value, (k + 1) * n), new Shape(k + 1, n, bins));
            rewardTwoHot = sub.create(support.twoHot(b.reward, k * n), new Shape(k, n, bins));
        } else {
            valueTwoHot = null;
            rewardTwoHot = null;
        }
    }

    /** The policy and value terms at the sampled position (step 0, unscaled). */
    void root(PlannerNetwork.Prediction p) {
        policy = crossEntropy(p.policyLogits(), policyT.get(0));
        entropy = withEntropy ? entropy(p.policyLogits(), stateM.get(0)) : null;
        value = valueError(p, 0).mul(valueM.get(0)).sum();
    }

    /** Per sample {@code [B]}: the value's squared error at step {@code k}, or its cross-entropy against the two-hot target. */
    private NDArray valueError(PlannerNetwork.Prediction p, int k) {
        return valueTwoHot == null ? p.value().sub(valueT.get(k)).square() : softCrossEntropy(p.valueLogits(), valueTwoHot.get(k));
    }

    /** Step {@code k} (1..K) of the dynamics: reward, events and termination, and consistency with the encoded next observation. */
    void transition(int k, PlannerNetwork.Transition t) {
        NDArray tm = transM.get(k - 1);
        NDArray rewardError = rewardTwoHot == null ? t.reward().sub(rewardT.get(k - 1)).square() : softCrossEntropy(t.rewardLogits(), rewardTwoHot.get(k - 1));
        reward = reward.add(rewardError.mul(rewardM.get(k - 1)).sum().mul(scaleK));
        NDArray ev = eventT.get(k - 1);
        NDArray bce = (eventW == null ? bce(t.eventLogits(), ev) : weightedBce(t.eventLogits(), ev, eventW)).sum(new int[] {1})
                .add(bce(t.terminalLogit(), termT.get(k - 1)));
        event = event.add(bce.mul(tm).sum().mul(scaleK));
        NDArray target = consistencyT.get((k - 1) * batch + ":" + k * batch);
        consistency = consistency.add(t.next().sub(target).square().mean(new int[] {1}).mul(stateM.get(k)).sum().mul(scaleK));
    }

    /** The policy and value terms of the prediction after step {@code k}. */
    void prediction(int k, PlannerNetwork.Prediction p) {
        policy = policy.add(crossEntropy(p.policyLogits(), policyT.get(k)).mul(scaleK));
        if (withEntropy) {
            entropy = entropy.add(entropy(p.policyLogits(), stateM.get(k)).mul(scaleK));
        }
        value = value.add(valueError(p, k).mul(valueM.get(k)).sum().mul(scaleK));
        if (valueConsistencyT != null) {
            NDArray target = valueConsistencyT.get((k - 1) * batch + ":" + k * batch);
            valueConsistency = valueConsistency.add(p.value().sub(target).square().mul(stateM.get(k)).sum().mul(scaleK));
        }
    }

    /**
     * The value ensemble's loss at the sampled position: head k regresses the value target on its own bootstrap of the
     * batch ({@code w [B, K]}), so the heads disagree where the data are thin; {@code valueCoef} x the mean over heads
     * and samples of {@code w (V_k - z)^2}.
     */
    NDArray ensemble(NDArray heads, NDArray w, double valueCoef) {
        long k = heads.getShape().get(1);
        NDArray err = heads.sub(valueT.get(0).reshape(batch, 1)).square().mul(w).mul(valueM.get(0).reshape(batch, 1));
        return Ops.scale(err.sum(), valueCoef / ((double) batch * k));
    }

    /** {@code (policy + valueCoef value + reward + event + consistencyCoef consistency - entropyCoef entropy) / B}: what is minimized. */
    NDArray total(double valueCoef, double consistencyCoef, double entropyCoef) {
        return total(valueCoef, consistencyCoef, 0, entropyCoef);
    }

    /** As above, plus {@code valueConsistencyCoef} x the value consistency when it is computed. */
    NDArray total(double valueCoef, double consistencyCoef, double valueConsistencyCoef, double entropyCoef) {
        NDArray sum = policy.add(Ops.scale(value, valueCoef)).add(reward).add(event).add(Ops.scale(consistency, consistencyCoef));
        if (valueConsistency != null) {
            sum = sum.add(Ops.scale(valueConsistency, valueConsistencyCoef));
        }
        if (entropy != null) {
            sum = sum.sub(Ops.scale(entropy, entropyCoef));
        }
        return Ops.scale(sum, 1.0 / batch);
    }

    /** Sum over the batch of {@code -sum_a p(a) log p(a)}, {@code p = softmax(logits)}, for the rows whose state is real ({@code mask} 1). */
    static NDArray entropy(NDArray logits, NDArray mask) {
        NDArray logp = logits.logSoftmax(1);
        return logp.exp().mul(logp).sum(new int[] {1}).mul(mask).sum().neg();
    }

    /** Per row {@code [B]}: {@code -sum_i target(i) log softmax(logits)(i)}. */
    static NDArray softCrossEntropy(NDArray logits, NDArray target) {
        return logits.logSoftmax(1).mul(target).sum(new int[] {1}).neg();
    }

    /** Sum over the batch of {@code -sum_a target(a) log softmax(logits)(a)}; rows with an all-zero target add nothing. */
    static NDArray crossEntropy(NDArray logits, NDArray target) {
        return logits.logSoftmax(1).mul(target).sum().neg();
    }

    /**
     * Binary cross-entropy with the positive class weighted by {@code w} (PyTorch's {@code pos_weight}):
     * {@code w y softplus(-x) + (1 - y) softplus(x)}, with {@code softplus(-x) = softplus(x) - x}.
     */
    static NDArray weightedBce(NDArray x, NDArray y, NDArray w) {
        NDArray sp = Activation.relu(x).add(x.abs().neg().exp().add(1f).log());
        return y.mul(w).mul(sp.sub(x)).add(y.neg().add(1f).mul(sp));
    }

    /** Elementwise binary cross-entropy with logits, stable: {@code max(x,0) - x y + log(1 + exp(-|x|))}. */
    static NDArray bce(NDArray x, NDArray y) {
        return Activation.relu(x).sub(x.mul(y)).add(x.abs().neg().exp().add(1f).log());
    }
}
