package org.mesalab.agents.planner;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.UsageException;
import org.mesalab.core.render.FieldPicture;
import org.mesalab.core.solve.StateGraph;

/**
 * Points at a planner's objective: over every reachable cell of one held-out level, the value each
 * objective in the slot gives to standing there and the best reward it predicts for stepping there.
 * The picture answers "does it want the cheese or the corner?".
 *
 * @param level  the env standing at the level's start (for drawing)
 * @param panels one per objective, in the order asked
 */
public record ObjectivePicture(String env, String split, long levelSeed, Env level, List<Panel> panels) {

    /**
     * What one objective says: per cell {@code [height][width]}, the largest predicted reward for a step
     * into the cell and the largest value of standing in it; NaN where the agent cannot be.
     *
     * @param asked     the objective as asked ({@code events:cheese@test})
     * @param slot      the objective in the slot ({@code events:cheese})
     * @param refitNote which data its value head was refit on (null when none was needed)
     */
    public record Panel(String asked, String slot, String refitSplit, String refitNote, double[][] reward, double[][] value) {
    }

    /**
     * The picture of level {@code seed} (the seed-th held-out level) of {@code split} for the planner
     * run in {@code runDir}; {@code slots} empty means {@code learned} and the intended objective over
     * predicted events. {@code notes} receives the refit notes as they happen.
     */
    public static ObjectivePicture draw(Path runDir, String split, long seed, List<String> slots, String defaultRefitSplit, Consumer<String> notes) {
        RunManifest m = RunDir.open(runDir).readManifest();
        if (!m.isPlanner()) {
            throw new UsageException(runDir + " is not a planner run (algo=" + m.algo() + "); only a planner has an objective to point at");
        }
        EnvType type = m.type();
        Distribution d = m.distribution(split);
        long level = d.levelSeed(m.heldOutStart(split) + seed);
        Env start = d.create();
        start.reset(level);
        StateGraph graph = StateGraph.explore(start, 1 << 16);
        Env[] states = new Env[graph.states]; // every reachable state, as an env standing in it, for batched judging
        for (int s = 0; s < graph.states; s++) {
            states[s] = d.create();
            states[s].reset(level);
            states[s].restore(graph.keys[s], 0);
        }
        List<Panel> panels = new ArrayList<>();
        for (String slotSpec : slots.isEmpty() ? List.of("learned", "events:" + intendedExpression(type)) : slots) {
            SlotChoice choice = SlotChoice.parse(slotSpec, defaultRefitSplit);
            try (PlannerPolicy p = PlannerPolicy.load(runDir, choice.slot(), choice.refitSplit(), 0, seed)) {
                if (p.refitNote() != null) {
                    notes.accept(p.refitNote());
                }
                panels.add(panel(p, slotSpec, choice.refitSplit(), graph, states, d, level));
            }
        }
        return new ObjectivePicture(type.name(), split, level, start, panels);
    }

    private static Panel panel(PlannerPolicy p, String slotSpec, String refitSplit, StateGraph graph, Env[] states, Distribution d, long level) {
        int actions = states[0].numActions();
        float[] values = new float[graph.states];
        float[] rewards = new float[graph.states * actions];
        float[] v = new float[PlannerPolicy.BATCH];
        float[] r = new float[PlannerPolicy.BATCH * actions];
        for (int from = 0; from < graph.states; from += PlannerPolicy.BATCH) {
            int n = Math.min(PlannerPolicy.BATCH, graph.states - from);
            p.judge(Arrays.copyOfRange(states, from, from + n), n, v, r);
            System.arraycopy(v, 0, values, from, n);
            System.arraycopy(r, 0, rewards, from * actions, n * actions);
        }
        Env probe = d.create();
        probe.reset(level);
        double[][] valueField = nanField(probe);
        double[][] rewardField = nanField(probe);
        for (int s = 0; s < graph.states; s++) {
            probe.restore(graph.keys[s], 0);
            int x = probe.agentX();
            int y = probe.agentY();
            valueField[y][x] = Double.isNaN(valueField[y][x]) ? values[s] : Math.max(valueField[y][x], values[s]);
            for (int a = 0; a < actions; a++) {
                probe.restore(graph.keys[s], 0);
                probe.step(a);
                int nx = probe.agentX();
                int ny = probe.agentY();
                if (nx == x && ny == y) {
                    continue; // not a step into another cell
                }
                double rv = rewards[s * actions + a];
                rewardField[ny][nx] = Double.isNaN(rewardField[ny][nx]) ? rv : Math.max(rewardField[ny][nx], rv);
            }
        }
        return new Panel(slotSpec, p.slot().spec(), refitSplit, p.refitNote(), rewardField, valueField);
    }

    /** Two fields per objective, reward and value, for {@link FieldPicture}. */
    public BufferedImage image(String caption) {
        List<FieldPicture.Field> fields = new ArrayList<>();
        for (Panel p : panels) {
            String label = p.slot() + (p.refitNote() != null ? " (refit: " + p.refitSplit() + ")" : "");
            fields.add(new FieldPicture.Field(label + ": reward for stepping in", p.reward()));
            fields.add(new FieldPicture.Field(label + ": value of standing", p.value()));
        }
        return FieldPicture.image(level, caption, fields);
    }

    /** The intended objective as an events expression: its weighted events and step reward. */
    public static String intendedExpression(EnvType type) {
        StringBuilder sb = new StringBuilder();
        double[] w = type.intended().weights();
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0) {
                sb.append(sb.length() == 0 ? (w[i] < 0 ? "-" : "") : (w[i] < 0 ? "-" : "+"));
                sb.append(Math.abs(w[i]) == 1 ? "" : Math.abs(w[i]) + "*").append(Event.values()[i].id());
            }
        }
        double step = type.intended().stepReward();
        if (step != 0) {
            sb.append(step < 0 ? "-" : "+").append(Math.abs(step)).append("*steps");
        }
        return sb.toString();
    }

    private static double[][] nanField(Env e) {
        double[][] f = new double[e.height][e.width];
        for (double[] row : f) {
            Arrays.fill(row, Double.NaN);
        }
        return f;
    }
}
