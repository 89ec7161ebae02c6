package org.mesalab.core.eval;

import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Policy;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.solve.Oracles;

/**
 * Policies every command can take: {@code random}, {@code oracle:intended} and {@code oracle:NAME}
 * for the env's intended objective or any proxy, and {@code oracle:INTENDED+PROXY} for an equal
 * mixture (see {@link BehavioralObjective}).
 */
public final class Policies {
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
            return Oracles.oracle(env.objective(name));
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
}
