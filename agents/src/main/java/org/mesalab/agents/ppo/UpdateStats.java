package org.mesalab.agents.ppo;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.agents.Learner;

/**
 * What one PPO update reports (one line of {@code metrics.jsonl}). The last three fields are wall-clock
 * measurements and differ between identical runs; everything else is reproducible.
 *
 * @param meanReturn   mean intended return of the last (up to) 100 finished training episodes
 * @param trainSuccess intended-objective success rate over the same episodes
 * @param networkSeconds time inside network forward, backward and optimizer calls during this update
 */
public record UpdateStats(int update, int updates, long globalStep, double learningRate, double policyLoss, double valueLoss,
                          double entropy, double approxKl, double oldApproxKl, double clipFraction, double explainedVariance,
                          double gradNorm, long episodes, double meanReturn, double trainSuccess,
                          double stepsPerSecond, double wallSeconds, double networkSeconds) implements Learner.Stats {

    /** A PPO iteration is an update. */
    @Override
    public int iteration() {
        return update;
    }

    @Override
    public int iterations() {
        return updates;
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("update", update);
        m.put("global_step", globalStep);
        m.put("learning_rate", learningRate);
        m.put("policy_loss", policyLoss);
        m.put("value_loss", valueLoss);
        m.put("entropy", entropy);
        m.put("approx_kl", approxKl);
        m.put("old_approx_kl", oldApproxKl);
        m.put("clipfrac", clipFraction);
        m.put("explained_variance", explainedVariance);
        m.put("grad_norm", gradNorm);
        m.put("episodes", episodes);
        m.put("mean_return", meanReturn);
        m.put("train_success", trainSuccess);
        m.put("steps_per_second", stepsPerSecond);
        m.put("wall_seconds", wallSeconds);
        m.put("network_seconds", networkSeconds);
        return m;
    }
}
