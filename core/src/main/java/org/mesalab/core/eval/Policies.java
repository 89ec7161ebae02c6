package org.mesalab.core.eval;

import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.solve.StateGraph;
import org.mesalab.core.solve.ValueIteration;

/**
 * Policies every command can take: {@code random}, {@code oracle:intended} and {@code oracle:NAME}
 * for the env's intended objective or any proxy, and {@code oracle:INTENDED+PROXY} for an equal
 * mixture (see {@link BehavioralObjective}).
 */
public final class Policies {
    /** Levels here have at most a few thousand states; far more means a bug or a huge level. */
    public static final int MAX_STATES = 2_000_000;

    private Policies() {
    }

    public static Policy parse(String spec, EnvType env, long seed) {
        if (spec.equals("random")) {
            return random(seed);
        }
        if (spec.startsWith("oracle:")) {
            String name = spec.substring("oracle:".length());
            if (name.contains("+")) { // a mixture candidate of the behavioral-objective diagnosis
                return BehavioralObjective.oracle(BehavioralObjective.candidate(env, name));
            }
            return oracle(env.objective(name));
        }
        throw new UsageException("unknown policy '" + spec + "'; allowed: random, oracle:intended, "
                + "oracle:" + env.objectiveNames().replace(", ", ", oracle:") + ", oracle:INTENDED+PROXY");
    }

    /** Uniform over actions, from its own stream. */
    public static Policy random(long seed) {
        Rng rng = new Rng(seed);
        return new Policy() {
            @Override
            public int act(Env env) {
                return rng.nextInt(env.numActions());
            }

            @Override
            public String name() {
                return "random";
            }
        };
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
    public static Policy oracle(String name, java.util.function.Function<StateGraph, Objective> objectiveOn) {
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
