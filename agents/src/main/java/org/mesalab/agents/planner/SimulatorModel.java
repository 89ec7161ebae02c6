package org.mesalab.agents.planner;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.mesalab.agents.mcts.SearchModel;
import org.mesalab.core.Env;
import org.mesalab.core.Objective;
import org.mesalab.core.solve.StateGraph;
import org.mesalab.core.solve.ValueIteration;

/**
 * The {@code true:NAME} slot: the search runs on the true simulator (save and restore of the env's
 * state), scores transitions with the true objective, and reads the exact optimal value of every
 * state (value iteration on the level's full state graph) where a learned agent would read its value
 * head; priors are uniform. Everything the search consumes is exact, so this is the upper bound of
 * the planner and a check of the search itself, not an agent that learned anything.
 */
public final class SimulatorModel implements SearchModel {
    private static final int MAX_STATES = 1 << 20;

    private final Objective objective;
    private final double gamma;
    private final int nodes;
    private final Env[] sims;
    private final long[] nodeState;
    private final int[] nodeSteps;
    private final boolean[] nodeDone;
    private final Env[] roots;
    private final Map<Long, double[]> values = new HashMap<>();
    private final Map<Long, StateGraph> graphs = new HashMap<>();
    private final int actions;
    private int batch;

    public SimulatorModel(Objective objective, double gamma, int maxBatch, int simulations, int actions) {
        this.objective = objective;
        this.gamma = gamma;
        this.nodes = simulations + 1;
        this.sims = new Env[maxBatch];
        this.actions = actions;
        this.nodeState = new long[maxBatch * nodes];
        this.nodeSteps = new int[maxBatch * nodes];
        this.nodeDone = new boolean[maxBatch * nodes];
        this.roots = new Env[maxBatch];
    }

    @Override
    public int actions() {
        return actions;
    }

    /** The envs whose current states are the roots of the next search. */
    public void setRoots(Env[] envs, int count) {
        System.arraycopy(envs, 0, roots, 0, count);
        batch = count;
    }

    @Override
    public void root(Expansion out) {
        int A = actions();
        Arrays.fill(out.logits, 0, batch * A, 0f);
        for (int b = 0; b < batch; b++) {
            Env r = roots[b];
            if (sims[b] == null || !sims[b].params().equals(r.params())) { // a copy of the root's env, with its parameters
                sims[b] = r.type().create(r.params());
            }
            if (sims[b].levelSeed() != r.levelSeed()) {
                sims[b].reset(r.levelSeed());
            }
            nodeState[b * nodes] = r.state();
            nodeSteps[b * nodes] = r.steps();
            nodeDone[b * nodes] = false;
            out.value[b] = (float) value(sims[b], r.state());
        }
    }

    @Override
    public void recurrent(int[] parents, int[] actions, int node, Expansion out) {
        for (int b = 0; b < batch; b++) {
            int p = b * nodes + parents[b];
            int n = b * nodes + node;
            if (nodeDone[p]) { // beyond the end of the episode: absorbing
                nodeDone[n] = true;
                out.reward[b] = 0f;
                out.discount[b] = 0f;
                out.value[b] = 0f;
                continue;
            }
            Env sim = sims[b];
            sim.restore(nodeState[p], nodeSteps[p]);
            int events = sim.step(actions[b]);
            nodeState[n] = sim.state();
            nodeSteps[n] = sim.steps();
            nodeDone[n] = sim.terminated();
            out.reward[b] = (float) objective.reward(events);
            out.discount[b] = sim.terminated() ? 0f : (float) gamma;
            out.value[b] = sim.terminated() ? 0f : (float) value(sim, nodeState[n]);
        }
        Arrays.fill(out.logits, 0, batch * actions(), 0f);
    }

    /** V*(state) under the objective on the env's current level, from a cached value iteration. */
    private double value(Env sim, long state) {
        long level = sim.levelSeed();
        double[] q = values.get(level);
        StateGraph g = graphs.get(level);
        if (q == null) {
            if (values.size() > 64) { // levels come in sequence during evaluation: keep the cache small
                values.clear();
                graphs.clear();
            }
            Env probe = sim;
            long keep = probe.state();
            int steps = probe.steps();
            probe.reset(level);
            g = StateGraph.explore(probe, MAX_STATES);
            probe.reset(level);
            probe.restore(keep, steps);
            q = ValueIteration.q(g, objective, gamma);
            values.put(level, q);
            graphs.put(level, g);
        }
        int s = g.indexOf(state);
        if (s < 0) {
            return 0;
        }
        double best = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < g.actions; a++) {
            best = Math.max(best, q[s * g.actions + a]);
        }
        return best;
    }
}
