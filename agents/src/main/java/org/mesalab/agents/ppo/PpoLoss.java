package org.mesalab.agents.ppo;

import ai.djl.ndarray.NDArray;
import org.mesalab.agents.nn.Ops;

/**
 * The PPO objective of CleanRL's {@code ppo.py} on one minibatch (Schulman et al. 2017, eq. 7 and 9).
 * Shapes: logits {@code [B, A]}; everything else {@code [B]} except {@code oneHot} {@code [B, A]}.
 *
 * @param loss       pg_loss - ent_coef * entropy + vf_coef * v_loss (what is minimized)
 * @param pgLoss     clipped surrogate: mean(max(-A * r, -A * clip(r, 1 - eps, 1 + eps)))
 * @param valueLoss  0.5 * mean(max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2)) when clipped
 * @param entropy    mean policy entropy
 * @param logRatio   log pi_new(a|s) - log pi_old(a|s), per sample (for approx KL and clip fraction)
 */
public record PpoLoss(NDArray loss, NDArray pgLoss, NDArray valueLoss, NDArray entropy, NDArray logRatio) {

    /** Scalars are passed as floats: a Java double would promote the arrays to float64. */
    public static PpoLoss compute(NDArray logits, NDArray newValue, NDArray oneHot, NDArray oldLogProb, NDArray advantages,
                                  NDArray returns, NDArray oldValue, PpoConfig c) {
        NDArray logp = logits.logSoftmax(1);
        NDArray newLogProb = logp.mul(oneHot).sum(new int[] {1});
        NDArray entropy = logp.exp().mul(logp).sum(new int[] {1}).neg().mean();
        NDArray logRatio = newLogProb.sub(oldLogProb);
        NDArray ratio = logRatio.exp();
        NDArray pg1 = advantages.neg().mul(ratio);
        NDArray pg2 = advantages.neg().mul(ratio.clip((float) (1 - c.clipCoef()), (float) (1 + c.clipCoef())));
        NDArray pgLoss = pg1.maximum(pg2).mean();
        NDArray vUnclipped = newValue.sub(returns).square();
        NDArray valueLoss;
        if (c.clipVloss()) {
            NDArray vClipped = oldValue.add(newValue.sub(oldValue).clip((float) -c.clipCoef(), (float) c.clipCoef())).sub(returns).square();
            valueLoss = Ops.scale(vUnclipped.maximum(vClipped).mean(), 0.5);
        } else {
            valueLoss = Ops.scale(vUnclipped.mean(), 0.5);
        }
        NDArray loss = pgLoss.sub(Ops.scale(entropy, c.entCoef())).add(Ops.scale(valueLoss, c.vfCoef()));
        return new PpoLoss(loss, pgLoss, valueLoss, entropy, logRatio);
    }
}
