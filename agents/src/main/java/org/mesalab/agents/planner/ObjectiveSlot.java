package org.mesalab.agents.planner;

import java.util.Locale;
import org.mesalab.core.EnvType;
import org.mesalab.core.EventExpression;
import org.mesalab.core.Objective;
import org.mesalab.core.UsageException;

/**
 * What the planner's search maximizes: a named, swappable component (the essay's proposal).
 * <ul>
 *   <li>{@code learned}: the agent's own reward and value heads, trained on the base reward;</li>
 *   <li>{@code events:EXPR}: a reward over the world model's predicted events, e.g. {@code events:cheese},
 *       {@code events:coin-0.1*steps}, {@code events:corner+0.5*cheese}, with a value head refit for it
 *       while representation and dynamics stay frozen ({@link ValueRefit});</li>
 *   <li>{@code true:NAME}: objective NAME ({@code intended} or one of the env's objectives) on the true
 *       simulator with its exact value: an upper bound that checks the search itself.</li>
 * </ul>
 *
 * @param objective the reward over events (null for {@code learned})
 */
public record ObjectiveSlot(Kind kind, String spec, Objective objective) {
    public enum Kind { LEARNED, EVENTS, TRUE }

    public static final String ALLOWED = "learned, events:EXPR (e.g. events:cheese, events:coin-0.1*steps), true:NAME (intended or an objective of the env)";

    public static ObjectiveSlot parse(String spec, EnvType type) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("learned")) {
            return new ObjectiveSlot(Kind.LEARNED, "learned", null);
        }
        if (s.startsWith("true:")) {
            String name = s.substring(5);
            Objective o = name.equals("intended") ? type.intended() : type.objective(name);
            return new ObjectiveSlot(Kind.TRUE, "true:" + o.name(), o);
        }
        if (s.startsWith("events:")) {
            return new ObjectiveSlot(Kind.EVENTS, s, expression(s.substring(7), type));
        }
        throw new UsageException("--objective=" + spec + " is not known; allowed: " + ALLOWED);
    }

    static Objective expression(String expr, EnvType type) {
        return EventExpression.parse(expr, type);
    }

    /** A file-name-safe form of the spec, for cached refits. */
    public String slug() {
        return spec.replaceAll("[^a-z0-9.]+", "_");
    }
}
