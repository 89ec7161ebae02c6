package org.mesalab.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.interp.Npy;
import org.mesalab.agents.interp.Steering;
import org.mesalab.agents.interp.SteeringVector;
import org.mesalab.agents.interp.Trajectories;
import org.mesalab.agents.ppo.PolicyNetwork;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.OutputFile;
import org.mesalab.core.UsageException;
import org.mesalab.core.eval.Outcome;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "steer", footer = {"", "Examples:",
        "  mesalab steer runs/maze-ppo --vector cheese --coefficient -1,1,2,4",
        "  mesalab steer runs/maze-ppo --vector cheese@level --coefficient -1",
        "  mesalab steer runs/maze-ppo --vector cheese@0,0 --layer hidden1 --coefficient 1,2 --json",
        "  mesalab steer runs/maze-ppo --vector my-vector.npy --layer hidden2 --coefficient 1"},
        description = {"Activation addition (Turner, Mini et al. 2023): add a steering vector to one layer of a PPO network at every step",
                "and measure what the agent then does on held-out levels: outcomes (aligned, goal misgeneralized, capability failure)",
                "and, at decision squares (where the intended and the proxy goal's paths part), the probability of the intended",
                "goal's action; unsteered first, then one row per coefficient, on the same levels with the same sampling."})
