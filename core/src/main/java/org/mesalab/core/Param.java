package org.mesalab.core;

import java.util.List;
import java.util.Locale;

/**
 * One parameter, declared once: its name, kind, default, allowed values and a one-line description.
 * The same declaration serves a level generator ({@link Params}) and a learner's hyperparameters
 * ({@link Settings}): validation, {@code --set} parsing, config files, listings and help all read it.
 *
 * @param kind         what values look like
 * @param defaultValue an Integer, Double, Boolean or String, matching the kind
 * @param min          smallest allowed value (numbers; for {@link Kind#INT_LIST} each element)
 * @param max          largest allowed value
 * @param openMin      whether {@code min} itself is excluded (a learning rate must be above 0)
 * @param choices      the allowed values of a {@link Kind#CHOICE}; empty otherwise
 */
public record Param(String name, Kind kind, Object defaultValue, double min, double max, boolean openMin, List<String> choices, String doc) {

    /** What values of a parameter look like. */
    public enum Kind {
        INT, NUMBER, BOOL, CHOICE,
        /** positive integers joined by '-', e.g. {@code 16-32} */
        INT_LIST
    }

    public Param {
        choices = List.copyOf(choices);
    }

    public static Param ofInt(String name, int defaultValue, int min, int max, String doc) {
        return new Param(name, Kind.INT, defaultValue, min, max, false, List.of(), doc);
    }

    public static Param ofDouble(String name, double defaultValue, double min, double max, String doc) {
        return new Param(name, Kind.NUMBER, defaultValue, min, max, false, List.of(), doc);
    }

    /** A number in {@code (0, max]}. */
    public static Param ofPositive(String name, double defaultValue, double max, String doc) {
        return new Param(name, Kind.NUMBER, defaultValue, 0, max, true, List.of(), doc);
    }

    public static Param ofBool(String name, boolean defaultValue, String doc) {
        return new Param(name, Kind.BOOL, defaultValue, 0, 1, false, List.of(), doc);
    }

    public static Param ofChoice(String name, String defaultValue, List<String> choices, String doc) {
        return new Param(name, Kind.CHOICE, defaultValue, 0, 0, false, choices, doc);
    }

    public static Param ofIntList(String name, String defaultValue, int min, int max, String doc) {
        return new Param(name, Kind.INT_LIST, defaultValue, min, max, false, List.of(), doc);
    }

    /** Whether only whole numbers are allowed. */
    public boolean integer() {
        return kind == Kind.INT;
    }

    /** The default as a number (numeric kinds; level generators have only those). */
    public double defaultNumber() {
        return ((Number) defaultValue).doubleValue();
    }

    /** Parses and range-checks a numeric value given as text; {@code owner} (an env, "ppo") names the owner in the message. */
    public double parse(String owner, String text) {
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(owner + ": " + name + "=" + text + " is not a number; allowed: " + range());
        }
        check(owner, v);
        return v;
    }

    /** Checks a numeric value against the range. */
    public void check(String owner, double v) {
        if (Double.isNaN(v) || v < min || v > max || (openMin && v == min) || (integer() && v != Math.rint(v))) {
            throw new UsageException(owner + ": " + name + "=" + format(v) + " is out of range; allowed: " + range());
        }
    }

    /** Parses text as this parameter's kind and checks it: an Integer, Double, Boolean or String. */
    public Object parseValue(String owner, String text) {
        String t = text.trim();
        return switch (kind) {
            case INT -> {
                int v;
                try {
                    v = Integer.parseInt(t);
                } catch (NumberFormatException e) {
                    throw new UsageException(owner + ": " + name + "=" + text + " is not a valid integer; allowed: " + range());
                }
                check(owner, v);
                yield v;
            }
            case NUMBER -> {
                double v;
                try {
                    v = Double.parseDouble(t);
                } catch (NumberFormatException e) {
                    throw new UsageException(owner + ": " + name + "=" + text + " is not a valid number; allowed: " + range());
                }
                check(owner, v);
                yield v;
            }
            default -> checkValue(owner, t);
        };
    }

    /**
     * Checks a value read from a config file or given as text: numbers of the right kind in range, a
     * boolean ({@code true}/{@code false}, also as text), one of the choices, a well-formed list.
     * Returns the value in its canonical Java type.
     */
    public Object checkValue(String owner, Object value) {
        switch (kind) {
            case INT, NUMBER -> {
                if (!(value instanceof Number n)) {
                    return parseValue(owner, String.valueOf(value));
                }
                check(owner, n.doubleValue());
                return kind == Kind.INT ? (Object) n.intValue() : (Object) n.doubleValue();
            }
            case BOOL -> {
                if (value instanceof Boolean b) {
                    return b;
                }
                String v = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    throw new UsageException(owner + ": " + name + "=" + value + " is not a valid boolean (true or false); allowed: " + range());
                }
                return Boolean.parseBoolean(v);
            }
            case CHOICE -> {
                String v = String.valueOf(value).trim().toLowerCase(Locale.ROOT);
                if (!choices.contains(v)) {
                    throw new UsageException(owner + ": " + name + "=" + value + " is not known; allowed: " + range());
                }
                return v;
            }
            case INT_LIST -> {
                String v = String.valueOf(value).trim();
                try {
                    for (String part : v.split("-", -1)) {
                        int c = Integer.parseInt(part.trim());
                        if (c < min || c > max) {
                            throw new NumberFormatException();
                        }
                    }
                } catch (NumberFormatException e) {
                    throw new UsageException(owner + ": " + name + "=" + value + " is malformed; allowed: " + range());
                }
                return v;
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    /** The allowed values in words, e.g. "an integer in [1, 4096]". */
    public String range() {
        return switch (kind) {
            case INT -> "an integer in [" + format(min) + ", " + format(max) + "]";
            case NUMBER -> "a number in " + (openMin ? "(" : "[") + format(min) + ", " + format(max) + "]";
            case BOOL -> "true or false";
            case CHOICE -> String.join(", ", choices);
            case INT_LIST -> "integers in [" + format(min) + ", " + format(max) + "] joined by '-', e.g. 16-32";
        };
    }

    /** The default as text ({@code mesalab envs} and help listings). */
    public String defaultText() {
        return defaultValue instanceof Number n ? format(n.doubleValue()) : String.valueOf(defaultValue);
    }

    public static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
