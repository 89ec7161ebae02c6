package org.mesalab.agents.ask;

import java.util.Arrays;
import java.util.Locale;
import org.mesalab.core.Samplers;
import org.mesalab.core.UsageException;

/**
 * What an agent reads to decide it is unsure; larger means less familiar. {@code random} is the baseline
 * (asking at random steps, at the same rate) and {@code oracle} the bound (asking exactly at the steps where
 * the agent's own action would not be optimal for the intended objective).
 */
public enum Signal {
    /** Entropy of the policy's action distribution. */
    ENTROPY,
    /** One minus the most likely action's probability. */
    MAX_PROB,
    /** Euclidean distance from a layer's activation to the nearest activation recorded on training levels. */
    NOVELTY,
    /** Standard deviation of the value ensemble's estimates (agents trained with {@code ppo.value_heads} > 1). */
    VALUE_STD,
    /** A uniform draw: asks at random steps. */
    RANDOM,
    /** 1 when the agent's action is not optimal for the intended objective, else 0. */
    ORACLE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Signal parse(String s) {
        for (Signal v : values()) {
            if (v.id().equals(s)) {
                return v;
            }
        }
        throw new UsageException("--signal " + s + " is not known; allowed: " + String.join(", ", Arrays.stream(values()).map(Signal::id).toList()));
    }

    static double entropy(float[] logits) {
        double[] p = Samplers.softmax(logits);
        double h = 0;
        for (double v : p) {
            h -= v > 0 ? v * Math.log(v) : 0;
        }
        return h;
    }

    static double maxProbGap(float[] logits) {
        double m = 0;
        for (double v : Samplers.softmax(logits)) {
            m = Math.max(m, v);
        }
        return 1 - m;
    }
}