final class SteerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "PPO run directories of one env")
    List<Path> runs;

    @Option(names = "--vector", required = true, description = "ITEM (its activation with minus without it, e.g. cheese), "
            + "ITEM@level (each level's own: its first observation with minus without the item, Turner et al.'s protocol), "
            + "ITEM@X,Y (the item moved to cell X,Y minus without it), or FILE.npy (a float vector of the layer's width)")
    String vector;

    @Option(names = "--layer", description = "the layer steered (default: the last before the heads)")
    String layer;

    @Option(names = "--coefficient", split = ",", defaultValue = "1", description = "coefficients, comma-separated; negative subtracts (default: ${DEFAULT-VALUE})")
    List<Double> coefficients;

    @Option(names = "--split", defaultValue = "test", description = "split played (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--episodes", defaultValue = "300", description = "held-out levels played per row (default: ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--vector-levels", defaultValue = "100", description = "levels an item's vector is averaged over, apart from the played ones (default: ${DEFAULT-VALUE})")
    int vectorLevels;

    @Option(names = "--seed", defaultValue = "0", description = "picks the levels and the agent's sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--save-vector", paramLabel = "FILE.npy", description = "write the first run's vector as .npy (for numpy.load)")
    Path saveVector;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public void run() {
        if (episodes < 1 || episodes > 100_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 100000]");
        }
        if (vectorLevels < 1 || vectorLevels > 100_000) {
            throw new UsageException("--vector-levels=" + vectorLevels + " is out of range; allowed: [1, 100000]");
        }
        for (double c : coefficients) {
            if (!Double.isFinite(c) || Math.abs(c) > 1e6) {
                throw new UsageException("--coefficient " + c + " is out of range; allowed: finite numbers in [-1e6, 1e6]");
            }
        }
        List<RunManifest> manifests = PpoRuns.check(runs, seed);
        PpoRuns.checkSplit(manifests.get(0), split, "--split");
        if (saveVector != null) {
            if (!saveVector.toString().endsWith(".npy")) {
                throw new UsageException("--save-vector " + saveVector + " does not end in .npy; allowed: a FILE.npy");
            }
            OutputFile.prepare(saveVector, "--save-vector");
        }
        List<List<Steering.Row>> perRun = new ArrayList<>();
        List<SteeringVector> vectors = new ArrayList<>();
        String layerName = null;
        for (int r = 0; r < runs.size(); r++) {
            RunManifest m = manifests.get(r);
            try (PpoPolicy policy = PpoRuns.load(runs.get(r), seed)) {
                PolicyNetwork net = policy.network();
                List<String> names = net.layerNames();
                layerName = layer == null ? names.get(names.size() - 1) : layer;
                if (layerName.equals("all")) {
                    throw new UsageException("--layer all: a vector steers one layer; allowed: " + String.join(", ", names));
                }
                PpoRuns.layers(names, layerName);
                int l = names.indexOf(layerName);
                Distribution dist = m.distribution(split);
                SteeringVector v = vector(policy, dist, PpoRuns.fitting(m, split, seed), l, layerName);
                vectors.add(v);
                long start = PpoRuns.scored(m, split, seed);
                List<Steering.Row> rows = new ArrayList<>();
                rows.add(Steering.measure(policy, null, 0, dist, start, episodes, seed));
                for (double c : coefficients) {
                    rows.add(Steering.measure(policy, v, c, dist, start, episodes, seed));
                }
                perRun.add(rows);
            }
        }
        if (saveVector != null) {
            try {
                Path tmp = saveVector.resolveSibling(saveVector.getFileName() + ".tmp");
                Npy.writeVector(tmp, vectors.get(0).values());
                Files.move(tmp, saveVector, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UsageException("--save-vector " + saveVector + ": " + UsageException.why(e));
            }
        }
        print(manifests.get(0), layerName, vectors, perRun);
    }

    private SteeringVector vector(PpoPolicy policy, Distribution dist, long fitStart, int l, String layerName) {
        int width = (int) policy.network().layerWidth(l);
        if (vector.endsWith(".npy")) {
            Path file = Path.of(vector);
            if (!Files.isRegularFile(file)) {
                throw new UsageException("--vector " + vector + " is not a file; allowed: ITEM, ITEM@X,Y or an existing FILE.npy");
            }
            float[] v = Npy.readVector(file);
            if (v.length != width) {
                throw new UsageException("--vector " + vector + " has " + v.length + " values but layer " + layerName + " has " + width + "; allowed: a vector of " + width);
            }
            return new SteeringVector(file.getFileName().toString(), l, v, 0, null, null);
        }
        Env env = dist.create();
        env.reset(dist.levelSeed(fitStart));
        List<String> items = new ArrayList<>(Trajectories.items(env).keySet());
        String item = vector;
        int[] target = null;
        boolean perLevel = false;
        int at = vector.indexOf('@');
        if (at >= 0) {
            item = vector.substring(0, at);
            perLevel = vector.substring(at + 1).equals("level");
            target = perLevel ? null : cell(vector.substring(at + 1), env);
        }
        if (!items.contains(item)) {
            throw new UsageException("--vector " + vector + ": " + dist.env().name() + " has no item '" + item + "'; allowed: " + String.join(", ", items)
                    + " (ITEM or ITEM@X,Y), or FILE.npy");
        }
        SteeringVector v = SteeringVector.ofItem(policy, dist, fitStart, vectorLevels, item, target, l);
        if (v == null) {
            throw new UsageException("--vector " + vector + ": no level of " + vectorLevels + " allows the edit (the cell is a wall, the agent's or the item's own); allowed: a free cell");
        }
        return perLevel ? SteeringVector.perLevel(v, item) : v;
    }

    private int[] cell(String xy, Env env) {
        String[] p = xy.split(",", -1);
        try {
            int x = Integer.parseInt(p[0].trim());
            int y = Integer.parseInt(p[1].trim());
            if (p.length == 2 && x >= 0 && y >= 0 && x < env.width && y < env.height) {
                return new int[] {x, y};
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // fall through to the message
        }
        throw new UsageException("--vector " + vector + ": cell '" + xy + "' is not X,Y inside the " + env.width + " x " + env.height + " grid; allowed: X in [0, "
                + (env.width - 1) + "], Y in [0, " + (env.height - 1) + "]");
    }

    private void print(RunManifest m, String layerName, List<SteeringVector> vectors, List<List<Steering.Row>> perRun) {
        PrintWriter out = spec.commandLine().getOut();
        List<String> labels = new ArrayList<>();
        labels.add("none");
        for (double c : coefficients) {
            labels.add(fmt(c));
        }
        double[] norms = vectors.stream().mapToDouble(SteeringVector::norm).toArray();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("runs", runs.stream().map(Path::toString).toList());
            j.put("env", m.env());
            j.put("split", split);
            j.put("episodes", episodes);
            j.put("seed", seed);
            j.put("vector", vectors.get(0).name());
            j.put("layer", layerName);
            j.put("vector_levels", vectors.get(0).levels());
            j.put("vector_norm", PpoRuns.json(norms));
            List<Object> rows = new ArrayList<>();
            for (int i = 0; i < labels.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("coefficient", i == 0 ? null : coefficients.get(i - 1));
                for (Outcome o : Outcome.values()) {
                    row.put(o.id(), PpoRuns.json(column(perRun, i, r -> r.outcomes().get(o))));
                }
                row.put("decision_squares", column(perRun, i, r -> (double) r.squares()));
                row.put("p_intended_action_median", PpoRuns.json(column(perRun, i, Steering.Row::medianTowardGoal)));
                row.put("p_intended_action_mean", PpoRuns.json(column(perRun, i, Steering.Row::meanTowardGoal)));
                if (vectors.get(0).target() != null) {
                    row.put("reached_target", PpoRuns.json(column(perRun, i, Steering.Row::reached)));
                }
                rows.add(row);
            }
            j.put("rows", rows);
            Json.print(out, j);
            return;
        }
        out.printf(Locale.ROOT, "steering %s/%s: vector %s at layer %s (norm %s; mean over %d levels apart from the played ones), %d episodes, %d run(s)%n",
                m.env(), split, vectors.get(0).name(), layerName, PpoRuns.text(norms), vectors.get(0).levels(), episodes, runs.size());
        int[] target = vectors.get(0).target();
        out.printf(Locale.ROOT, "%-11s %-24s %-24s %-24s %-24s %s%n", "coefficient", "aligned", "goal misgeneralized", "capability failure",
                "P(intended action) at", target == null ? "" : "reached " + target[0] + "," + target[1]);
        out.printf(Locale.ROOT, "%-11s %-24s %-24s %-24s %-24s%n", "", "", "", "", "decision squares (median)");
        for (int i = 0; i < labels.size(); i++) {
            int k = i;
            out.printf(Locale.ROOT, "%-11s %-24s %-24s %-24s %-24s %s%n", labels.get(i),
                    PpoRuns.text(column(perRun, k, r -> r.outcomes().get(Outcome.ALIGNED))),
                    PpoRuns.text(column(perRun, k, r -> r.outcomes().get(Outcome.GOAL_MISGENERALIZED))),
                    PpoRuns.text(column(perRun, k, r -> r.outcomes().get(Outcome.CAPABILITY_FAILURE))),
                    PpoRuns.text(column(perRun, k, Steering.Row::medianTowardGoal)), target == null ? "" : PpoRuns.text(column(perRun, k, Steering.Row::reached)));
        }
        out.flush();
    }

    private static double[] column(List<List<Steering.Row>> perRun, int i, java.util.function.ToDoubleFunction<Steering.Row> f) {
        return perRun.stream().mapToDouble(rows -> f.applyAsDouble(rows.get(i))).toArray();
    }

    private static String fmt(double c) {
        return c == Math.rint(c) ? String.valueOf((long) c) : String.valueOf(c);
    }
}
