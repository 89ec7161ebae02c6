package org.mesalab.agents;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Evaluator;

/**
 * How a run's manifest names its training distribution, shared by training, resuming and evaluation:
 * {@code env}, {@code split}, {@code env_overrides} (the user's parameter overrides on top of the
 * split's) and {@code num_levels}/{@code start_level}. With {@code num_levels} 0, training draws only
 * from the lower half of the split's level range, so evaluation can use the upper half as held-out
 * levels ({@link Evaluator#HELD_OUT_START}).
 */
public final class TrainSetup {
    private TrainSetup() {
    }

    public static Distribution trainDistribution(EnvType type, String split, Map<String, Double> overrides, long startLevel, long numLevels) {
        long levels = numLevels > 0 ? numLevels : Evaluator.HELD_OUT_START - startLevel;
        return type.distribution(split, overrides, startLevel, levels);
    }

    public static Distribution trainDistribution(Map<String, Object> config) {
        EnvType type = Envs.get((String) config.get("env"));
        return trainDistribution(type, (String) config.get("split"), overrides(config),
                ((Number) config.getOrDefault("start_level", 0)).longValue(), ((Number) config.getOrDefault("num_levels", 0)).longValue());
    }

    /**
     * The levels of {@code split} for the run of this manifest: on its training split, its training
     * distribution; on any other split the split's own definition with only the overrides that do not
     * define splits ({@link EnvType#overridesFor}: a split means the same levels for every run).
     */
    public static Distribution distribution(Map<String, Object> config, String split) {
        EnvType type = Envs.get((String) config.get("env"));
        return type.distributionFor(split, (String) config.get("split"), overrides(config));
    }

    /**
     * A warning when {@code split} is not the run's training split but has exactly its training
     * parameters (say, a maze run trained with {@code cheese_region=0} evaluated on {@code test}): its
     * levels differ only by seed, so the rates there do not measure generalization across a shift.
     * Null when the split differs from training, as it should.
     */
    public static String sameAsTraining(Map<String, Object> config, String split) {
        if (split.equals(config.get("split"))) {
            return null;
        }
        Distribution d = distribution(config, split);
        if (!d.params().equals(trainDistribution(config).params())) {
            return null;
        }
        return "the " + split + " split has the same parameters as this run's training levels (" + d.params()
                + "): its outcome rates measure held-out levels of the training distribution, not a shift";
    }

    /** Training-half levels of {@code split} under the rule of {@link #distribution(Map, String)} (refit data, model lanes). */
    public static Distribution trainingHalf(EnvType type, String split, String trainSplit, Map<String, Double> overrides) {
        return trainDistribution(type, split, type.overridesFor(split, trainSplit, overrides), 0, 0);
    }

    /** The user's env overrides recorded in a manifest. */
    public static Map<String, Double> overrides(Map<String, Object> config) {
        Map<String, Double> o = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Object> raw = (Map<String, Object>) config.getOrDefault("env_overrides", Map.of());
        raw.forEach((k, v) -> o.put(k, ((Number) v).doubleValue()));
        return o;
    }

    /** The first held-out level index for evaluating a run on {@code split}. */
    public static long heldOutStart(Map<String, Object> config, String split) {
        long numLevels = ((Number) config.getOrDefault("num_levels", 0)).longValue();
        long start = ((Number) config.getOrDefault("start_level", 0)).longValue();
        if (split.equals(config.get("split")) && numLevels > 0) {
            return start + numLevels; // like Procgen: evaluate past the training levels
        }
        return Evaluator.HELD_OUT_START;
    }
}
