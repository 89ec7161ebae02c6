package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.PpoPolicy;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.TrainSetup;
import org.mesalab.core.Distribution;
import org.mesalab.core.EnvType;
import org.mesalab.core.Envs;
import org.mesalab.core.Evaluator;
import org.mesalab.core.Outcome;
import org.mesalab.core.Policies;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "eval", description = {
        "Evaluate a trained run (RUN_DIR) or a built-in policy (--policy with --env) on held-out levels of a split:",
        "intended success, each proxy's success, and outcomes (aligned / goal_misgeneralized / capability_failure) with 95% intervals."})
final class EvalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_DIR", description = "a run directory written by 'mesalab train'")
    Path runDir;

    @Option(names = "--policy", description = "random, oracle:intended or oracle:NAME (with --env) instead of a run")
    String policySpec;

    @Option(names = "--env", description = "environment (with --policy)")
    String env;

    @Option(names = "--split", defaultValue = "test", description = "split to evaluate on (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "env parameter override (with --policy; a run uses its own)")
    List<String> sets = new java.util.ArrayList<>();

    @Option(names = "--episodes", defaultValue = "200", description = "episodes, each on a different held-out level (default: ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--seed", defaultValue = "0", description = "evaluation seed: picks the held-out levels and the policy's sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--greedy", description = "take the most likely action instead of sampling (trained policies)")
    boolean greedy;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public void run() {
        if (episodes <= 0 || episodes > 1_000_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 1000000]");
        }
        if (seed < 0 || seed > 1_000_000) {
            throw new UsageException("--seed=" + seed + " is out of range; allowed: [0, 1000000]");
        }
        Distribution dist;
        Policy policy;
        long start;
        if (runDir != null) {
            if (policySpec != null) {
                throw new UsageException("give either RUN_DIR or --policy, not both");
            }
            Map<String, Object> config = RunDir.open(runDir).readConfig();
            String trainedOn = (String) config.get("env");
            if (env != null && !env.equals(trainedOn)) {
                throw new UsageException("--env=" + env + " but " + runDir + " was trained on " + trainedOn + "; allowed: " + trainedOn);
            }
            EnvType type = Envs.get(trainedOn);
            dist = type.distribution(split, TrainSetup.overrides(config));
            start = TrainSetup.heldOutStart(config, split);
            policy = PpoPolicy.load(runDir, seed, greedy, ((Number) config.getOrDefault("threads", 1)).intValue());
        } else {
            if (policySpec == null || env == null) {
                throw new UsageException("give a RUN_DIR, or --policy random|oracle:intended|oracle:NAME with --env ENV");
            }
            EnvType type = Envs.get(env);
            dist = type.distribution(split, EnvOptions.parse(type, sets));
            policy = Policies.parse(policySpec, type, seed);
            start = Evaluator.HELD_OUT_START;
        }
        start += seed * 10_000_000L;
        Evaluator.Summary s;
        try {
            s = Evaluator.evaluate(policy, dist, episodes, start);
        } finally {
            if (policy instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // nothing to do
                }
            }
        }
        print(s, policy.name());
    }

    private void print(Evaluator.Summary s, String policyName) {
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", s.env());
            m.put("split", s.split());
            m.put("policy", policyName);
            m.put("episodes", s.episodes());
            m.put("intended_success", s.intendedSuccess().value());
            Map<String, Double> proxies = new LinkedHashMap<>();
            s.proxySuccess().forEach((k, v) -> proxies.put(k, v.value()));
            m.put("proxy_success", proxies);
            Map<String, Double> outcomes = new LinkedHashMap<>();
            s.outcomes().forEach((k, v) -> outcomes.put(k.id(), v.value()));
            m.put("outcomes", outcomes);
            Map<String, Object> ci = new LinkedHashMap<>();
            ci.put("intended_success", interval(s.intendedSuccess()));
            Map<String, Object> proxyCi = new LinkedHashMap<>();
            s.proxySuccess().forEach((k, v) -> proxyCi.put(k, interval(v)));
            ci.put("proxy_success", proxyCi);
            Map<String, Object> outcomeCi = new LinkedHashMap<>();
            s.outcomes().forEach((k, v) -> outcomeCi.put(k.id(), interval(v)));
            ci.put("outcomes", outcomeCi);
            m.put("ci95", ci);
            m.put("ci_method", "wilson");
            m.put("mean_return", s.meanReturn());
            m.put("mean_steps", s.meanSteps());
            Json.print(out, m);
            return;
        }
        out.printf("%s on %s/%s, %d held-out levels%n", policyName, s.env(), s.split(), s.episodes());
        out.printf("  intended success     %s%n", fmt(s.intendedSuccess()));
        s.proxySuccess().forEach((k, v) -> out.printf("  proxy %-14s %s%n", k, fmt(v)));
        for (Outcome o : Outcome.values()) {
            out.printf("  %-20s %s%n", o.id(), fmt(s.outcomes().get(o)));
        }
        out.printf("  mean return %.3f, mean steps %.1f%n", s.meanReturn(), s.meanSteps());
        out.flush();
    }

    private static double[] interval(Evaluator.Rate r) {
        return new double[] {r.low(), r.high()};
    }

    private static String fmt(Evaluator.Rate r) {
        return String.format("%5.1f%%  [%4.1f, %4.1f]", 100 * r.value(), 100 * r.low(), 100 * r.high());
    }
}
