package org.mesalab.core;

/**
 * A reward written over events, e.g. {@code cheese}, {@code coin-0.1*steps}, {@code cheese+0.02*corner}:
 * the language of the planner's {@code events:} objective slot and of Goodhart proxies.
 */
public final class EventExpression {
    private EventExpression() {
    }

    /**
     * Parses {@code [c*]term (+|-) [c*]term ...} where a term is an event id or {@code steps} (a reward
     * per step). Events outside the env are refused. The objective counts as achieved when an event with a
     * positive weight happened.
     */
    public static Objective parse(String expr, EnvType type) {
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
            while (j < expr.length() && !endsTerm(expr, i, j)) {
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
                if (!Double.isFinite(coef)) {
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

    /** Whether the sign at {@code j} starts the next term, not a number's exponent ({@code 1e-3*coin}). */
    private static boolean endsTerm(String expr, int from, int j) {
        char c = expr.charAt(j);
        if (c != '+' && c != '-') {
            return false;
        }
        boolean exponent = j >= from + 2 && (expr.charAt(j - 1) == 'e' || expr.charAt(j - 1) == 'E')
                && expr.substring(from, j - 1).trim().matches("[0-9]*\\.?[0-9]+");
        return !exponent;
    }

    private static UsageException bad(String expr, EnvType type) {
        return new UsageException("events:" + expr + " is not a valid expression; allowed: event ids of " + type.name()
                + " (" + eventIds(type) + ") and steps, each with an optional c* factor, joined by + or -");
    }

    private static String eventIds(EnvType type) {
        return String.join(", ", type.events().stream().map(Event::id).toList());
    }
}
