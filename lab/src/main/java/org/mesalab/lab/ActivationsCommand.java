package org.mesalab.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.interp.Activations;
import org.mesalab.agents.interp.Npy;
import org.mesalab.agents.interp.ObservationEdits;
import org.mesalab.agents.interp.Trajectories;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.OutputFile;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "activations", footer = {"", "Examples:",
        "  mesalab activations runs/maze-ppo --split test --levels 100 --out acts",
        "  mesalab activations runs/maze-ppo --move cheese=0,0 --out acts-cheese-at-0-0",
        "  python3 -c \"import numpy as np; print(np.load('acts/hidden2.npy').shape)\""},
        description = {"Record a PPO network's layer activations over the agent's own episodes on held-out levels (or over constructed",
                "first observations: --move ITEM=X,Y puts a goal item in another cell), for Python: one LAYER.npy per layer",
                "(float32, one row per step), labels.csv (level, step, agent and item cells, action) and meta.json."})
final class ActivationsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a PPO run directory")
    Path run;

    @Option(names = "--split", defaultValue = "test", description = "split played (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--levels", defaultValue = "100", description = "held-out levels (default: ${DEFAULT-VALUE})")
    int levels;

    @Option(names = "--steps", defaultValue = "200", description = "steps recorded per level; 1: the first observation only (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--move", paramLabel = "ITEM=X,Y", description = "constructed observations: each level's first observation with ITEM moved to cell X,Y (levels where that cell is not free are left out)")
    String move;

    @Option(names = "--seed", defaultValue = "0", description = "picks the levels and the agent's sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder to write (replaced as a whole when complete)")
    Path out;

    @Override
    public void run() {
        if (levels < 1 || levels > 100_000) {
            throw new UsageException("--levels=" + levels + " is out of range; allowed: [1, 100000]");
        }
        if (steps < 1 || steps > 100_000) {
            throw new UsageException("--steps=" + steps + " is out of range; allowed: [1, 100000]");
        }
        RunManifest m = PpoRuns.check(List.of(run), seed).get(0);
        PpoRuns.checkSplit(m, split, "--split");
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UsageException("--out " + out + " is a file; allowed: a folder (created or replaced)");
        }
        Path parent = out.toAbsolutePath().getParent();
        OutputFile.prepareDirectory(parent, "--out");
        Distribution dist = m.distribution(split);
        try (PpoPolicy policy = PpoRuns.load(run, seed)) {
            Trajectories traj = Trajectories.collect(policy, dist, PpoRuns.scored(m, split, seed), levels, move == null ? steps : 1);
            if (move != null) {
                traj = moved(traj, dist, PpoRuns.scored(m, split, seed));
            }
            Activations acts = Activations.of(policy.network(), policy.manager(), traj);
            write(m, traj, acts);
        }
        PrintWriter o = spec.commandLine().getOut();
        o.println("wrote " + out);
        o.flush();
    }

    /** Each level's first observation with the item moved; labels follow the item. */
    private Trajectories moved(Trajectories traj, Distribution dist, long start) {
        int eq = move.indexOf('=');
        String item = eq < 0 ? move : move.substring(0, eq);
        Env env = dist.create();
        env.reset(dist.levelSeed(start));
        List<String> items = new ArrayList<>(traj.steps().get(0).items().keySet());
        if (!items.contains(item)) {
            throw new UsageException("--move " + move + ": " + dist.env().name() + " has no item '" + item + "'; allowed: ITEM=X,Y with ITEM one of " + String.join(", ", items));
        }
        int[] to = null;
        if (eq >= 0) {
            String[] xy = move.substring(eq + 1).split(",", -1);
            try {
                to = new int[] {Integer.parseInt(xy[0].trim()), Integer.parseInt(xy[1].trim())};
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                to = null;
            }
            if (to != null && (xy.length != 2 || to[0] < 0 || to[1] < 0 || to[0] >= env.width || to[1] >= env.height)) {
                to = null;
            }
        }
        if (to == null) {
            throw new UsageException("--move " + move + " is not ITEM=X,Y inside the " + env.width + " x " + env.height + " grid; allowed: X in [0, " + (env.width - 1)
                    + "], Y in [0, " + (env.height - 1) + "]");
        }
        List<Trajectories.Step> steps = new ArrayList<>();
        List<float[]> obs = new ArrayList<>();
        for (int i = 0; i < traj.size(); i++) {
            Trajectories.Step s = traj.steps().get(i);
            env.reset(s.levelSeed());
            int[] at = s.items().get(item);
            float[] o = ObservationEdits.move(env, traj.observations().get(i), at[0], at[1], to[0], to[1]);
            if (o != null) {
                Map<String, int[]> items2 = new LinkedHashMap<>(s.items());
                items2.put(item, to.clone());
                steps.add(new Trajectories.Step(steps.size(), s.levelSeed(), 0, s.agentX(), s.agentY(), items2, -1));
                obs.add(o);
            }
        }
        if (steps.isEmpty()) {
            throw new UsageException("--move " + move + ": the cell is not free on any of the " + levels + " levels; allowed: a cell that is free on some");
        }
        return new Trajectories(traj.width(), traj.height(), steps, obs);
    }

    /** Everything into a temporary sibling folder, then one rename: a reader never sees half of it. */
    private void write(RunManifest m, Trajectories traj, Activations acts) {
        Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(tmp);
            List<String> items = new ArrayList<>(traj.steps().isEmpty() ? List.of() : traj.steps().get(0).items().keySet());
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("run", run.toString());
            meta.put("env", m.env());
            meta.put("split", split);
            meta.put("levels", levels);
            meta.put("steps_per_level", move == null ? steps : 1);
            meta.put("move", move);
            meta.put("seed", seed);
            meta.put("samples", traj.size());
            Map<String, Object> layers = new LinkedHashMap<>();
            for (int l = 0; l < acts.layers().size(); l++) {
                float[][] v = acts.values().get(l);
                int width = v.length == 0 ? 0 : v[0].length;
                Npy.writeMatrix(tmp.resolve(acts.layers().get(l) + ".npy"), v, width);
                layers.put(acts.layers().get(l), List.of(v.length, width));
            }
            meta.put("layers", layers);
            meta.put("cell_class", "y * " + traj.width() + " + x");
            Files.writeString(tmp.resolve("meta.json"), Json.MAPPER.writeValueAsString(meta), StandardCharsets.UTF_8);
            try (Writer w = Files.newBufferedWriter(tmp.resolve("labels.csv"), StandardCharsets.UTF_8)) {
                StringBuilder h = new StringBuilder("level,level_seed,step,agent_x,agent_y");
                for (String it : items) {
                    h.append(',').append(it).append("_x,").append(it).append("_y");
                }
                w.write(h.append(",action\n").toString());
                for (Trajectories.Step s : traj.steps()) {
                    StringBuilder b = new StringBuilder();
                    b.append(s.level()).append(',').append(s.levelSeed()).append(',').append(s.t()).append(',').append(s.agentX()).append(',').append(s.agentY());
                    for (String it : items) {
                        int[] xy = s.items().get(it);
                        b.append(',').append(xy[0]).append(',').append(xy[1]);
                    }
                    w.write(b.append(',').append(s.action()).append('\n').toString());
                }
            }
            if (Files.exists(out)) {
                delete(out);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                delete(tmp);
            } catch (IOException ignored) {
                // the message below is what matters
            }
            throw new UsageException("--out " + out + ": " + UsageException.why(e));
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        org.mesalab.agents.RunDir.deleteTree(dir);
    }
}
