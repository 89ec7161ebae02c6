package org.mesalab.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.Param;
import org.mesalab.core.Params;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import picocli.CommandLine.Option;

/** Options shared by commands that pick a split and override generator parameters. */
final class EnvOptions {
    @Option(names = "--split", description = "split: train or test (default: train)")
    String split = "train";

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a generator parameter (repeatable), e.g. --set size=11")
    List<String> overrides = new ArrayList<>();

    Distribution distribution(String envName) {
        EnvType type = Envs.get(envName);
        return type.distribution(split, parse(type, overrides));
    }

    static Map<String, Double> parse(EnvType type, List<String> overrides) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String kv : overrides) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--set " + kv + " is malformed; allowed: KEY=VALUE with KEY one of the parameters of " + type.name());
            }
            String key = kv.substring(0, eq).trim();
            if (key.startsWith("env.")) {
                key = key.substring(4);
            }
            Param p = Params.find(type.name(), type.params(), key);
            values.put(p.name(), p.parse(type.name(), kv.substring(eq + 1)));
        }
        return values;
    }

    /** A number as a --set value: integers without a decimal point. */
    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
