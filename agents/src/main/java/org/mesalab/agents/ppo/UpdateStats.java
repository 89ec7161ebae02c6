package org.mesalab.agents.ppo;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import org.mesalab.agents.Learner;

/**
 * What one PPO update reports (one line of {@code metrics.jsonl}). The last three fields are wall-clock
 * measurements and differ between identical runs; everything else is reproducible.
 *
 * @param meanReturn   mean intended return of the last (up to) 100 finished training episodes
 * @param trainSuccess intended-objective success rate over the same episodes
 * @param networkSeconds time inside network forward, backward and optimizer calls during this update
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UpdateStats(int update, @JsonIgnore int updates, long globalStep, double learningRate, double policyLoss, double valueLoss,
                          double entropy, double approxKl, double oldApproxKl, @JsonProperty("clipfrac") double clipFraction, double explainedVariance,
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
}
