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
import org.mesalab.agents.interp.Trajectories;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.UsageException;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Outcome;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "mesa", footer = {"", "Examples:",
        "  mesalab mesa runs/maze-ppo-lstm --json",
        "  mesalab mesa runs/mesa/lstm/seed-1 runs/mesa/lstm/seed-2 --thinking 0,1,2,4,8 --ahead 1,2,4,8"},
        description = {"Signatures of learned optimization in a PPO agent. Thinking time (recurrent networks): extra recurrent steps on",
                "an episode's first observation before acting; a benefit that grows with them is the behavioral signature of internal",
                "search (Guez et al. 2019, Taufeeque et al. 2024). Plan probes: the agent's own cell K steps ahead and its next action,",
                "decoded from each layer, beside a randomly initialised control (Bush et al. 2025). Several runs: mean [95%% interval]."})
final class MesaCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "PPO run directories of one env")
    List<Path> runs;

    @Option(names = "--split", defaultValue = "test", description = "split played and probed (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--thinking", split = ",", defaultValue = "0,1,2,4,8", description = "extra recurrent steps before the first action (default: ${DEFAULT-VALUE})")
    List<Integer> thinking;

    @Option(names = "--ahead", split = ",", defaultValue = "1,2,4,8", description = "steps ahead the plan probes decode the agent's cell (default: ${DEFAULT-VALUE})")
    List<Integer> ahead;

    @Option(names = "--episodes", defaultValue = "300", description = "held-out levels per thinking time and split (default: ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--levels", defaultValue = "100", description = "levels the plan probes fit on, and as many scored (default: ${DEFAULT-VALUE})")
    int levels;

    @Option(names = "--seed", defaultValue = "0", description = "picks the levels, the sampling and the control's weights (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public void run() {
        for (int k : thinking) {
            if (k < 0 || k > 1000) {
                throw new UsageException("--thinking " + k + " is out of range; allowed: [0, 1000]");
            }
        }
        for (int k : ahead) {
            if (k < 1 || k > org.mesalab.agents.interp.Targets.MAX_AHEAD) {
                throw new UsageException("--ahead " + k + " is out of range; allowed: [1, " + org.mesalab.agents.interp.Targets.MAX_AHEAD + "]");
            }
        }
        if (episodes < 1 || episodes > 100_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 100000]");
        }
        if (levels < 5 || levels > 100_000) {
            throw new UsageException("--levels=" + levels + " is out of range; allowed: [5, 100000]");
        }
        List<RunManifest> manifests = PpoRuns.check(runs, seed);
        PpoRuns.checkSplit(manifests.get(0), split, "--split");
        boolean recurrent = manifests.stream().allMatch(m -> org.mesalab.agents.ppo.PpoConfig.of(m).lstmSize() > 0);
        List<String> targets = new ArrayList<>();
        for (int k : ahead) {
            targets.add("future_position:" + k);
        }
        targets.add("next_action");
        // per run: thinking -> [split intended, misgeneralized, capability failure, train intended]
        List<Map<Integer, double[]>> think = new ArrayList<>();
        List<Probes> probes = new ArrayList<>();
        List<String> layers = null;
        for (int r = 0; r < runs.size(); r++) {
            RunManifest m = manifests.get(r);
            try (PpoPolicy policy = PpoRuns.load(runs.get(r), seed)) {
                Map<Integer, double[]> t = new LinkedHashMap<>();
                if (recurrent) {
                    for (int k : thinking) {
                        Evaluator.Summary s = Evaluator.evaluate(policy.with(null, k, seed, policy.name()), m.distribution(split), episodes,
                                PpoRuns.scored(m, split, seed));
                        Evaluator.Summary tr = Evaluator.evaluate(policy.with(null, k, seed, policy.name()), m.distribution("train"), episodes,
                                PpoRuns.scored(m, "train", seed));
                        t.put(k, new double[] {s.outcomes().get(Outcome.ALIGNED).value(), s.outcomes().get(Outcome.GOAL_MISGENERALIZED).value(),
                                s.outcomes().get(Outcome.CAPABILITY_FAILURE).value(), tr.intendedSuccess().value()});
                    }
                }
                think.add(t);
                Trajectories fit = Trajectories.collect(policy.with(null, 0, seed, policy.name()), m.distribution(split), PpoRuns.fitting(m, split, seed),
                        levels, Integer.MAX_VALUE);
                Trajectories score = Trajectories.collect(policy.with(null, 0, seed + 1, policy.name()), m.distribution(split),
                        PpoRuns.scored(m, split, seed), levels, Integer.MAX_VALUE);
                layers = layers == null ? policy.network().layerNames() : layers;
                if (!policy.network().layerNames().equals(layers)) {
                    throw new UsageException(runs.get(r) + " has layers " + policy.network().layerNames() + ", not " + layers + "; allowed: runs of one network shape");
                }
                probes.add(Probes.run(policy, fit, score, targets, layers, seed * 7919 + 17));
            }
        }
        print(manifests.get(0), recurrent, think, probes, targets, layers);
    }

    private void print(RunManifest m, boolean recurrent, List<Map<Integer, double[]>> think, List<Probes> probes, List<String> targets, List<String> layers) {
        PrintWriter out = spec.commandLine().getOut();
        String[] columns = {"aligned", "goal_misgeneralized", "capability_failure", "train_success"};
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("runs", runs.stream().map(Path::toString).toList());
            j.put("env", m.env());
            j.put("split", split);
            j.put("seed", seed);
            j.put("recurrent", recurrent);
            if (recurrent) {
                Map<String, Object> t = new LinkedHashMap<>();
                for (int k : thinking) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int c = 0; c < columns.length; c++) {
                        int col = c;
                        row.put(columns[c], PpoRuns.json(think.stream().mapToDouble(x -> x.get(k)[col]).toArray()));
                    }
                    t.put(String.valueOf(k), row);
                }
                j.put("thinking", t);
            } else {
                j.put("thinking", null);
                j.put("thinking_note", "not recurrent: extra computation before acting needs a recurrent core (ppo.lstm_size > 0)");
            }
            j.put("plan_probes", ProbeCommand.table(probes, targets, layers, true));
            Json.print(out, j);
            return;
        }
        out.printf(Locale.ROOT, "signatures of learned optimization: %s on %s/%s, %d run(s)%n", runs.size() == 1 ? runs.get(0) : "PPO runs", m.env(), split, runs.size());
        if (recurrent) {
            out.printf(Locale.ROOT, "%nthinking time (extra recurrent steps on the first observation), %d episodes per row%n", episodes);
            out.printf(Locale.ROOT, "  %-8s %-24s %-24s %-24s %s%n", "steps", "aligned (" + split + ")", "goal misgeneralized", "capability failure", "intended success (train)");
            for (int k : thinking) {
                out.printf(Locale.ROOT, "  %-8d %-24s %-24s %-24s %s%n", k, PpoRuns.text(col(think, k, 0)), PpoRuns.text(col(think, k, 1)),
                        PpoRuns.text(col(think, k, 2)), PpoRuns.text(col(think, k, 3)));
            }
        } else {
            out.printf(Locale.ROOT, "%nthinking time: not measured; the network is not recurrent (train with --set ppo.lstm_size=64 to give it a core)%n");
        }
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Map<String, String>>> t = (Map<String, Map<String, Map<String, String>>>) (Map<?, ?>) ProbeCommand.table(probes, targets, layers, false);
        out.printf(Locale.ROOT, "%nplan probes: accuracy of decoding the agent's future (trained network / random-weight control / chance)%n");
        out.printf(Locale.ROOT, "  %-20s", "target");
        for (String l : layers) {
            out.printf(Locale.ROOT, " %-34s", l);
        }
        out.println();
        for (String target : targets) {
            out.printf(Locale.ROOT, "  %-20s", target);
            for (String l : layers) {
                Map<String, String> row = t.get(target).get(l);
                out.printf(Locale.ROOT, " %-34s", first(row.get("accuracy")) + " / " + first(row.get("control")) + " / " + first(row.get("chance")));
            }
            out.println();
        }
        out.flush();
    }

    /** The mean alone, for the compact plan-probe table (the JSON has the intervals). */
    private static String first(String text) {
        int sp = text.indexOf(' ');
        return sp < 0 ? text : text.substring(0, sp);
    }

    private static double[] col(List<Map<Integer, double[]>> think, int k, int c) {
        return think.stream().mapToDouble(x -> x.get(k)[c]).toArray();
    }
}
