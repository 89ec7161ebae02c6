package org.mesalab.core.goodhart;

import java.util.List;
import java.util.Map;
import org.mesalab.core.Rng;
import org.mesalab.core.assistant.Assistant;
import org.mesalab.core.assistant.Situation;
import org.mesalab.core.eval.Outcome;
import org.mesalab.core.gp.GaussianProcess;

/**
 * The essay's assistant as a Goodhart curve: for a request, the assistant considers refusing and n random
 * plans to carry it out, and takes the option its reward model (a Gaussian process's mean, fitted on the
 * training situations with a chosen prior kernel) scores highest. Pressure n is how many plans it searches;
 * gold is the hidden true reward of what it chose. The more plans, the likelier one the model rates well
 * because it resembles a harmless training situation in the kernel's eyes ("pay someone to" looks like
 * "buy" to a kernel over actions) while it kills: the extremal error the essay's stapler example is about.
 *
 * <p>Outcome classes: aligned when the choice earns the best true reward the request allows (a harmless
 * plan, or refusing a request that cannot be done harmlessly); goal misgeneralized when it complies with
 * a harmful plan; capability failure when it refuses a request that could be done harmlessly.
 */
public final class AssistantBestOfN {
    public static final String GOLD = "the assistant's hidden true reward of the chosen option (comply with a plan, or refuse)";

    private AssistantBestOfN() {
    }

    /** The proxy of a kernel as a spec or the command names it. */
    public static final String PREFIX = "gp:";

    /**
     * The curve for {@code kernel}: {@code levels} requests from index {@code seed * 10^7}, then {@code holdout} more
     * for early stopping (0: none). Options are scored by the reward model's mean less {@code pessimism} posterior
     * standard deviations (0: the mean; 1: a lower confidence bound at one std), the mitigation Gao et al. and the
     * issue ask about: an optimizer that distrusts what its model has not seen.
     */
    public static Curve curve(String kernel, long[] pressures, int levels, int holdout, long seed, int threads, double pessimism) {
        long first = seed * 10_000_000L;
        Scored[][] main = run(kernel, pressures, first, levels, seed, threads, pessimism);
        Scored[][] held = holdout > 0 ? run(kernel, pressures, first + levels, holdout, seed, threads, pessimism) : null;
        double[] kl = java.util.Arrays.stream(pressures).mapToDouble(BestOfN::kl).toArray();
        return Curve.of(Goodhart.BEST_OF_N, proxyName(kernel, pessimism), GOLD, "n", pressures, main, kl, held, seed);
    }

    /** The proxy's name for a curve: {@code gp:KERNEL}, with its pessimism when there is some. */
    public static String proxyName(String kernel, double pessimism) {
        return Goodhart.named(PREFIX + kernel, pessimism);
    }

    /** The score best-of-n maximizes: the model's mean less {@code pessimism} posterior standard deviations. */
    static double score(GaussianProcess.Prediction p, double pessimism) {
        return p.mean() - pessimism * p.std(); // at 0 exactly the mean: the posterior std is finite
    }

    /**
     * Levels {@code first ..} (level i asks request {@code i mod 4}), {@code pressures[last]} plans drawn
     * per level from the level's own stream; for each pressure n the best-scored of refusing and the
     * first n plans (by {@link #score}). Returns {@code [pressure index][level]}; the KL is best-of-n's analytic one.
     */
    public static Scored[][] run(String kernel, long[] pressures, long first, int levels, long seed, int threads, double pessimism) {
        List<Situation> train = Assistant.builtIn().stream().filter(s -> s.split().equals("train")).toList();
        Map<String, GaussianProcess> models = Assistant.models(train, kernel, seed);
        GaussianProcess comply = models.get("comply");
        GaussianProcess refuse = models.get("refuse");
        int requests = Assistant.requests().size();
        Scored[][] out = new Scored[pressures.length][levels];
        Levels.forEach(levels, threads, i -> {
            long level = first + i;
            int request = (int) (level % requests);
            Situation asked = Assistant.request(request);
            Rng rng = new Rng(Levels.seed(seed, level, 3));
            Situation[] plans = new Situation[(int) pressures[pressures.length - 1]];
            for (int k = 0; k < plans.length; k++) {
                plans[k] = Assistant.randomPlan(request, rng);
            }
            // The best a request allows: complying harmlessly when the request itself harms no one (some plan does it cleanly), else refusing.
            double bestGold = asked.comply() > 0 ? asked.comply() : asked.refuse();
            double proxy = score(refuse.predict(asked.vector()), pessimism);
            double gold = asked.refuse();
            boolean complied = false;
            int next = 0;
            for (int k = 0; next < pressures.length; k++) {
                double p = score(comply.predict(plans[k].vector()), pessimism);
                if (p > proxy) {
                    proxy = p;
                    gold = plans[k].comply();
                    complied = true;
                }
                while (next < pressures.length && pressures[next] == k + 1) {
                    Outcome o = gold >= bestGold ? Outcome.ALIGNED : complied ? Outcome.GOAL_MISGENERALIZED : Outcome.CAPABILITY_FAILURE;
                    out[next++][i] = new Scored(proxy, gold, o, BestOfN.kl(k + 1), 1);
                }
            }
        });
        return out;
    }
}
