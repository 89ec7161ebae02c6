package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.TrainSetup;
import org.mesalab.agents.planner.PlannerPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.render.FieldPicture;
import org.mesalab.core.render.Renderer;
import org.mesalab.core.solve.StateGraph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Points at a planner's objective: over every reachable cell of one held-out level, the value the
 * objective gives to standing there and the best reward it predicts for stepping there, for the
 * learned objective and for swapped ones. The picture answers "does it want the cheese or the corner?".
 */
@Command(name = "objective", description = {
        "Draw what a planner's objective says about every cell of a level: predicted reward for stepping there and value of standing there,",
        "for the learned objective and swapped ones (default: learned and events:<intended>)."})
final class ObjectiveCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a planner run directory")
    Path runDir;

    @Option(names = "--env", description = "must be the run's env (optional)")
    String env;

    @Option(names = "--split", defaultValue = "test", description = "split of the level (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--seed", defaultValue = "0", description = "which held-out level: the seed-th of the split (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--objective", paramLabel = "SLOT", description = "objectives to draw (repeatable): learned, events:EXPR, true:NAME; "
            + "events:EXPR@SPLIT refits on that split instead of --refit-split")
    List<String> objectives = new ArrayList<>();

    @Option(names = "--refit-split", defaultValue = "train", description = "split whose levels an events: value head is refit on (default: ${DEFAULT-VALUE})")
    String refitSplit;

    @Option(names = "--png", paramLabel = "FILE", description = "write the picture (PNG)")
    Path png;

    @Option(names = "--json", description = "print the fields as JSON")
    boolean json;

    @Override
    public void run() {
        if (png == null && !json) {
            throw new UsageException("give --png FILE and/or --json");
        }
        if (seed < 0 || seed > 1_000_000) {
            throw new UsageException("--seed=" + seed + " is out of range; allowed: [0, 1000000]");
        }
        Map<String, Object> config = RunDir.open(runDir).readConfig();
        String trainedOn = (String) config.get("env");
        if (env != null && !env.equals(trainedOn)) {
            throw new UsageException("--env=" + env + " but " + runDir + " was trained on " + trainedOn + "; allowed: " + trainedOn);
        }
        if (!"planner".equals(config.get("algo"))) {
            throw new UsageException(runDir + " is not a planner run (algo=" + config.get("algo") + "); only a planner has an objective to point at");
        }
        EnvType type = Envs.get(trainedOn);
        Distribution d = TrainSetup.distribution(config, split);
        List<String> slots = objectives.isEmpty() ? List.of("learned", "events:" + intendedExpression(type)) : objectives;
        long level = d.levelSeed(TrainSetup.heldOutStart(config, split) + seed);
        Env e = d.create();
        e.reset(level);
        StateGraph graph = StateGraph.explore(e, 1 << 16);
        // Every reachable state, as an env standing in it, for batched judging.
        Env[] states = new Env[graph.states];
        for (int s = 0; s < graph.states; s++) {
            states[s] = d.create();
            states[s].reset(level);
            states[s].restore(graph.keys[s], 0);
        }
        int A = e.numActions();
        List<FieldPicture.Field> fields = new ArrayList<>();
        Map<String, Object> jsonOut = new LinkedHashMap<>();
        jsonOut.put("run_dir", runDir.toString());
        jsonOut.put("env", trainedOn);
        jsonOut.put("split", split);
        jsonOut.put("level_seed", level);
        Map<String, Object> perSlot = new LinkedHashMap<>();
        int threads = ((Number) config.getOrDefault("threads", 1)).intValue();
        for (String slotSpec : slots) {
            org.mesalab.lab.Spec.SlotChoice choice = org.mesalab.lab.Spec.SlotChoice.parse(slotSpec, refitSplit);
            String refit = choice.refitSplit();
            try (PlannerPolicy p = PlannerPolicy.load(runDir, choice.slot(), refit, 0, seed, threads)) {
                if (p.refitNote() != null) {
                    System.err.println(p.refitNote());
                }
                float[] values = new float[graph.states];
                float[] rewards = new float[graph.states * A];
                float[] v = new float[PlannerPolicy.BATCH];
                float[] r = new float[PlannerPolicy.BATCH * A];
                for (int from = 0; from < graph.states; from += PlannerPolicy.BATCH) {
                    int n = Math.min(PlannerPolicy.BATCH, graph.states - from);
                    p.judge(java.util.Arrays.copyOfRange(states, from, from + n), n, v, r);
                    System.arraycopy(v, 0, values, from, n);
                    System.arraycopy(r, 0, rewards, from * A, n * A);
                }
                double[][] valueField = nanField(e);
                double[][] rewardField = nanField(e);
                Env probe = d.create();
                probe.reset(level);
                for (int s = 0; s < graph.states; s++) {
                    probe.restore(graph.keys[s], 0);
                    int x = probe.agentX();
                    int y = probe.agentY();
                    valueField[y][x] = Double.isNaN(valueField[y][x]) ? values[s] : Math.max(valueField[y][x], values[s]);
                    for (int a = 0; a < A; a++) {
                        probe.restore(graph.keys[s], 0);
                        probe.step(a);
                        int nx = probe.agentX();
                        int ny = probe.agentY();
                        if (nx == x && ny == y) {
                            continue; // not a step into another cell
                        }
                        double rv = rewards[s * A + a];
                        rewardField[ny][nx] = Double.isNaN(rewardField[ny][nx]) ? rv : Math.max(rewardField[ny][nx], rv);
                    }
                }
                String label = p.slot().spec() + (p.refitNote() != null ? " (refit: " + refit + ")" : "");
                fields.add(new FieldPicture.Field(label + ": reward for stepping in", rewardField));
                fields.add(new FieldPicture.Field(label + ": value of standing", valueField));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reward", rows(rewardField));
                m.put("value", rows(valueField));
                if (p.refitNote() != null) {
                    m.put("refit", p.refitNote());
                }
                perSlot.put(slotSpec, m);
            }
        }
        jsonOut.put("objectives", perSlot);
        PrintWriter out = spec.commandLine().getOut();
        if (png != null) {
            Renderer.writePng(FieldPicture.image(e, trainedOn + "/" + split + " level " + seed + " (" + runDir.getFileName() + "): what each objective says", fields), png);
            if (!json) {
                out.println("wrote " + png);
            }
        }
        if (json) {
            Json.print(out, jsonOut);
        }
        out.flush();
    }

    /** The intended objective as an events expression: its weighted events and step reward. */
    static String intendedExpression(EnvType type) {
        StringBuilder sb = new StringBuilder();
        double[] w = type.intended().weights();
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0) {
                sb.append(sb.length() == 0 ? (w[i] < 0 ? "-" : "") : (w[i] < 0 ? "-" : "+"));
                sb.append(Math.abs(w[i]) == 1 ? "" : Math.abs(w[i]) + "*").append(org.mesalab.core.Event.values()[i].id());
            }
        }
        double step = type.intended().stepReward();
        if (step != 0) {
            sb.append(step < 0 ? "-" : "+").append(Math.abs(step)).append("*steps");
        }
        return sb.toString();
    }

    /** Rows of boxed values, so that undefined cells (NaN) print as null. */
    private static List<List<Double>> rows(double[][] f) {
        List<List<Double>> out = new ArrayList<>();
        for (double[] row : f) {
            List<Double> r = new ArrayList<>();
            for (double v : row) {
                r.add(v);
            }
            out.add(r);
        }
        return out;
    }

    private static double[][] nanField(Env e) {
        double[][] f = new double[e.height][e.width];
        for (double[] row : f) {
            java.util.Arrays.fill(row, Double.NaN);
        }
        return f;
    }
}
