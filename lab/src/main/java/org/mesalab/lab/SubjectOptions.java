package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The options that name what eval, diagnose and heatmap look at: a run directory or a built-in policy on an env. */
final class SubjectOptions {
    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_DIR", description = "a run directory written by 'mesalab train'")
    Path runDir;

    @Option(names = "--policy", description = "random, oracle:intended or oracle:NAME (with --env) instead of a run")
    String policySpec;

    @Option(names = "--env", description = "environment (with --policy; with a run, it must be the run's)")
    String env;

    @Option(names = "--split", defaultValue = "test", description = "split to play (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "env parameter override (with --policy; a run uses its own)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "0", description = "evaluation seed: picks the held-out levels and the policy's sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--objective", paramLabel = "SLOT", description = "planner runs: the objective the search maximizes: learned (default), "
            + "events:EXPR (e.g. events:cheese; its value head is refit, the world model frozen) or true:NAME (true simulator, exact values)")
    String objective;

    @Option(names = "--refit-split", paramLabel = "SPLIT", defaultValue = "train",
            description = "planner runs with --objective events:...: the split whose levels the value head is refit on (default: ${DEFAULT-VALUE})")
    String refitSplit;

    @Option(names = "--simulations", defaultValue = "0", description = "planner runs: simulations per search; 0: as trained (default: ${DEFAULT-VALUE})")
    int simulations;

    /** @param err where notes go (a warning about the split, the planner's refit data) */
    Subject open(boolean greedy, PrintWriter err) {
        return Subject.of(runDir, policySpec, env, split, sets, seed, greedy, planner(), err);
    }

    Subject.PlannerChoice planner() {
        return new Subject.PlannerChoice(objective, refitSplit, simulations);
    }
}
