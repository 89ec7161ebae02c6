package org.mesalab.agents.interp;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.agents.ppo.PolicyNetwork;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Policy;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Outcome;

/**
 * What a policy does with a hook on its layers (a steering vector times a coefficient, or none): outcome
 * shares on held-out levels, the probability of the intended goal's action at decision squares, and
 * for a retargeting vector how often the agent stands on its target cell. Every row starts the policy's
 * sampler from the same seed on the same levels, so rows differ only by the hook.
 */
public final class Steering {
    /** Levels a steering vector is averaged over by default, apart from the played ones. */
    public static final int VECTOR_LEVELS = 100;

    private Steering() {
    }

    /**
     * @param squares decision squares found (levels where the goals' paths part)
     * @param reached share of episodes that stand on the target cell at some step (NaN without a target)
     */
    public record Row(Map<Outcome, Double> outcomes, double medianTowardGoal, double meanTowardGoal, int squares, double reached) {
    }

    /** The policy unsteered ({@code vector} null) or with {@code coefficient} times {@code vector}. */
    public static Row measure(PpoPolicy policy, SteeringVector vector, double coefficient, Distribution dist, long start, int episodes, long seed) {
        Hook hook = new Hook(policy, vector, coefficient);
        int[] target = vector == null ? null : vector.target();
        Visits visits = new Visits(policy.with(vector == null ? null : hook, 0, seed, policy.name()), target, hook);
        Evaluator.Summary s = Evaluator.evaluate(visits, dist, episodes, start);
        Map<Outcome, Double> o = new LinkedHashMap<>();
        s.outcomes().forEach((k, rate) -> o.put(k, rate.value()));
        DecisionSquares d = DecisionSquares.measure(policy.with(vector == null ? null : hook, 0, seed, policy.name()), dist, start, episodes, hook::prepare);
        return new Row(o, d.median(), d.mean(), d.towardGoal().length, visits.share());
    }

    /** The vector's addition; a level's own vector is made when its episode starts ({@link #prepare}). */
    private static final class Hook implements PolicyNetwork.Hook {
        private final PpoPolicy policy;
        private final SteeringVector vector;
        private final double coefficient;
        private PolicyNetwork.Hook current;

        Hook(PpoPolicy policy, SteeringVector vector, double coefficient) {
            this.policy = policy;
            this.vector = vector;
            this.coefficient = coefficient;
            this.current = vector == null || vector.item() != null ? null : vector.hook(coefficient);
        }

        void prepare(Env env) {
            if (vector != null && vector.item() != null) {
                current = SteeringVector.add(SteeringVector.ofLevel(policy, env, vector.item(), vector.layer()), coefficient, vector.layer());
            }
        }

        @Override
        public ai.djl.ndarray.NDArray at(int layer, ai.djl.ndarray.NDArray activation) {
            return current == null ? activation : current.at(layer, activation);
        }
    }

    /** Counts the episodes in which the agent stands on a cell at some step. */
    private static final class Visits implements Policy {
        private final Policy inner;
        private final int[] cell;
        private int episodes;
        private int reached;
        private boolean here;

        private final Hook hook;

        Visits(Policy inner, int[] cell, Hook hook) {
            this.inner = inner;
            this.cell = cell;
            this.hook = hook;
        }

        @Override
        public int act(Env env) {
            if (env.steps() == 0) {
                episodes++;
                here = false;
                hook.prepare(env);
            }
            if (!here && cell != null && env.agentX() == cell[0] && env.agentY() == cell[1]) {
                here = true;
                reached++;
            }
            return inner.act(env);
        }

        @Override
        public String name() {
            return inner.name();
        }

        double share() {
            return cell == null || episodes == 0 ? Double.NaN : (double) reached / episodes;
        }
    }
}
