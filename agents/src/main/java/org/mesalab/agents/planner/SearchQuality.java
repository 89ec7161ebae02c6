package org.mesalab.agents.planner;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Objective;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.solve.Oracles;
import org.mesalab.core.solve.StateGraph;

/**
 * Does the search improve on its own prior? MuZero-style training is policy iteration: the policy head is
 * trained towards the search's improved policy, so it can only get better if that policy is better than the
 * prior it started from. At each decision this asks the intended objective's exact oracle (value iteration on
 * the true level) which actions are optimal, then scores the prior (the policy head), the improved policy (the
 * search's training target) and the action taken: over the decisions of episodes played as evaluation does
 * ({@link #visited}, weighted as the replay is) or over every reachable state of the levels, each once
 * ({@link #everyState}, unweighted by where the agent goes).
 *
 * <p>The shares are of probability mass on optimal actions, averaged over decisions, so a prior and a target
 * that both put 0.4 on the right move score alike whatever their argmax; {@code uniform} is the share a
 * uniformly random choice would get (the fraction of optimal actions), the floor any learned score is read
 * against.
 */
public final class SearchQuality {
    private SearchQuality() {
    }

    /**
     * Means over {@code decisions}: mass on optimal actions of the prior, of the search's improved policy, of a
     * uniform choice; the shares of taken actions, of the prior's argmaxes and of the target's argmaxes that were
     * optimal; and the share of taken actions that left the state as it was (standing still, walking into a wall).
     */
    public record Result(long decisions, double prior, double search, double uniform, double taken, double priorArgmax, double searchArgmax,
                         double takenStill) {
        /** How much the search adds to the prior's mass on optimal actions (negative: the search makes the target worse than the prior). */
        public double improvement() {
            return search - prior;
        }

        public Map<String, Object> asJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("decisions", decisions);
            m.put("prior_optimal_mass", prior);
            m.put("search_optimal_mass", search);
            m.put("improvement", improvement());
            m.put("uniform_optimal_mass", uniform);
            m.put("taken_optimal", taken);
            m.put("prior_argmax_optimal", priorArgmax);
            m.put("search_argmax_optimal", searchArgmax);
            m.put("taken_still", takenStill);
            return m;
        }
    }

    /**
     * On the agent's own decisions: one episode on each of {@code episodes} levels of {@code dist} from index
     * {@code first}, played by {@code p} as it is configured. Weighted as training's replay is, by where the agent
     * goes, so an agent stuck in a corner counts that corner many times.
     */
    public static Result visited(PlannerPolicy p, Distribution dist, long first, int episodes) {
        Tally tally = new Tally(p, dist);
        Episode.playAll(dist, p.observed(tally::score), first, episodes, (episode, env) -> { });
        return tally.result();
    }

    /**
     * On every state of each of {@code levels} levels from index {@code first} (every state reachable from the
     * start, each once): how good the prior and the search are everywhere, whatever the agent would visit.
     */
    public static Result everyState(PlannerPolicy p, Distribution dist, long first, int levels) {
        Tally tally = new Tally(p, dist);
        Env[] batch = new Env[p.batchSize()];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = dist.create();
        }
        int[] actions = new int[batch.length];
        Env probe = dist.create();
        for (long level = first; level < first + levels; level++) {
            long seed = dist.levelSeed(level);
            probe.reset(seed);
            StateGraph graph = StateGraph.explore(probe, Oracles.MAX_STATES);
            for (int from = 0; from < graph.states; from += batch.length) {
                int count = Math.min(batch.length, graph.states - from);
                for (int k = 0; k < count; k++) {
                    if (batch[k].levelSeed() != seed) {
                        batch[k].reset(seed);
                    }
                    batch[k].restore(graph.keys[from + k], 0);
                }
                p.act(batch, count, actions);
                tally.score(batch, count, actions);
            }
        }
        return tally.result();
    }

    /** Sums of the scores over decisions; one oracle per env object (each rebuilds its table when its env's level changes). */
    private static final class Tally {
        private final PlannerPolicy p;
        private final Objective intended;
        private final Map<Env, Oracles.Values> oracles = new IdentityHashMap<>();
        private final float[] improved;
        private final double[] logPrior;
        private final double[] sums = new double[7];
        private long decisions;

        Tally(PlannerPolicy p, Distribution dist) {
            this.p = p;
            this.intended = dist.env().intended();
            this.improved = new float[dist.env().actions().size()];
            this.logPrior = new double[improved.length];
        }

        /** Scores the planner's last batch of searches, tree {@code k} having been run on {@code envs[k]} and having taken {@code actions[k]}. */
        void score(Env[] envs, int count, int[] actions) {
            int A = improved.length;
            for (int k = 0; k < count; k++) {
                Env env = envs[k];
                Oracles.Values oracle = oracles.computeIfAbsent(env, e -> new Oracles.Values(intended));
                p.priorLogProbs(k, logPrior);
                p.searchPolicy(k, improved);
                int optimal = 0;
                double priorMass = 0;
                double searchMass = 0;
                int priorBest = 0;
                int searchBest = 0;
                for (int a = 0; a < A; a++) {
                    priorBest = logPrior[a] > logPrior[priorBest] ? a : priorBest;
                    searchBest = improved[a] > improved[searchBest] ? a : searchBest;
                    if (oracle.optimal(env, a)) {
                        optimal++;
                        priorMass += Math.exp(logPrior[a]);
                        searchMass += improved[a];
                    }
                }
                sums[0] += priorMass;
                sums[1] += searchMass;
                sums[2] += (double) optimal / A;
                sums[3] += oracle.optimal(env, actions[k]) ? 1 : 0;
                sums[4] += oracle.optimal(env, priorBest) ? 1 : 0;
                sums[5] += oracle.optimal(env, searchBest) ? 1 : 0;
                Env.Snapshot before = env.save();
                env.step(actions[k]);
                sums[6] += !env.terminated() && env.state() == before.state() ? 1 : 0;
                env.restore(before);
                decisions++;
            }
        }

        Result result() {
            double n = Math.max(1, decisions);
            return new Result(decisions, sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n, sums[4] / n, sums[5] / n, sums[6] / n);
        }
    }
}
