package org.mesalab.core.goodhart;

import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.Rng;
import org.mesalab.core.solve.Oracles;
import org.mesalab.core.solve.StateGraph;

/**
 * Search on the true simulator with the proxy in the objective slot: at every step, look {@code depth}
 * steps ahead (exact finite-horizon search on the level's state graph, undiscounted, cut at the step
 * limit) and take a best action, ties broken uniformly at random. Pressure is the depth: depth 0 is the
 * uniformly random base policy, a large depth is the proxy's optimum. The divergence from the base is
 * measured along each episode: a step with {@code t} tied best actions out of {@code A} costs
 * {@code log(A / t)} nats, so {@link Scored#kl()} is KL(search || random) on that episode.
 */
public final class DepthSearch {
    private DepthSearch() {
    }

    /** Plays one episode per level and depth; returns {@code [depth index][level]}. */
    public static Scored[][] play(Distribution dist, long startIndex, int levels, int[] depths, Objective proxy, Gold gold,
                                  long seed, int threads) {
        int maxDepth = 0;
        for (int d : depths) {
            maxDepth = Math.max(maxDepth, d);
        }
        int horizon = maxDepth;
        Scored[][] out = new Scored[depths.length][levels];
        Levels.forEach(levels, threads, i -> {
            Env env = dist.create();
            env.reset(dist.levelSeed(startIndex + i));
            Env.Snapshot start = env.save();
            StateGraph g = StateGraph.explore(env, Oracles.MAX_STATES);
            double[][] v = lookahead(g, proxy, Math.min(horizon, env.maxSteps()));
            double[] reward = proxy.rewardTable();
            Rollout rollout = new Rollout(new Proxy.Events(proxy), gold);
            for (int k = 0; k < depths.length; k++) {
                Searcher s = new Searcher(g, v, reward, depths[k], new Rng(Levels.seed(seed, startIndex + i, 2 + depths[k])));
                out[k][i] = rollout.play(env, start, s, s::kl);
            }
        });
        return out;
    }

    /**
     * {@code v[h][s]}: the best proxy return of the next h steps from state s (h = 0: zero). Only the values
     * are kept (depth x states), the action values of a layer are recomputed when acting.
     */
    static double[][] lookahead(StateGraph g, Objective proxy, int maxDepth) {
        double[] reward = proxy.rewardTable();
        double[][] v = new double[maxDepth + 1][];
        v[0] = new double[g.states];
        for (int h = 1; h <= maxDepth; h++) {
            double[] prev = v[h - 1];
            double[] vh = new double[g.states];
            for (int s = 0; s < g.states; s++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < g.actions; a++) {
                    int sa = s * g.actions + a;
                    int next = g.next[sa];
                    best = Math.max(best, reward[g.events[sa]] + (next == StateGraph.TERMINAL ? 0 : prev[next]));
                }
                vh[s] = best;
            }
            v[h] = vh;
        }
        return v;
    }

    /** The receding-horizon policy of one depth on one level, recording its divergence from random. */
    private static final class Searcher implements Policy {
        private static final double TIE = 1e-9;
        private final StateGraph g;
        private final double[][] v;
        private final double[] reward;
        private final double[] q;
        private final int depth;
        private final Rng rng;
        private final int[] ties;
        private double kl;

        Searcher(StateGraph g, double[][] v, double[] reward, int depth, Rng rng) {
            this.g = g;
            this.v = v;
            this.reward = reward;
            this.q = new double[g.actions];
            this.depth = depth;
            this.rng = rng;
            this.ties = new int[g.actions];
        }

        @Override
        public int act(Env env) {
            int s = g.indexOf(env.state());
            if (s < 0) {
                throw new IllegalStateException("state not reachable from the level's start");
            }
            int h = Math.min(Math.min(depth, env.maxSteps() - env.steps()), v.length - 1);
            double best = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < g.actions; a++) {
                int sa = s * g.actions + a;
                int next = g.next[sa];
                q[a] = h == 0 ? 0 : reward[g.events[sa]] + (next == StateGraph.TERMINAL ? 0 : v[h - 1][next]);
                best = Math.max(best, q[a]);
            }
            int t = 0;
            for (int a = 0; a < g.actions; a++) {
                if (q[a] >= best - TIE) {
                    ties[t++] = a;
                }
            }
            kl += Math.log((double) g.actions / t);
            return ties[t == 1 ? 0 : rng.nextInt(t)];
        }

        double kl() {
            return kl;
        }

        @Override
        public String name() {
            return "search:depth=" + depth;
        }
    }
}
