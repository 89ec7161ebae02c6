package org.mesalab.agents.ask;

import java.util.Arrays;
import java.util.Locale;
import org.mesalab.core.Samplers;
import org.mesalab.core.UsageException;

/**
 * What an agent reads to decide it is unsure; larger means less familiar. {@code random} is the baseline
 * (asking at random steps, at the same rate) and {@code oracle} the bound (asking exactly at the steps where
 * the agent's own action would not be optimal for the intended objective). For a planner the policy is the
 * search's (its improved policy at the root) and novelty reads the latent state {@code h(o)}.
 */
public enum Signal {
    /** Entropy of the policy's action distribution. */
    ENTROPY,
    /** One minus the most likely action's probability. */
    MAX_PROB,
    /** Euclidean distance from a layer's activation to the nearest activation recorded on training levels. */
    NOVELTY,
    /**
     * Standard deviation of the value ensemble's estimates (agents trained with {@code ppo.value_heads} or
     * {@code planner.value_heads} > 1; a planner's at the root's latent {@code h(o)}).
     */
    VALUE_STD,
    /**
     * Planners: how far the search's backed-up value of the root moved from the learned objective's own value of it
     * ({@code |search value - value head|}): the objective disagreeing with what looking ahead finds.
     */
    VALUE_GAP,
    /**
     * Planners: the world model's surprise, the mean squared error between the latent it predicted for this step
     * ({@code g(h(o_{t-1}), a_{t-1})}) and the latent of what it sees ({@code h(o_t)}): the quantity its consistency
     * loss trains down on training levels. 0 at an episode's first step.
     */
    SURPRISE,
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

    /** One minus the largest probability. */
    static double maxProbGapOf(float[] p) {
        double m = 0;
        for (float v : p) {
            m = Math.max(m, v);
        }
        return 1 - m;
    }

    static double maxProbGap(float[] logits) {
        double m = 0;
        for (double v : Samplers.softmax(logits)) {
            m = Math.max(m, v);
        }
        return 1 - m;
    }
}
