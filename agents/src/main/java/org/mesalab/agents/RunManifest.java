package org.mesalab.agents;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Evaluator;

/**
 * A run's manifest ({@code config.json}): everything needed to repeat or continue it. Written once
 * when the run starts and read by resuming, evaluation, the experiment runner and the store, always
 * through this record (Jackson, snake_case field names).
 *
 * <p>Which levels a run sees: training draws from {@code split} with the user's {@code envOverrides}
 * on top of the split's parameters, over {@code numLevels} levels from {@code startLevel} (Procgen's
 * {@code num_levels}/{@code start_level}); with {@code numLevels} 0, from the lower half of the split's
 * level range, so evaluation uses the upper half as held-out levels ({@link Evaluator#HELD_OUT_START}).
 * Any other split means the same levels for every run ({@link EnvType#overridesFor}).
 *
 * @param algo         {@code ppo} or {@code planner}; exactly the matching hyperparameters are set
 * @param envParams    the training distribution's full generator parameters (for readers; derived)
 * @param command      the command line that created the run
 * @param parameters   the networks' parameter count
 * @param updates      PPO updates in the budget (PPO runs)
 * @param iterations   planner iterations in the budget (planner runs)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunManifest(String algo, String env, String split, Map<String, Double> envOverrides, Map<String, Object> envParams,
                          long startLevel, long numLevels, long seed, long totalSteps, int threads, Map<String, Object> versions,
                          String gitCommit, String created, String command, Map<String, Object> ppo, Map<String, Object> planner, Long parameters,
                          Long updates, Long iterations) {

    public RunManifest {
        envOverrides = envOverrides == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(envOverrides));
    }

    /** A new run's manifest before its learner adds its config and sizes. */
    public static RunManifest of(String algo, String env, String split, Map<String, Double> envOverrides, long startLevel, long numLevels,
                                 long seed, long totalSteps, int threads, Map<String, Object> versions, String gitCommit, String created,
                                 String command) {
        RunManifest m = new RunManifest(algo, env, split, envOverrides, null, startLevel, numLevels, seed, totalSteps, threads, versions,
                gitCommit, created, command, null, null, null, null, null);
        return m.withEnvParams();
    }

    private RunManifest withEnvParams() {
        return new RunManifest(algo, env, split, envOverrides, trainDistribution().params().asJson(), startLevel, numLevels, seed, totalSteps,
                threads, versions, gitCommit, created, command, ppo, planner, parameters, updates, iterations);
    }

    /** With the software versions (which need the started engine: the PyTorch version). */
    public RunManifest withVersions(Map<String, Object> v) {
        return new RunManifest(algo, env, split, envOverrides, envParams, startLevel, numLevels, seed, totalSteps, threads, v, gitCommit,
                created, command, ppo, planner, parameters, updates, iterations);
    }

    /**
     * With a learner's hyperparameters ({@code ppo} or {@code planner}, by declared name, as the file holds
     * them: {@code PpoConfig.of} and {@code PlannerConfig.of} read them back typed) and the sizes it reports
     * when it starts: its parameter count and its iterations (PPO updates or planner iterations).
     */
    public RunManifest withLearner(String learner, Map<String, Object> config, long parameterCount, long iterationCount) {
        boolean planner = learner.equals("planner");
        return new RunManifest(learner, env, split, envOverrides, envParams, startLevel, numLevels, seed, totalSteps, threads, versions,
                gitCommit, created, command, planner ? null : config, planner ? config : null, parameterCount, planner ? null : iterationCount,
                planner ? iterationCount : null);
    }

    /** Checks what a reader relies on; a manifest that fails names the file and what is missing. */
    RunManifest checked(String file) {
        if (algo == null || env == null || split == null) {
            throw new UsageException(file + " lacks algo, env or split; allowed: a manifest written by 'mesalab train'");
        }
        boolean configured = "ppo".equals(algo) ? ppo != null : "planner".equals(algo) && planner != null;
        if (!configured) {
            throw new UsageException(file + " has algo '" + algo + "' without its hyperparameters; allowed: ppo with 'ppo', planner with 'planner'");
        }
        type(); // an unknown env is a usage error naming the known ones
        return this;
    }

    public EnvType type() {
        return Envs.get(env);
    }

    @JsonIgnore // not a field of the file (Jackson would write it as "planner", over the planner's config)
    public boolean isPlanner() {
        return "planner".equals(algo);
    }

    /** The iterations of the budget: PPO updates or planner iterations (0 in a manifest written before they were recorded). */
    public long plannedIterations() {
        Long n = isPlanner() ? iterations : updates;
        return n == null ? 0 : n;
    }

    /** The training distribution: the training split with every override, over the training levels. */
    public Distribution trainDistribution() {
        return trainDistribution(type(), split, envOverrides, startLevel, numLevels);
    }

    public static Distribution trainDistribution(EnvType type, String split, Map<String, Double> overrides, long startLevel, long numLevels) {
        long levels = numLevels > 0 ? numLevels : Evaluator.HELD_OUT_START - startLevel;
        return type.distribution(split, overrides, startLevel, levels);
    }

    /**
     * The levels of {@code split} for this run: on its training split, its training distribution; on
     * any other split the split's own definition with only the overrides that do not define splits.
     */
    public Distribution distribution(String split) {
        return type().distributionFor(split, this.split, envOverrides);
    }

    /** Training-half levels of {@code split} under the same rule (a planner's refit data and model lanes). */
    public Distribution trainingHalf(String split) {
        return trainingHalf(type(), split, this.split, envOverrides);
    }

    public static Distribution trainingHalf(EnvType type, String split, String trainSplit, Map<String, Double> overrides) {
        return trainDistribution(type, split, type.overridesFor(split, trainSplit, overrides), 0, 0);
    }

    /**
     * A warning when {@code split} is not the run's training split but has exactly its training
     * parameters (say, a maze run trained with {@code cheese_region=0} evaluated on {@code test}): its
     * levels differ only by seed, so the rates there do not measure generalization across a shift.
     * Null when the split differs from training, as it should.
     */
    public String sameAsTraining(String split) {
        if (split.equals(this.split)) {
            return null;
        }
        Distribution d = distribution(split);
        if (!d.params().equals(trainDistribution().params())) {
            return null;
        }
        return "the " + split + " split has the same parameters as this run's training levels (" + d.params()
                + "): its outcome rates measure held-out levels of the training distribution, not a shift";
    }

    /** The first held-out level index for evaluating this run on {@code split}: past its training levels. */
    public long heldOutStart(String split) {
        if (split.equals(this.split) && numLevels > 0) {
            return startLevel + numLevels; // like Procgen: evaluate past the training levels
        }
        return Evaluator.HELD_OUT_START;
    }
}
