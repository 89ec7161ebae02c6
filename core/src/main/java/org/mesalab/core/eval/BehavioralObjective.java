package org.mesalab.core.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;
import org.mesalab.core.solve.Oracles;
import org.mesalab.core.solve.StateGraph;
import org.mesalab.core.solve.ValueIteration;

/**
 * Which objective best explains what an agent does (the behavioral objective of Hubinger et al. 2019),
 * inferred from its episodes by Boltzmann-rational inverse planning (Ramachandran and Amir 2007;
 * Ziebart et al. 2008).
 *
 * <p>Candidates: the env's intended objective, each proxy, and the equal mixture of the intended
 * objective with each proxy. For each candidate and each played level: soft Q values by soft value
 * iteration on the true level ({@link ValueIteration#softQ}, temperature {@link #TAU} times the
 * reward scale), normalized by the range of the level's state values so that one inverse temperature
 * is comparable across candidates and levels. The log-likelihood of the observed actions is
 * {@code sum_t log softmax(beta * Q(s_t, .))[a_t]} with beta fitted per candidate by one-dimensional
 * maximum likelihood (the log-likelihood is concave in beta: golden-section search on
 * [0, {@link #BETA_MAX}]); the posterior over candidates uses a uniform prior.
 *
 * <p>Mixtures: {@code intended+proxy} rewards each objective divided by its largest optimal value over
 * the level's states (1 for a goal paid once, 1 / (1 - gamma) for one paid every step, like the corner),
 * so both halves weigh the same whatever their reward scales. The mixture's oracle then heads for
 * whichever goal is worth more from where it stands (in maze: the nearer of cheese and corner), a
 * behaviour distinct from both pure objectives. (Normalizing by the value from the start instead makes
 * both halves worth exactly 0.5 there, and the mixture's behaviour collapsed onto the corner's.)
 */
public final class BehavioralObjective {
    public static final double TAU = 1e-3;
    public static final double BETA_MAX = 1000;

    private BehavioralObjective() {
    }

    /** A candidate: a named objective, or (when {@code proxy} is set) the normalized mixture of two. */
    public record Candidate(String name, Objective objective, Objective mixedWith) {
    }

    /** One candidate's fit: maximized log-likelihood, its beta, and the posterior. */
    public record Fit(String objective, double logLikelihood, double beta, double posterior) {
    }

    public static List<Candidate> candidates(EnvType t) {
        List<Candidate> c = new ArrayList<>();
        c.add(new Candidate(t.intended().name(), t.intended(), null));
        for (Objective p : t.proxies()) {
            c.add(new Candidate(p.name(), p, null));
        }
        for (Objective p : t.proxies()) {
            c.add(new Candidate(t.intended().name() + "+" + p.name(), t.intended(), p));
        }
        return c;
    }

