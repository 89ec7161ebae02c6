package org.mesalab.agents.planner;

import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.eval.Outcome;
import org.mesalab.core.goodhart.Gold;
import org.mesalab.core.goodhart.Scored;

/**
 * The essay's architecture as a Goodhart experiment: a trained planner's learned objective is the proxy and its
 * own search, with more and more simulations, the optimizer. The search acts greedily (no root noise, the most
 * visited or Gumbel-surviving action), so each pressure is one deterministic optimizer; or, {@code sampled}, as in
 * training (root noise, the action drawn by the search), which does not get stuck repeating a move that changes nothing.
 *
 * <ul>
 * <li><b>Proxy</b> of an episode: the learned reward of every step taken, {@code g(h(o_t), a_t).reward}, summed
 * (what the search maximizes, before its discount and value bootstrap).</li>
 * <li><b>Gold</b>: the env's intended objective, discounted per step ({@link Gold}).</li>
 * <li><b>Divergence</b> from the base (the planner's own policy head), summed over the episode: greedy, {@code -log
 * prior(a_t | o_t)}, the KL of the deterministic search policy from the prior on that episode; sampled, the KL of
 * the search's improved policy (what its draw follows) from the prior at each step, {@code sum_a pi(a) log(pi(a) /
 * prior(a))}.</li>
 * </ul>
 */
public final class ProxySearch {
    /** How a learned proxy is written: {@code learned:RUN_DIR}. */
    public static final String PREFIX = "learned:";
    /** The optimizer's name on a curve when the search samples as in training. */
    public static final String SAMPLED = "sampled search";
    /** Most simulations a pressure may ask for (as {@code --simulations}). */
    public static final long MAX_SIMULATIONS = 4096;

    private ProxySearch() {
    }

    /**
     * One episode per level from {@code first} and per simulation budget: {@code [pressure index][level]}; the search
     * greedy, or {@code sampled} as in training (its draws seeded with {@code seed} at every budget).
     */
    public static Scored[][] play(Path run, Distribution dist, long first, int levels, long[] simulations, Gold gold, long seed, boolean sampled) {
        Scored[][] out = new Scored[simulations.length][];
        for (int k = 0; k < simulations.length; k++) {
            try (PlannerPolicy p = PlannerPolicy.load(run, "learned", "train", (int) simulations[k], seed, !sampled)) {
                out[k] = play(p, dist, first, levels, gold, sampled);
            }
        }
        return out;
    }

    /** {@code KL(pi || prior) = sum_a pi(a) (log pi(a) - log prior(a))}, with {@code 0 log 0 = 0}; never below 0 (float rounding). */
    static double kl(float[] pi, double[] logPrior) {
        double kl = 0;
        for (int a = 0; a < pi.length; a++) {
            kl += pi[a] > 0 ? pi[a] * (Math.log(pi[a]) - logPrior[a]) : 0;
        }
        return Math.max(0, kl);
    }

    /**
     * Plays the levels as plain evaluation does (a batch of searches at a time), scoring each episode as it goes: the
     * learned reward and the divergence when the planner acts, gold from each step's events.
     */
    static Scored[] play(PlannerPolicy p, Distribution dist, long first, int levels, Gold gold, boolean sampled) {
        double[] goldTable = gold.objective().rewardTable();
        // per episode (its env): proxy, KL, gold, the gold discount of the next step
        Map<Env, double[]> score = new IdentityHashMap<>();
        float[] improved = new float[dist.env().actions().size()];
        double[] prior = new double[improved.length];
        Episode.BatchPolicy scoring = p.observed((envs, count, actions) -> {
            float[] reward = p.predict(p.represent(envs, count), actions, count).reward();
            for (int k = 0; k < count; k++) {
                double[] s = score.computeIfAbsent(envs[k], e -> new double[] {0, 0, 0, 1});
                s[0] += reward[k];
                p.priorLogProbs(k, prior);
                if (sampled) {
                    p.searchPolicy(k, improved);
                    s[1] += kl(improved, prior);
                } else {
                    s[1] -= prior[actions[k]];
                }
            }
        });
        Scored[] out = new Scored[levels];
        int[] next = {0};
        Episode.playAll(dist, scoring, first, levels, (env, events) -> {
            double[] s = score.get(env);
            s[2] += s[3] * goldTable[events];
            s[3] *= gold.discount();
        }, (episode, env) -> {
            double[] s = score.get(env);
            out[next[0]++] = new Scored(s[0], s[2], Outcome.of(episode, env), s[1], episode.steps());
        });
        return out;
    }
}
