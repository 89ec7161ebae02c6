package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.planner.PlannerPolicy;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.eval.Evaluator;
import org.mesalab.core.eval.Policies;

/**
 * What eval, diagnose and heatmap look at: a trained run (RUN_DIR, evaluated on its own env; a split means
 * the same levels for every run, see {@link RunManifest#distribution}) or a built-in policy on an env, plus the
 * held-out levels to use.
 *
 * @param start   first level index (held out from training; shifted by the evaluation seed)
 * @param warning why the outcome rates may not mean what the split's name says (see
 *                {@link RunManifest#sameAsTraining}); null when there is nothing to say
 * @param source  which parameters a run's policy has: "policy.bin", or "checkpoint U of N" for a run
 *                whose training did not finish; null for a built-in policy
 */
record Subject(Distribution distribution, Policy policy, long start, String warning, String source) implements AutoCloseable {

    Subject(Distribution distribution, Policy policy, long start) {
        this(distribution, policy, start, null, null);
    }

    /** How to load a planner run: the objective slot (null: learned), the refit split, the search budget (0: as trained). */
    record PlannerChoice(String objective, String refitSplit, int simulations) {
        static final PlannerChoice DEFAULT = new PlannerChoice(null, "train", 0);

        boolean isDefault() {
            return objective == null && simulations == 0;
        }
    }

    static Subject of(Path runDir, String policySpec, String env, String split, List<String> sets, long seed, boolean greedy, PlannerChoice planner,
                      PrintWriter err) {
        if (seed < 0 || seed > 1_000_000) {
            throw new UsageException("--seed=" + seed + " is out of range; allowed: [0, 1000000]");
        }
        long offset = seed * 10_000_000L;
        if (runDir != null) {
            if (policySpec != null) {
                throw new UsageException("give either RUN_DIR or --policy, not both");
            }
            if (!sets.isEmpty()) {
                throw new UsageException("--set " + sets.get(0) + " applies to --policy; a run is evaluated on its env's split as it was trained"
                        + " (see RunManifest.distribution); allowed with RUN_DIR: --split");
            }
            RunDir run = RunDir.open(runDir);
            RunManifest m = run.readManifest();
            RunDir.PolicyFile pf = run.policyFile(m.plannedIterations());
            if (!pf.finished()) {
                err.println("mesalab: warning: " + runDir + " has no policy.bin (its training did not finish); using its " + pf.source()
                        + " (finish it: mesalab train --resume " + runDir + ")");
                err.flush();
            }
            if (env != null && !env.equals(m.env())) {
                throw new UsageException("--env=" + env + " but " + runDir + " was trained on " + m.env() + "; allowed: " + m.env());
            }
            Distribution d = m.distribution(split);
            long start = m.heldOutStart(split) + offset;
            String warning = m.sameAsTraining(split);
            if (warning != null) {
                err.println("mesalab: warning: " + runDir + ": " + warning);
                err.flush();
            }
            if (m.isPlanner()) {
                PlannerPolicy p = PlannerPolicy.load(runDir, planner.objective() == null ? "learned" : planner.objective(), planner.refitSplit(),
                        planner.simulations(), seed, greedy);
                if (p.refitNote() != null) {
                    err.println(p.refitNote());
                    err.flush();
                }
                return new Subject(d, p, start, warning, pf.source());
            }
            if (!planner.isDefault()) {
                throw new UsageException("--objective and --simulations apply to planner runs; " + runDir + " is a " + m.algo() + " run");
            }
            return new Subject(d, PpoPolicy.load(runDir, seed, greedy), start, warning, pf.source());
        }
        if (!planner.isDefault()) {
            throw new UsageException("--objective and --simulations apply to planner runs (RUN_DIR), not to --policy");
        }
        if (policySpec == null || env == null) {
            throw new UsageException("give a RUN_DIR, or --policy random|oracle:intended|oracle:NAME with --env ENV");
        }
        EnvType type = Envs.get(env);
        Distribution d = type.distribution(split, type.parseOverrides(sets));
        return new Subject(d, Policies.parse(policySpec, type, seed), Evaluator.HELD_OUT_START + offset);
    }

    /** Plays {@code episodes} episodes of the policy on consecutive held-out levels, from {@link #start}. */
    List<Episode> play(int episodes) {
        List<Episode> eps = new java.util.ArrayList<>();
        Episode.playAll(distribution, policy, start, episodes, (ep, env) -> eps.add(ep));
        return eps;
    }

    @Override
    public void close() {
        policy.close();
    }
}
