package org.mesalab.agents;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.Envs;
import org.mesalab.core.Evaluator;

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
