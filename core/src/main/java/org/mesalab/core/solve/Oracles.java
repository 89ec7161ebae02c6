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
        Values values = new Values(objectiveOn);
        return new Policy() {
            @Override
            public int act(Env env) {
                return ValueIteration.argmax(values.q(env), values.state(env), values.graph.actions);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    /**
     * The optimal action values of an objective on the true level, for a mentor that must also judge
     * an action it did not choose (is it optimal?). Rebuilt when the level changes.
     */
    public static final class Values {
        private final Function<StateGraph, Objective> objectiveOn;
        private long level = Long.MIN_VALUE;
        private StateGraph graph;
        private double[] q;

        public Values(Objective objective) {
            this(g -> objective);
        }

        Values(Function<StateGraph, Objective> objectiveOn) {
            this.objectiveOn = objectiveOn;
        }

        /** The level's Q table (index {@code state(env) * actions + a}). */
        double[] q(Env env) {
            if (env.levelSeed() != level || graph == null) {
                Env.Snapshot now = env.save();
                env.restore(startState(env), 0);
                graph = StateGraph.explore(env, MAX_STATES);
                q = ValueIteration.q(graph, objectiveOn.apply(graph), ValueIteration.GAMMA);
                env.restore(now);
                level = env.levelSeed();
            }
            return q;
        }

        int state(Env env) {
            int s = graph.indexOf(env.state());
            if (s < 0) {
                throw new IllegalStateException("state not reachable from the level's start");
            }
            return s;
        }

        /** The optimal action here (the first maximum, as {@link Oracles#oracle}). */
        public int best(Env env) {
            double[] table = q(env);
            return ValueIteration.argmax(table, state(env), graph.actions);
        }

        /** Whether {@code action} is optimal here (its value within 1e-9 of the best). */
        public boolean optimal(Env env, int action) {
            double[] table = q(env);
            int s = state(env);
            return table[s * graph.actions + action] >= ValueIteration.max(table, s * graph.actions, graph.actions) - 1e-9;
        }
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
