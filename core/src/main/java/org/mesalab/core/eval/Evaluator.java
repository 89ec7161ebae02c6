package org.mesalab.core.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.Params;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;

/**
 * Plays a policy on held-out levels of a distribution and summarizes what it achieved: the intended
 * success rate, each proxy's success rate, and the outcome of every episode, with 95% Wilson score
 * intervals for the rates (Wilson 1927; a binomial interval that behaves at rates near 0 and 1).
 */
public final class Evaluator {
    /** Level index where held-out evaluation levels begin when training used the whole split: the upper half of it. */
    public static final long HELD_OUT_START = Distribution.LEVELS_PER_SPLIT / 2;

    private Evaluator() {
    }

    /** One evaluated episode with its outcome and per-objective success. */
    public record Record(Episode episode, Outcome outcome, Map<String, Boolean> achieved) {
    }

    /** A rate with its 95% interval. */
    public record Rate(double value, double low, double high) {
        public static Rate of(int successes, int n) {
            if (n == 0) {
                return new Rate(Double.NaN, Double.NaN, Double.NaN);
            }
            double p = (double) successes / n;
            double z = 1.959963984540054;
            double denom = 1 + z * z / n;
            double centre = (p + z * z / (2.0 * n)) / denom;
            double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denom;
            return new Rate(p, Math.max(0, centre - half), Math.min(1, centre + half));
        }
    }

    /**
     * Summary of an evaluation.
     *
     * @param params         the evaluated distribution's full generator parameters (what "split" meant here)
     * @param firstLevelSeed the seed of the first evaluated level; the others follow it consecutively
     * @param causes         how episodes ended ({@link Episode#cause()}) as rates
     * @param failureModes   env-specific failure modes as rates: {@code lava} (touched lava at least once) for
     *                       envs with lava, {@code death} for envs that can kill
     * @param separating     the outcomes on the levels that separate the goals only (no proxy's oracle reaches the
     *                       intended goal there, {@link Separation}); on the others "aligned" may be an accident
     * @param separatingLevels how many of the evaluated levels separate the goals
     */
    public record Summary(String env, String split, Params params, long firstLevelSeed, int episodes, Rate intendedSuccess, Map<String, Rate> proxySuccess,
                          Map<Outcome, Rate> outcomes, Map<String, Rate> causes, Map<String, Rate> failureModes,
                          double meanReturn, double meanSteps, List<Record> records, Map<Outcome, Rate> separating, int separatingLevels) {

        /** The outcomes on the separating levels, for JSON: the level count and each outcome's rate and 95% interval. */
        public Map<String, Object> separatingJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("levels", separatingLevels);
            Map<String, Object> rates = new LinkedHashMap<>();
            separating.forEach((o, r) -> rates.put(o.id(), Map.of("rate", r.value(), "ci95", new double[] {r.low(), r.high()})));
            m.put("outcomes", rates);
            return m;
        }

        /** What was evaluated, for JSON: the split's name, its full generator parameters, the first level seed and the level count. */
        public Map<String, Object> levels() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("split", split);
            m.put("params", params.asJson());
            m.put("first_level_seed", firstLevelSeed);
            m.put("levels", episodes);
            return m;
        }
    }

    /**
     * Plays {@code episodes} episodes of {@code policy} on levels {@code startIndex, startIndex + 1, ...}
     * of {@code dist}.
     */
    public static Summary evaluate(Policy policy, Distribution dist, int episodes, long startIndex) {
        if (episodes <= 0) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: a positive integer");
        }
        EnvType t = dist.env();
        List<Record> records = new ArrayList<>();
        Map<String, Integer> proxies = new LinkedHashMap<>();
        Map<Outcome, Integer> outcomes = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            outcomes.put(o, 0);
        }
        for (Objective p : t.proxies()) {
            proxies.put(p.name(), 0);
        }
        Map<String, Integer> causes = new LinkedHashMap<>();
        for (String c : List.of("terminal", "death", "timeout")) {
            causes.put(c, 0);
        }
        Map<String, Integer> failures = new LinkedHashMap<>();
        for (Event e : List.of(Event.LAVA, Event.DEATH)) {
            if (t.events().contains(e)) {
                failures.put(e.id(), 0);
            }
        }
        int[] counters = new int[1];
        double[] sums = new double[2];
        Episode.playAll(dist, policy, startIndex, episodes, (ep, env) -> {
            Map<String, Boolean> achieved = new LinkedHashMap<>();
            for (Objective o : t.objectives()) {
                achieved.put(o.name(), ep.achieved(o, env));
            }
            Outcome outcome = Outcome.of(ep, env);
            records.add(new Record(ep, outcome, achieved));
            counters[0] += achieved.get(t.intended().name()) ? 1 : 0;
            for (Objective p : t.proxies()) {
                proxies.merge(p.name(), achieved.get(p.name()) ? 1 : 0, Integer::sum);
            }
            outcomes.merge(outcome, 1, Integer::sum);
            sums[0] += ep.intendedReturn();
            sums[1] += ep.steps();
            causes.merge(ep.cause(), 1, Integer::sum);
            for (String f : failures.keySet()) {
                failures.merge(f, ep.eventCounts()[Event.byId(f).ordinal()] > 0 ? 1 : 0, Integer::sum);
            }
        });
        int intended = counters[0];
        double ret = sums[0];
        double steps = sums[1];
        Map<String, Rate> proxyRates = new LinkedHashMap<>();
        proxies.forEach((k, v) -> proxyRates.put(k, Rate.of(v, episodes)));
        Map<Outcome, Rate> outcomeRates = new LinkedHashMap<>();
        outcomes.forEach((k, v) -> outcomeRates.put(k, Rate.of(v, episodes)));
        Map<String, Rate> causeRates = new LinkedHashMap<>();
        causes.forEach((k, v) -> causeRates.put(k, Rate.of(v, episodes)));
        Map<String, Rate> failureRates = new LinkedHashMap<>();
        failures.forEach((k, v) -> failureRates.put(k, Rate.of(v, episodes)));
        Map<Outcome, Integer> separated = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            separated.put(o, 0);
        }
        int separatingLevels = 0;
        Env probe = dist.create();
        for (Record r : records) {
            if (Separation.separates(t, probe, r.episode().levelSeed())) {
                separatingLevels++;
                separated.merge(r.outcome(), 1, Integer::sum);
            }
        }
        Map<Outcome, Rate> separatingRates = new LinkedHashMap<>();
        for (Map.Entry<Outcome, Integer> e : separated.entrySet()) {
            separatingRates.put(e.getKey(), Rate.of(e.getValue(), separatingLevels));
        }
        return new Summary(t.name(), dist.split(), dist.params(), dist.levelSeed(startIndex), episodes, Rate.of(intended, episodes), proxyRates, outcomeRates,
                causeRates, failureRates, ret / episodes, steps / episodes, records, separatingRates, separatingLevels);
    }
}
