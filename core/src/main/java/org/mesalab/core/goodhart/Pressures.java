package org.mesalab.core.goodhart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mesalab.core.UsageException;

/**
 * Pressure lists as users write them: {@code 1,2,4,8}, {@code 1,2,4,...,1024} (the values before
 * {@code ...} continue as a doubling when the last two double and the last three are not evenly spaced,
 * else by the last step), {@code 1..64} (doubling from 1 to
 * 64), with {@code k} and {@code M} suffixes ({@code 0,50k,100k,...,2M}). The result must be strictly increasing.
 */
public final class Pressures {
    static final String ALLOWED = "a strictly increasing list such as 1,2,4,8 or 1,2,4,...,1024 or 1..64 (k and M suffixes allowed)";
    private static final int MAX_VALUES = 64;

    private Pressures() {
    }

    public static long[] parse(String spec, long min, long max) {
        String s = spec.trim().toLowerCase(Locale.ROOT).replace(" ", "");
        List<Long> out = new ArrayList<>();
        if (s.matches("[0-9.km]+\\.\\.[0-9.km]+") && !s.contains("...")) {
            String[] ab = s.split("\\.\\.");
            long a = value(ab[0], spec);
            long b = value(ab[1], spec);
            if (a < 1 || b < a) {
                throw bad(spec);
            }
            for (long v = a; v <= b && out.size() <= MAX_VALUES; v *= 2) {
                out.add(v);
            }
        } else {
            String[] parts = s.split(",", -1);
            for (int i = 0; i < parts.length; i++) {
                if (!parts[i].equals("...")) {
                    out.add(value(parts[i], spec));
                    continue;
                }
                if (out.size() < 2 || i != parts.length - 2) {
                    throw bad(spec);
                }
                long a = out.get(out.size() - 2);
                long b = out.get(out.size() - 1);
                long end = value(parts[i + 1], spec);
                boolean evenSteps = out.size() >= 3 && b - a == a - out.get(out.size() - 3);
                boolean doubling = !evenSteps && a > 0 && b == 2 * a;
                long v = b;
                while (out.size() <= MAX_VALUES) {
                    v = doubling ? v * 2 : v + (b - a);
                    if (v >= end || b <= a) {
                        break;
                    }
                    out.add(v);
                }
            }
        }
        if (out.isEmpty() || out.size() > MAX_VALUES) {
            throw new UsageException("--pressure=" + spec + " gives " + (out.isEmpty() ? "no" : "more than " + MAX_VALUES) + " values; allowed: " + ALLOWED);
        }
        long[] p = out.stream().mapToLong(Long::longValue).toArray();
        for (int i = 0; i < p.length; i++) {
            if (i > 0 && p[i] <= p[i - 1]) {
                throw new UsageException("--pressure=" + spec + " is not increasing at " + p[i] + "; allowed: " + ALLOWED);
            }
            if (p[i] < min || p[i] > max) {
                throw new UsageException("--pressure=" + spec + " has " + p[i] + "; allowed: values in [" + min + ", " + max + "] for this optimizer");
            }
        }
        return p;
    }

    private static long value(String v, String spec) {
        double mult = 1;
        if (v.endsWith("k")) {
            mult = 1e3;
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            mult = 1e6;
            v = v.substring(0, v.length() - 1);
        }
        try {
            double d = Double.parseDouble(v) * mult;
            if (d != Math.rint(d) || d < 0 || d > Long.MAX_VALUE / 4) {
                throw bad(spec);
            }
            return (long) d;
        } catch (NumberFormatException e) {
            throw bad(spec);
        }
    }

    private static UsageException bad(String spec) {
        return new UsageException("--pressure=" + spec + " is not a pressure list; allowed: " + ALLOWED);
    }
}
