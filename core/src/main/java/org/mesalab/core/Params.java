package org.mesalab.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Validated values of an env's parameters, in declaration order. Immutable. */
public final class Params {
    private final String env;
    private final Map<String, Double> values;

    private Params(String env, Map<String, Double> values) {
        this.env = env;
        this.values = Collections.unmodifiableMap(values);
    }

    /** Defaults, then each layer of overrides in order; every name and value is checked. */
    @SafeVarargs
    public static Params of(String env, List<Param> params, Map<String, Double>... overrides) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (Param p : params) {
            values.put(p.name(), p.defaultNumber());
        }
        for (Map<String, Double> layer : overrides) {
            for (Map.Entry<String, Double> e : layer.entrySet()) {
                Param p = find(env, params, e.getKey());
                p.check(env, e.getValue());
                values.put(p.name(), e.getValue());
            }
        }
        return new Params(env, values);
    }

    public static Param find(String env, List<Param> params, String name) {
        for (Param p : params) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (Param p : params) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(p.name());
        }
        throw new UsageException(env + ": unknown parameter '" + name + "'; allowed: " + allowed);
    }

    public int getInt(String name) {
        return (int) get(name);
    }

    public double get(String name) {
        Double v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException(env + " has no parameter " + name);
        }
        return v;
    }

    public Map<String, Double> asMap() {
        return values;
    }

    /** Values for JSON: whole numbers as integers, others as doubles. */
    public Map<String, Object> asJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        values.forEach((k, v) -> m.put(k, v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) v.longValue() : v));
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Params p && p.env.equals(env) && p.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        values.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(Param.format(v)));
        return b.toString();
    }
}
