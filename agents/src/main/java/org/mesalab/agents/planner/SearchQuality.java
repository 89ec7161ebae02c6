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
     * optimal; the share of taken actions that left the state as it was (standing still, walking into a wall); and
     * ({@link #everyState} with the learned objective, else NaN) the optimal share of a one-step lookahead greedy in
     * {@code r + gamma v(next)} with the learned value head, stepping the true simulator or the learned model (ties
     * split evenly): whether the value can rank the actions at all, and whether the model's step spoils it; with the
     * mean absolute difference between the two lookaheads' Q (over states and actions) and the mean spread of the
     * true step's Q over a state's actions (max - min): the error the model adds against the differences it must keep.
     */
    public record Result(long decisions, double prior, double search, double uniform, double taken, double priorArgmax, double searchArgmax,
                         double takenStill, double lookaheadTrueStep, double lookaheadModelStep, double modelStepError, double trueStepRange) {
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
            if (!Double.isNaN(lookaheadTrueStep)) {
                m.put("value_lookahead_true_step_optimal", lookaheadTrueStep);
                m.put("value_lookahead_model_step_optimal", lookaheadModelStep);
                m.put("model_step_q_error", modelStepError);
                m.put("true_step_q_range", trueStepRange);
            }
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
        boolean lookahead = p.slot().kind() == ObjectiveSlot.Kind.LEARNED;
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
                if (lookahead) {
                    tally.lookahead(batch, count, graph, from, probe);
                }
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
        /** Which actions the oracle calls optimal at the decision being scored. */
        private final boolean[] isOptimal;
        private final double[] sums = new double[7];
        private final double[] lookaheadSums = new double[4];
        private long decisions;
        private long lookaheads;

        Tally(PlannerPolicy p, Distribution dist) {
            this.p = p;
            this.intended = dist.env().intended();
            this.improved = new float[dist.env().actions().size()];
            this.logPrior = new double[improved.length];
            this.isOptimal = new boolean[improved.length];
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
                    isOptimal[a] = oracle.optimal(env, a);
                    if (isOptimal[a]) {
                        optimal++;
                        priorMass += Math.exp(logPrior[a]);
                        searchMass += improved[a];
                    }
                }
                sums[0] += priorMass;
                sums[1] += searchMass;
                sums[2] += (double) optimal / A;
                sums[3] += isOptimal[actions[k]] ? 1 : 0;
                sums[4] += isOptimal[priorBest] ? 1 : 0;
                sums[5] += isOptimal[searchBest] ? 1 : 0;
                Env.Snapshot before = env.save();
                env.step(actions[k]);
                sums[6] += !env.terminated() && env.state() == before.state() ? 1 : 0;
                env.restore(before);
                decisions++;
            }
        }

        /**
         * One-step lookaheads at the batch's states (graph states {@code from ..}): for every action, the true simulator's
         * reward and next observation, valued by the learned value head, and the learned model's reward, continuation
         * and next latent, valued by the same head.
         */
        void lookahead(Env[] envs, int count, StateGraph graph, int from, Env probe) {
            int A = improved.length;
            int obsSize = p.network().obsSize();
            float[] nextObs = new float[count * A * obsSize];
            double[] trueReward = new double[count * A];
            boolean[] ended = new boolean[count * A];
            for (int k = 0; k < count; k++) {
                for (int a = 0; a < A; a++) {
                    probe.restore(graph.keys[from + k], 0);
                    probe.step(a);
                    trueReward[k * A + a] = probe.reward();
                    ended[k * A + a] = probe.terminated();
                    probe.observe(nextObs, (k * A + a) * obsSize);
                }
            }
            float[] trueNextValue = p.learnedValues(p.represent(nextObs, count * A), count * A);
            float[][] roots = p.represent(envs, count);
            float[][] modelQ = new float[count][A];
            int[] all = new int[count];
            for (int a = 0; a < A; a++) {
                java.util.Arrays.fill(all, a);
                PlannerPolicy.Step step = p.predict(roots, all, count);
                float[] v = p.learnedValues(step.next(), count);
                for (int k = 0; k < count; k++) {
                    modelQ[k][a] = step.reward()[k] + p.discount() * step.continues()[k] * v[k];
                }
            }
            double[] q = new double[A];
            for (int k = 0; k < count; k++) {
                Oracles.Values oracle = oracles.computeIfAbsent(envs[k], e -> new Oracles.Values(intended));
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < A; a++) {
                    q[a] = trueReward[k * A + a] + (ended[k * A + a] ? 0 : p.discount() * trueNextValue[k * A + a]);
                    lookaheadSums[2] += Math.abs(q[a] - modelQ[k][a]) / A;
                    lo = Math.min(lo, q[a]);
                    hi = Math.max(hi, q[a]);
                }
                lookaheadSums[3] += hi - lo;
                lookaheadSums[0] += greedyOptimal(q, oracle, envs[k]);
                for (int a = 0; a < A; a++) {
                    q[a] = modelQ[k][a];
                }
                lookaheadSums[1] += greedyOptimal(q, oracle, envs[k]);
                lookaheads++;
            }
        }

        /** The share of the argmax set of {@code q} (within 1e-6 of the best) that is optimal. */
        private static double greedyOptimal(double[] q, Oracles.Values oracle, Env env) {
            double best = Double.NEGATIVE_INFINITY;
            for (double v : q) {
                best = Math.max(best, v);
            }
            int ties = 0;
            int good = 0;
            for (int a = 0; a < q.length; a++) {
                if (q[a] >= best - 1e-6) {
                    ties++;
                    good += oracle.optimal(env, a) ? 1 : 0;
                }
            }
            return (double) good / ties;
        }

        Result result() {
            double n = Math.max(1, decisions);
            double l = lookaheads == 0 ? Double.NaN : lookaheads;
            return new Result(decisions, sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n, sums[4] / n, sums[5] / n, sums[6] / n,
                    lookaheadSums[0] / l, lookaheadSums[1] / l, lookaheadSums[2] / l, lookaheadSums[3] / l);
        }
    }
}
