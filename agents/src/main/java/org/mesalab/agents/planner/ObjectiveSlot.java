package org.mesalab.agents.planner;

import java.util.Locale;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
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

    /**
     * Parses {@code [c*]term (+|-) [c*]term ...} where a term is an event id or {@code steps} (a reward
     * per step), e.g. {@code coin-0.1*steps}. Events outside the env are refused.
     */
    static Objective expression(String expr, EnvType type) {
        if (expr.isEmpty()) {
            throw new UsageException("events: needs an expression; allowed: event ids of " + type.name() + " (" + eventIds(type) + ") and steps, joined by + or -");
        }
        double[] w = new double[Event.COUNT];
        double step = 0;
        int i = 0;
        while (i < expr.length()) {
            double sign = 1;
            char c = expr.charAt(i);
            if (c == '+' || c == '-') {
                sign = c == '-' ? -1 : 1;
                i++;
            } else if (i > 0) {
                throw bad(expr, type);
            }
            int j = i;
            while (j < expr.length() && expr.charAt(j) != '+' && (expr.charAt(j) != '-' || (j > i && expr.charAt(j - 1) == 'e'))) {
                j++;
            }
            String term = expr.substring(i, j).trim();
            double coef = 1;
            int star = term.indexOf('*');
            if (star >= 0) {
                try {
                    coef = Double.parseDouble(term.substring(0, star).trim());
                } catch (NumberFormatException e) {
                    throw bad(expr, type);
                }
                term = term.substring(star + 1).trim();
            }
            if (term.equals("steps")) {
                step += sign * coef;
            } else {
                Event e;
                try {
                    e = Event.byId(term);
                } catch (UsageException u) {
                    throw bad(expr, type);
                }
                if (!type.events().contains(e)) {
                    throw bad(expr, type);
                }
                w[e.ordinal()] += sign * coef;
            }
            i = j;
        }
        double[] weights = w.clone();
        return new Objective(expr, "events:" + expr, weights, step, (counts, env) -> {
            for (int k = 0; k < weights.length; k++) {
                if (weights[k] > 0 && counts[k] > 0) {
                    return true;
                }
            }
            return false;
        });
    }

    private static UsageException bad(String expr, EnvType type) {
        return new UsageException("events:" + expr + " is not a valid expression; allowed: event ids of " + type.name()
                + " (" + eventIds(type) + ") and steps, each with an optional c* factor, joined by + or -");
    }

    private static String eventIds(EnvType type) {
        return String.join(", ", type.events().stream().map(Event::id).toList());
    }

    /** A file-name-safe form of the spec, for cached refits. */
    public String slug() {
        return spec.replaceAll("[^a-z0-9.]+", "_");
    }
}
