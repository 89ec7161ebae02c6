package org.mesalab.lab;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.Param;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Separation;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "envs", footer = {"", "Examples:", "  mesalab envs", "  mesalab envs --json", "  mesalab envs --separation --levels 500"}, description = "List every environment: parameters and defaults, splits, events, intended and proxy objectives.")
final class EnvsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Option(names = "--separation", description = "measure, per env and split, how often the intended goal is reached by accident: by a random policy, "
            + "the proxy's oracle, and the proxy's oracle with 10%% random actions, and the share of levels that separate the goals")
    boolean separation;

    @Option(names = "--levels", defaultValue = "500", description = "held-out levels per env and split for --separation (default: ${DEFAULT-VALUE})")
    int levels;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        if (separation) {
            separation(out);
            return;
        }
        if (json) {
            List<Object> envs = new ArrayList<>();
            for (EnvType t : Envs.all()) {
                envs.add(describe(t));
            }
            Json.print(out, Map.of("envs", envs));
            return;
        }
        for (EnvType t : Envs.all()) {
            Env sample = t.create(t.distribution("train", Map.of()).params());
            out.printf("%s%n  %s%n", t.name(), t.description());
            out.printf("  observation %d x %d x %d (channels x height x width); actions: %s%n",
                    sample.channels, sample.height, sample.width, String.join(", ", t.actions()));
            out.printf("  events: %s%n", String.join(", ", t.events().stream().map(Event::id).toList()));
            out.printf("  intended: %-10s %s%n", t.intended().name(), t.intended().description());
            for (Objective p : t.proxies()) {
                out.printf("  proxy:    %-10s %s%n", p.name(), p.description());
            }
            out.println("  parameters (default; allowed):");
            for (Param p : t.params()) {
                out.printf("    %-14s %-6s %-28s %s%n", p.name(), p.defaultText(), p.range(), p.doc());
            }
            out.printf("  splits (defined by %s: evaluated on a split other than its training split, a run keeps only its other overrides):%n",
                    String.join(", ", t.splitParams()));
            t.splits().forEach((name, o) -> out.printf("    %-6s %s%n", name, formatOverrides(o)));
            out.println();
        }
        out.flush();
    }

    /** Per env and split: intended success of random play, the proxy's oracle and its noisy version, and the separating share. */
    private void separation(PrintWriter out) {
        if (levels < 10 || levels > 100_000) {
            throw new UsageException("--levels=" + levels + " is out of range; allowed: [10, 100000]");
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        if (!json) {
            out.printf("intended goal reached by accident on %d held-out levels (seed 0)%n", levels);
            out.printf("%-8s %-6s %8s %13s %20s %11s%n", "env", "split", "random", "proxy oracle", "proxy oracle + 10%", "separating");
        }
        for (EnvType t : Envs.all()) {
            for (String split : t.splits().keySet()) {
                Separation s = Separation.measure(t, split, levels, 0);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("env", s.env());
                m.put("split", s.split());
                m.put("levels", s.levels());
                m.put("random", s.random());
                m.put("proxy_oracle", s.proxyOracle());
                m.put("noisy_proxy_oracle", s.noisyProxyOracle());
                m.put("separating", s.separating());
                rows.add(m);
                if (!json) {
                    out.printf("%-8s %-6s %7.1f%% %12.1f%% %19.1f%% %10.1f%%%n", s.env(), s.split(), 100 * s.random(), 100 * s.proxyOracle(),
                            100 * s.noisyProxyOracle(), 100 * s.separating());
                    out.flush();
                }
            }
        }
        if (json) {
            Json.print(out, Map.of("levels", levels, "noise", Separation.NOISE, "separation", rows));
        }
    }

    private static String formatOverrides(Map<String, Double> o) {
        StringBuilder b = new StringBuilder();
        o.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(Param.format(v)));
        return b.toString();
    }

    static Map<String, Object> describe(EnvType t) {
        Env sample = t.create(t.distribution("train", Map.of()).params());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("description", t.description());
        m.put("actions", t.actions());
        m.put("observation_shape", List.of(sample.channels, sample.height, sample.width));
        List<Object> params = new ArrayList<>();
        for (Param p : t.params()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("name", p.name());
            pm.put("type", p.integer() ? "int" : "float");
            pm.put("default", p.integer() ? (Object) (long) p.defaultNumber() : p.defaultNumber());
            pm.put("min", p.min());
            pm.put("max", p.max());
            pm.put("doc", p.doc());
            params.add(pm);
        }
        m.put("params", params);
        m.put("splits", t.splits());
        m.put("split_params", List.copyOf(t.splitParams()));
        m.put("events", t.events().stream().map(Event::id).toList());
        m.put("intended", objective(t.intended()));
        m.put("proxies", t.proxies().stream().map(EnvsCommand::objective).toList());
        m.put("max_steps", sample.maxSteps());
        return m;
    }

    private static Map<String, Object> objective(Objective o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", o.name());
        m.put("description", o.description());
        Map<String, Double> weights = new LinkedHashMap<>();
        for (Event e : Event.values()) {
            if (o.weight(e) != 0) {
                weights.put(e.id(), o.weight(e));
            }
        }
        m.put("weights", weights);
        return m;
    }
}
