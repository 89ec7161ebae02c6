package org.mesalab.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What an environment is, before any level exists: its parameters and their defaults, its named
 * splits (each a set of parameter overrides), the events it reports, its intended objective and its
 * proxies, and how to build an instance. {@code mesalab envs} prints exactly this.
 *
 * @param splits    split name to parameter overrides, in order; a split's position fixes its level-seed range
 * @param validator cross-parameter checks (an even maze size, more items than free cells) that throw
 *                  {@link UsageException}
 */
public record EnvType(
        String name,
        String description,
        List<String> actions,
        List<Param> params,
        Map<String, Map<String, Double>> splits,
        List<Event> events,
        Objective intended,
        List<Objective> proxies,
        Consumer<Params> validator,
        Function<Params, Env> factory) {

    public EnvType {
        actions = List.copyOf(actions);
        params = List.copyOf(params);
        splits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(splits));
        events = List.copyOf(events);
        proxies = List.copyOf(proxies);
    }

    /** The intended objective followed by the proxies. */
    public List<Objective> objectives() {
        List<Objective> all = new ArrayList<>();
        all.add(intended);
        all.addAll(proxies);
        return all;
    }

    /** An objective by name; {@code intended} is an alias for the intended objective. */
    public Objective objective(String id) {
        if (id.equals("intended")) {
            return intended;
        }
        for (Objective o : objectives()) {
            if (o.name().equals(id)) {
                return o;
            }
        }
        throw new UsageException(name + ": unknown objective '" + id + "'; allowed: intended, " + objectiveNames());
    }

    public String objectiveNames() {
        StringBuilder b = new StringBuilder();
        for (Objective o : objectives()) {
            b.append(b.length() == 0 ? "" : ", ").append(o.name());
        }
        return b.toString();
    }

    public int splitIndex(String split) {
        int i = 0;
        for (String s : splits.keySet()) {
            if (s.equals(split)) {
                return i;
            }
            i++;
        }
        throw new UsageException(name + ": unknown split '" + split + "'; allowed: " + String.join(", ", splits.keySet()));
    }

    /**
     * The parameters that define the splits: every parameter some split sets ({@code cheese_region} for
     * maze, {@code random_coin} for coinrun, the key and chest counts for heist, {@code strip2_row} for lava).
     */
    public Set<String> splitParams() {
        Set<String> keys = new LinkedHashSet<>();
        splits.values().forEach(m -> keys.addAll(m.keySet()));
        return keys;
    }

    /**
     * The levels of {@code split} for a run trained on {@code trainSplit} with {@code overrides}: a split
     * means the same levels for every run. On the run's own training split every override applies (that
     * is the distribution it was trained on); on any other split the split's defining parameters
     * ({@link #splitParams()}) keep the split's values and only the other overrides carry over, so a run
     * trained with {@code random_coin=0.2} is tested on the test split's coin placement, while a run
     * trained on 9 x 9 mazes is tested on 9 x 9 test mazes.
     */
    public Map<String, Double> overridesFor(String split, String trainSplit, Map<String, Double> overrides) {
        if (split.equals(trainSplit)) {
            return overrides;
        }
        Set<String> defining = splitParams();
        Map<String, Double> kept = new LinkedHashMap<>();
        overrides.forEach((k, v) -> {
            if (!defining.contains(k)) {
                kept.put(k, v);
            }
        });
        return kept;
    }

    /** {@link #distribution(String, Map)} for a run trained on {@code trainSplit}: see {@link #overridesFor}. */
    public Distribution distributionFor(String split, String trainSplit, Map<String, Double> overrides) {
        return distribution(split, overridesFor(split, trainSplit, overrides));
    }

    /**
     * Parameter overrides given as {@code KEY=VALUE} (or {@code env.KEY=VALUE}), each checked against its
     * declaration; a malformed one or an unknown key is a usage error naming what is allowed.
     */
    public Map<String, Double> parseOverrides(List<String> overrides) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--set " + kv + " is malformed; allowed: KEY=VALUE with KEY one of the parameters of " + name);
            }
            String key = kv.substring(0, eq).trim();
            if (key.startsWith("env.")) {
                key = key.substring(4);
            }
            Param p = Params.find(name, params, key);
            values.put(p.name(), p.parse(name, kv.substring(eq + 1)));
        }
        return values;
    }

    /** The split's distribution over all its levels, with the user's overrides on top of the split's. */
    public Distribution distribution(String split, Map<String, Double> overrides) {
        return distribution(split, overrides, 0, 0);
    }

    /**
     * @param startLevel first level index used (like Procgen's {@code start_level})
     * @param numLevels  number of distinct levels, 0 for unbounded (like Procgen's {@code num_levels})
     */
    public Distribution distribution(String split, Map<String, Double> overrides, long startLevel, long numLevels) {
        Map<String, Double> splitOverrides = splits.get(split);
        if (splitOverrides == null) {
            splitIndex(split); // throws with the allowed names
        }
        Params p = Params.of(name, params, splitOverrides, overrides);
        validator.accept(p);
        return new Distribution(this, split, p, startLevel, numLevels);
    }

    public Env create(Params p) {
        return factory.apply(p);
    }
}
