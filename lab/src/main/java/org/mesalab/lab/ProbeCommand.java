package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.interp.Probes;
import org.mesalab.agents.interp.Targets;
import org.mesalab.agents.interp.Trajectories;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Env;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "probe", footer = {"", "Examples:",
        "  mesalab probe runs/maze-ppo --target cheese_position --layer all",
        "  mesalab probe runs/mesa/mlp/seed-1 runs/mesa/mlp/seed-2 --target cheese_position,agent_position --json",
        "  mesalab probe runs/coinrun-ppo --target coin_position --fit-split train --split test"},
        description = {"Linear probes: can a target (where the goal item is, where the agent is or will be, its next action) be read",
                "from a PPO network's layers? Ridge probes fitted on the agent's own episodes on held-out levels of one split and",
                "scored on other levels, beside the same probe on a randomly initialised network of the same shape (the control).",
                "Several runs give the mean with a 95%% bootstrap interval over runs."})
final class ProbeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "PPO run directories of one env")
    List<Path> runs;

    @Option(names = "--target", split = ",", description = "ITEM_position (e.g. cheese_position, coin_position), agent_position, next_action, "
            + "future_position:K, future_action:K; comma-separated (default: every item's position)")
    List<String> targets = new ArrayList<>();

    @Option(names = "--layer", defaultValue = "all", description = "a layer (input, hidden1.., stage1.., dense, lstm) or all (default: ${DEFAULT-VALUE})")
    String layer;

    @Option(names = "--split", defaultValue = "test", description = "split whose levels the probes are scored on (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--fit-split", description = "split whose levels the probes are fitted on (default: --split; always other levels than the scored ones)")
    String fitSplit;

    @Option(names = "--levels", defaultValue = "200", description = "levels to fit on, and as many to score on (default: ${DEFAULT-VALUE})")
    int levels;

    @Option(names = "--steps", defaultValue = "200", description = "steps recorded per level; 1: the first observation only (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--seed", defaultValue = "0", description = "picks the levels, the agent's sampling and the control's weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public void run() {
        if (levels < 5 || levels > 100_000) {
            throw new UsageException("--levels=" + levels + " is out of range; allowed: [5, 100000] (a fifth of the fitting levels chooses the penalty)");
        }
        if (steps < 1 || steps > 100_000) {
            throw new UsageException("--steps=" + steps + " is out of range; allowed: [1, 100000]");
        }
        List<RunManifest> manifests = PpoRuns.check(runs, seed);
        String fitOn = fitSplit == null ? split : fitSplit;
        PpoRuns.checkSplit(manifests.get(0), split, "--split");
        PpoRuns.checkSplit(manifests.get(0), fitOn, "--fit-split");
        List<Probes> results = new ArrayList<>();
        List<String> chosenTargets = null;
        List<String> chosenLayers = null;
        for (int r = 0; r < runs.size(); r++) {
            RunManifest m = manifests.get(r);
            try (PpoPolicy policy = PpoRuns.load(runs.get(r), seed)) {
                if (chosenTargets == null) { // checked before any level is played
                    Env env = m.distribution(fitOn).create();
                    env.reset(m.distribution(fitOn).levelSeed(PpoRuns.fitting(m, fitOn, seed)));
                    List<String> items = new ArrayList<>(Trajectories.items(env).keySet());
                    chosenTargets = targets.isEmpty() ? items.stream().map(i -> i + "_position").toList() : targets;
                    for (String t : chosenTargets) {
                        Targets.check(t, items);
                    }
                    chosenLayers = PpoRuns.layers(policy.network().layerNames(), layer);
                } else if (!policy.network().layerNames().containsAll(chosenLayers)) {
                    throw new UsageException(runs.get(r) + " has layers " + policy.network().layerNames() + ", not " + chosenLayers
                            + "; allowed: runs of one network shape, or one --layer they share");
                }
                Trajectories fit = Trajectories.collect(policy, m.distribution(fitOn), PpoRuns.fitting(m, fitOn, seed), levels, steps);
                Trajectories score = Trajectories.collect(policy.with(null, 0, seed + 1, policy.name()), m.distribution(split),
                        PpoRuns.scored(m, split, seed), levels, steps);
                results.add(Probes.run(policy, fit, score, chosenTargets, chosenLayers, seed * 7919 + 17));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("runs", runs.stream().map(Path::toString).toList());
            j.put("env", manifests.get(0).env());
            j.put("split", split);
            j.put("fit_split", fitOn);
            j.put("levels", levels);
            j.put("steps_per_level", steps);
            j.put("seed", seed);
            j.put("targets", table(results, chosenTargets, chosenLayers, true));
            Json.print(out, j);
            return;
        }
        out.printf(Locale.ROOT, "probes on %s: fitted on %d %s levels, scored on %d other %s levels, %d run(s); accuracy %s%n", manifests.get(0).env(),
                levels, fitOn, levels, split, runs.size(), runs.size() > 1 ? "mean [95% interval over runs]" : "of one run");
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>) (Map<?, ?>) table(results, chosenTargets, chosenLayers, false);
        for (String target : chosenTargets) {
            out.printf(Locale.ROOT, "%n%s (%s scored steps)%n", target, first(results).results().get(target).get(0).trained().scoreSamples());
            out.printf(Locale.ROOT, "  %-9s %-26s %-26s %s%n", "layer", "trained network", "control (random weights)", "chance");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, String>> rows = (Map<String, Map<String, String>>) t.get(target);
            rows.forEach((l, row) -> out.printf(Locale.ROOT, "  %-9s %-26s %-26s %s%n", l, row.get("accuracy"), row.get("control"), row.get("chance")));
        }
        out.flush();
    }

    private static Probes first(List<Probes> results) {
        return results.get(0);
    }

    /** Per target and layer: accuracy, control and chance over runs, as JSON objects or as text. */
    static Map<String, Object> table(List<Probes> results, List<String> targets, List<String> layers, boolean json) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String target : targets) {
            Map<String, Object> rows = new LinkedHashMap<>();
            for (int l = 0; l < layers.size(); l++) {
                double[] acc = new double[results.size()];
                double[] ctl = new double[results.size()];
                double[] chance = new double[results.size()];
                for (int r = 0; r < results.size(); r++) {
                    Probes.Layer row = results.get(r).results().get(target).get(l);
                    acc[r] = row.trained().accuracy();
                    ctl[r] = row.control().accuracy();
                    chance[r] = row.trained().chance();
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("accuracy", json ? PpoRuns.json(acc) : PpoRuns.text(acc));
                row.put("control", json ? PpoRuns.json(ctl) : PpoRuns.text(ctl));
                row.put("chance", json ? PpoRuns.json(chance) : PpoRuns.text(chance));
                if (json) {
                    Probes.Layer one = results.get(0).results().get(target).get(l);
                    row.put("classes", one.trained().classes());
                    row.put("fit_samples", one.trained().fitSamples());
                    row.put("score_samples", one.trained().scoreSamples());
                }
                rows.put(layers.get(l), row);
            }
            out.put(target, rows);
        }
        return out;
    }
}