    /** The candidate by name: an objective of the env, or {@code INTENDED+PROXY}. */
    public static Candidate candidate(EnvType t, String name) {
        for (Candidate c : candidates(t)) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (Candidate c : candidates(t)) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(c.name());
        }
        throw new UsageException(t.name() + ": unknown objective '" + name + "'; allowed: intended, " + allowed);
    }

    /** The optimal policy of a candidate on the true level (for mixtures: of its per-level objective). */
    public static Policy oracle(Candidate c) {
        return c.mixedWith() == null ? Oracles.oracle(c.objective()) : Oracles.oracle("oracle:" + c.name(), g -> objectiveOn(c, g));
    }

    /** The candidate's objective on one level: itself, or for a mixture the normalized sum on this level. */
    static Objective objectiveOn(Candidate c, StateGraph g) {
        if (c.mixedWith() == null) {
            return c.objective();
        }
        double a = scale(g, c.objective());
        double b = scale(g, c.mixedWith());
        double[] w = new double[Event.COUNT];
        for (int e = 0; e < Event.COUNT; e++) {
            w[e] = 0.5 * c.objective().weights()[e] / a + 0.5 * c.mixedWith().weights()[e] / b;
        }
        double step = 0.5 * c.objective().stepReward() / a + 0.5 * c.mixedWith().stepReward() / b;
        return new Objective(c.name(), "equal mixture", w, step, c.objective().success());
    }

    /** The largest optimal value over the level's states: 1 for a goal paid once, 1 / (1 - gamma) for one paid every step. */
    private static double scale(StateGraph g, Objective o) {
        double[] q = ValueIteration.q(g, o, ValueIteration.GAMMA);
        double v = 0;
        for (int s = 0; s < g.states; s++) {
            v = Math.max(v, Math.abs(ValueIteration.max(q, s * g.actions, g.actions)));
        }
        return v > 1e-9 ? v : 1.0;
    }

    /**
     * Fits every candidate to the episodes (played on {@code dist}'s levels, with their states
     * recorded) and returns the fits sorted by posterior, highest first.
     */
    public static List<Fit> diagnose(Distribution dist, List<Episode> episodes, List<Candidate> candidates) {
        if (episodes.isEmpty()) {
            throw new UsageException("no episodes to diagnose");
        }
        int k = candidates.size();
        // Per candidate: the normalized Q rows of every visited state and the action taken.
        List<List<double[]>> rows = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            rows.add(new ArrayList<>());
        }
        List<Integer> taken = new ArrayList<>();
        Env env = dist.create();
        for (Episode ep : episodes) {
            env.reset(ep.levelSeed());
            StateGraph g = StateGraph.explore(env, Oracles.MAX_STATES);
            for (int c = 0; c < k; c++) {
                Objective o = objectiveOn(candidates.get(c), g);
                double scale = 0;
                for (double r : o.rewardTable()) {
                    scale = Math.max(scale, Math.abs(r));
                }
                double[] q = ValueIteration.softQ(g, o, ValueIteration.GAMMA, TAU * Math.max(scale, 1e-12));
                double vMin = Double.POSITIVE_INFINITY;
                double vMax = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < g.states; s++) {
                    double v = ValueIteration.max(q, s * g.actions, g.actions);
                    vMin = Math.min(vMin, v);
                    vMax = Math.max(vMax, v);
                }
                double range = vMax - vMin > 1e-12 ? vMax - vMin : 1.0;
                for (int t = 0; t < ep.actions().length; t++) {
                    int s = g.indexOf(ep.states()[t]);
                    if (s < 0) {
                        throw new IllegalStateException("episode state not on its level");
                    }
                    double[] row = new double[g.actions];
                    for (int a = 0; a < g.actions; a++) {
                        row[a] = q[s * g.actions + a] / range;
                    }
                    rows.get(c).add(row);
                }
            }
            for (int a : ep.actions()) {
                taken.add(a);
            }
        }
        double[] ll = new double[k];
        double[] beta = new double[k];
        for (int c = 0; c < k; c++) {
            List<double[]> r = rows.get(c);
            double[] best = fitBeta(r, taken);
            beta[c] = best[0];
            ll[c] = best[1];
        }
        double max = java.util.Arrays.stream(ll).max().orElse(0);
        double z = 0;
        for (double v : ll) {
            z += Math.exp(v - max);
        }
        List<Fit> fits = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            fits.add(new Fit(candidates.get(c).name(), ll[c], beta[c], Math.exp(ll[c] - max) / z));
        }
        fits.sort(Comparator.comparingDouble(Fit::posterior).reversed());
        return fits;
    }

    /** {@code sum_t log softmax(beta * q_t)[a_t]}. */
    static double logLikelihood(List<double[]> q, List<Integer> actions, double beta) {
        double ll = 0;
        for (int t = 0; t < q.size(); t++) {
            double[] row = q.get(t);
            double m = Double.NEGATIVE_INFINITY;
            for (double v : row) {
                m = Math.max(m, beta * v);
            }
            double sum = 0;
            for (double v : row) {
                sum += Math.exp(beta * v - m);
            }
            ll += beta * row[actions.get(t)] - m - Math.log(sum);
        }
        return ll;
    }

    /** Golden-section search for the maximizing beta in [0, BETA_MAX]; returns {beta, log-likelihood}. */
    static double[] fitBeta(List<double[]> q, List<Integer> actions) {
        double lo = 0;
        double hi = BETA_MAX;
        double phi = (Math.sqrt(5) - 1) / 2;
        double x1 = hi - phi * (hi - lo);
        double x2 = lo + phi * (hi - lo);
        double f1 = logLikelihood(q, actions, x1);
        double f2 = logLikelihood(q, actions, x2);
        for (int i = 0; i < 80; i++) {
            if (f1 < f2) {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + phi * (hi - lo);
                f2 = logLikelihood(q, actions, x2);
            } else {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - phi * (hi - lo);
                f1 = logLikelihood(q, actions, x1);
            }
        }
        double b = (lo + hi) / 2;
        double[] best = {b, logLikelihood(q, actions, b)};
        for (double edge : new double[] {0, BETA_MAX}) { // the maximum may sit on a bound
            double f = logLikelihood(q, actions, edge);
            if (f > best[1]) {
                best = new double[] {edge, f};
            }
        }
        return best;
    }
}
