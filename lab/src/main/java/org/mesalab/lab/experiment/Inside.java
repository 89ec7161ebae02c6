package org.mesalab.lab.experiment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.interp.Probes;
import org.mesalab.agents.interp.Steering;
import org.mesalab.agents.interp.SteeringVector;
import org.mesalab.agents.interp.Trajectories;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Outcome;

/**
 * The spec's diagnoses of a model-free run's insides ({@code probes}, {@code steering}, {@code mesa}), as
 * store payloads: what {@code mesalab probe}, {@code steer} and {@code mesa} print for one run with their
 * defaults, on the run's last evaluation split (evaluation seed 0's levels). Probes fit on as many levels as the
 * spec evaluates episodes (at most {@link #LEVELS}) and score on as many others.
 */
final class Inside {
    static final int LEVELS = 100;
    static final List<Double> COEFFICIENTS = List.of(-2.0, -1.0, 1.0, 2.0);
    static final List<Integer> THINKING = List.of(0, 1, 2, 4, 8);
    static final List<Integer> AHEAD = List.of(1, 2, 4, 8);

    private Inside() {
    }

    /**
     * The requested kinds ({@code probes}, {@code steering}, {@code mesa}) of one run as diagnoses rows, in that
     * order. The policy is loaded once, and the probes of both kinds (goal items and the agent's cell; plan
     * probes) read one set of recorded episodes in one fit per target and layer.
     */
    static List<Map<String, Object>> diagnose(Path dir, RunManifest m, String split, int episodes, long seed, List<String> kinds) {
        List<Map<String, Object>> out = new ArrayList<>();
        try (PpoPolicy p = PpoPolicy.load(dir, seed, false)) {
            Distribution d = m.distribution(split);
            List<String> probeTargets = new ArrayList<>();
            List<String> planTargets = new ArrayList<>();
            Probes probes = null;
            if (kinds.contains("probes") || kinds.contains("mesa")) {
                int levels = Math.min(LEVELS, episodes);
                Trajectories fit = Trajectories.collect(p.with(null, 0, seed, p.name()), d, m.heldOutStart(split) + Probes.FIT_OFFSET, levels, Integer.MAX_VALUE);
                Trajectories score = Trajectories.collect(p.with(null, 0, seed + 1, p.name()), d, m.heldOutStart(split), levels, Integer.MAX_VALUE);
                if (kinds.contains("probes")) { // where the goal items and the agent are
                    for (String item : fit.steps().get(0).items().keySet()) {
                        probeTargets.add(item + "_position");
                    }
                    probeTargets.add("agent_position");
                }
                if (kinds.contains("mesa")) { // plan probes: the agent's future
                    for (int k : AHEAD) {
                        planTargets.add("future_position:" + k);
                    }
                    planTargets.add("next_action");
                }
                List<String> all = new ArrayList<>(probeTargets);
                all.addAll(planTargets);
                probes = Probes.run(p, fit, score, all, p.network().layerNames(), seed * 7919 + 17);
            }
            if (kinds.contains("probes")) {
                out.add(Map.of("split", split, "kind", "probes", "payload", rows(probes, probeTargets)));
            }
            if (kinds.contains("steering")) {
                out.add(Map.of("split", split, "kind", "steering", "payload", steering(p, m, d, split, episodes, seed)));
            }
            if (kinds.contains("mesa")) {
                Map<String, Object> mesa = new LinkedHashMap<>();
                mesa.put("thinking", thinking(p, m, d, split, episodes, seed));
                mesa.put("plan_probes", rows(probes, planTargets));
                out.add(Map.of("split", split, "kind", "mesa", "payload", mesa));
            }
        }
        return out;
    }

    /**
     * Each level's own vector of the intended goal's item (the item named like the intended objective: maze's
     * cheese, coinrun's coin; Turner et al.'s protocol) at the first layer after the input, unsteered and at each
     * coefficient; empty when the env has no such item.
     */
    private static List<Map<String, Object>> steering(PpoPolicy p, RunManifest m, Distribution d, String split, int episodes, long seed) {
        String item = m.type().intended().name();
        List<Map<String, Object>> rows = new ArrayList<>();
        Env probe = d.create();
        probe.reset(d.levelSeed(m.heldOutStart(split)));
        if (!(probe.items().get(item) instanceof int[])) {
            return rows;
        }
        int layer = 1;
        SteeringVector mean = SteeringVector.ofItem(p, d, m.heldOutStart(split) + Probes.FIT_OFFSET, Steering.VECTOR_LEVELS, item, null, layer);
        if (mean == null) {
            return rows;
        }
        SteeringVector v = SteeringVector.perLevel(mean, item);
        rows.add(row(null, v, p.network().layerNames().get(layer), Steering.measure(p, null, 0, d, m.heldOutStart(split), episodes, seed)));
        for (double c : COEFFICIENTS) {
            rows.add(row(c, v, p.network().layerNames().get(layer), Steering.measure(p, v, c, d, m.heldOutStart(split), episodes, seed)));
        }
        return rows;
    }

    /** Thinking time: extra recurrent steps on the first observation (recurrent networks only; empty otherwise). */
    private static List<Map<String, Object>> thinking(PpoPolicy p, RunManifest m, Distribution d, String split, int episodes, long seed) {
        List<Map<String, Object>> thinking = new ArrayList<>();
        if (PpoConfig.of(m).lstmSize() > 0) {
            for (int k : THINKING) {
                Evaluator.Summary s = Evaluator.evaluate(p.with(null, k, seed, p.name()), d, episodes, m.heldOutStart(split));
                Evaluator.Summary t = Evaluator.evaluate(p.with(null, k, seed, p.name()), m.distribution("train"), episodes, m.heldOutStart("train"));
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("thinking", k);
                for (Outcome o : Outcome.values()) {
                    row.put(o.id(), s.outcomes().get(o).value());
                }
                row.put("train_success", t.intendedSuccess().value());
                thinking.add(row);
            }
        }
        return thinking;
    }

    private static List<Map<String, Object>> rows(Probes probes, List<String> targets) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String target : targets) {
            for (Probes.Layer l : probes.results().get(target)) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("target", target);
                r.put("layer", l.layer());
                r.put("accuracy", l.trained().accuracy());
                r.put("control", l.control().accuracy());
                r.put("chance", l.trained().chance());
                r.put("score_samples", l.trained().scoreSamples());
                rows.add(r);
            }
        }
        return rows;
    }

    private static Map<String, Object> row(Double coefficient, SteeringVector v, String layer, Steering.Row s) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("vector", v.name());
        r.put("layer", layer);
        r.put("coefficient", coefficient);
        for (Outcome o : Outcome.values()) {
            r.put(o.id(), s.outcomes().get(o));
        }
        r.put("p_intended_action_median", s.medianTowardGoal());
        r.put("decision_squares", s.squares());
        return r;
    }
}
