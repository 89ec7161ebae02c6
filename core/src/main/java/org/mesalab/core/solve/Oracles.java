package org.mesalab.core.solve;

import java.util.function.Function;
import org.mesalab.core.Env;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;

/** Exact optimal policies: value iteration on the true level's state graph, for any objective. */
public final class Oracles {
    /** Levels here have at most a few thousand states; far more means a bug or a huge level. */
    public static final int MAX_STATES = 2_000_000;

    private Oracles() {
    }

    /**
     * The optimal policy of {@code objective} on the true level: value iteration on the level's state
     * graph (rebuilt when the level changes), greedy with the first maximum.
     */
    public static Policy oracle(Objective objective) {
        return oracle("oracle:" + objective.name(), g -> objective);
    }

    /**
     * The optimal policy of an objective that may depend on the level (mixtures are normalized per
     * level): {@code objectiveOn} maps the level's state graph to the objective to plan for.
     */
    public static Policy oracle(String name, Function<StateGraph, Objective> objectiveOn) {
        return new Policy() {
            private long level = Long.MIN_VALUE;
            private StateGraph graph;
            private double[] q;

            @Override
            public int act(Env env) {
                if (env.levelSeed() != level || graph == null) {
                    Env.Snapshot now = env.save();
                    env.restore(startState(env), 0);
                    graph = StateGraph.explore(env, MAX_STATES);
                    q = ValueIteration.q(graph, objectiveOn.apply(graph), ValueIteration.GAMMA);
                    env.restore(now);
                    level = env.levelSeed();
                }
                int s = graph.indexOf(env.state());
                if (s < 0) {
                    throw new IllegalStateException("state not reachable from the level's start");
                }
                return ValueIteration.argmax(q, s, graph.actions);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    /** The level's start state (the env regenerates its level, which is deterministic per seed). */
    private static long startState(Env env) {
        Env.Snapshot now = env.save();
        env.reset(env.levelSeed());
        long s = env.state();
        env.restore(now);
        return s;
    }
}
