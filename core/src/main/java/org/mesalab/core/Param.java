package org.mesalab.core;

/**
 * One parameter of a level generator, with its allowed range and a one-line description.
 *
 * @param integer whether only whole numbers are allowed
 */
public record Param(String name, boolean integer, double defaultValue, double min, double max, String doc) {

    public static Param ofInt(String name, int defaultValue, int min, int max, String doc) {
        return new Param(name, true, defaultValue, min, max, doc);
    }

    public static Param ofDouble(String name, double defaultValue, double min, double max, String doc) {
        return new Param(name, false, defaultValue, min, max, doc);
    }

    /** Parses and range-checks a value given on the command line; {@code env} names the env in the message. */
    public double parse(String env, String text) {
        double v;
        try {
            v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(env + ": " + name + "=" + text + " is not a number; allowed: " + range());
        }
        check(env, v);
        return v;
    }

    public void check(String env, double v) {
        if (Double.isNaN(v) || v < min || v > max || (integer && v != Math.rint(v))) {
            throw new UsageException(env + ": " + name + "=" + format(v) + " is out of range; allowed: " + range());
        }
    }

    public String range() {
        return (integer ? "an integer" : "a number") + " in [" + format(min) + ", " + format(max) + "]";
    }

    public static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
