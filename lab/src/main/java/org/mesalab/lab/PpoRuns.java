package org.mesalab.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.stats.Stats;

/**
 * What probe, steer, mesa and activations share: the PPO runs they read (one env for all, checked before
 * any work), the levels they use, and numbers over runs (mean with a 95% bootstrap interval over runs,
 * the same statistic as the report's).
 */
final class PpoRuns {
    /** The same level ranges for every evaluation seed, as in {@link Subject}. */
    static final long SEED_STRIDE = 10_000_000L;

    private PpoRuns() {
    }

    /** The runs' manifests, refusing a planner run, a run that is not there, or runs of different envs. */
    static List<RunManifest> check(List<Path> runs, long seed) {
        return check(runs, seed, false);
    }

    /** As {@link #check(List, long)}, with planner runs allowed when {@code planners}, but not mixed with PPO runs. */
    static List<RunManifest> check(List<Path> runs, long seed, boolean planners) {
        if (runs == null || runs.isEmpty()) {
            throw new UsageException("give at least one RUN_DIR (a " + (planners ? "PPO or planner" : "PPO") + " run written by 'mesalab train')");
        }
        if (seed < 0 || seed > 100) {
            throw new UsageException("--seed=" + seed + " is out of range; allowed: [0, 100]");
        }
        List<RunManifest> out = new ArrayList<>();
        for (Path run : runs) {
            if (!Files.isDirectory(run)) {
                throw new UsageException(run + " is not a run directory; allowed: a directory written by 'mesalab train'");
            }
            RunManifest m = RunDir.open(run).readManifest();
            if (!out.isEmpty() && out.get(0).isPlanner() != m.isPlanner()) {
                throw new UsageException(run + " is a " + m.algo() + " run but " + runs.get(0) + " a " + out.get(0).algo()
                        + " run; allowed: runs of one learner (they are averaged as seeds)");
            }
            if (m.isPlanner() && !planners) {
                throw new UsageException(run + " is a planner run (algo=" + m.algo() + "); allowed: PPO runs (a planner's objective is a slot: mesalab eval --objective)");
            }
            if (!out.isEmpty() && !out.get(0).env().equals(m.env())) {
                throw new UsageException(run + " was trained on " + m.env() + " but " + runs.get(0) + " on " + out.get(0).env() + "; allowed: runs of one env");
            }
            out.add(m);
        }
        return out;
    }

    static void checkSplit(RunManifest m, String split, String option) {
        if (!m.type().splits().containsKey(split)) {
            throw new UsageException(option + "=" + split + " is not a split of " + m.env() + "; allowed: " + String.join(", ", m.type().splits().keySet()));
        }
    }

    /** The first scored level of {@code split} for evaluation seed {@code seed} (eval's levels). */
    static long scored(RunManifest m, String split, long seed) {
        return m.heldOutStart(split) + seed * SEED_STRIDE;
    }

    /** The first fitting level of {@code split}: held out from training and from the scored levels. */
    static long fitting(RunManifest m, String split, long seed) {
        return scored(m, split, seed) + org.mesalab.agents.interp.Probes.FIT_OFFSET;
    }

    static PpoPolicy load(Path run, long seed) {
        return PpoPolicy.load(run, seed, false);
    }

    /** Mean over runs with a 95% bootstrap interval (none from one run). */
    static Stats.Estimate overRuns(double[] perRun) {
        double[][] s = new double[perRun.length][1];
        for (int i = 0; i < perRun.length; i++) {
            s[i][0] = perRun[i];
        }
        if (perRun.length < 2) {
            return new Stats.Estimate(perRun.length == 0 ? Double.NaN : perRun[0], Double.NaN, Double.NaN);
        }
        return Stats.bootstrap(s, Stats::mean, 10_000, new Rng(0));
    }

    static String text(double[] perRun) {
        Stats.Estimate e = overRuns(perRun);
        if (Double.isNaN(e.low())) {
            return String.format(Locale.ROOT, "%.3f", e.value());
        }
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", e.value(), e.low(), e.high());
    }

    static Map<String, Object> json(double[] perRun) {
        Stats.Estimate e = overRuns(perRun);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", e.value());
        m.put("ci95", new double[] {e.low(), e.high()});
        m.put("per_run", perRun);
        return m;
    }

    /** Layer names chosen by {@code --layer}: one name, or {@code all}. */
    static List<String> layers(List<String> names, String layer) {
        if (layer.equals("all")) {
            return names;
        }
        if (!names.contains(layer)) {
            throw new UsageException("--layer " + layer + " is not a layer of this network; allowed: all, " + String.join(", ", names));
        }
        return List.of(layer);
    }
}
