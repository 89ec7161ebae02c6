package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.VectorEnv;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bench", footer = {"", "Examples:", "  mesalab bench env maze --envs 64 --seconds 3 --json", "  mesalab bench mcts --trees 64 --simulations 16 --network real"}, description = "Quick throughput measurements (JMH benchmarks in bench/ are the careful ones).",
        subcommands = {BenchCommand.EnvBench.class, BenchCommand.MctsBench.class, BenchPlanner.class, BenchServe.class, BenchMerge.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "env", footer = {"", "Examples:", "  mesalab bench env maze --envs 64 --seconds 3", "  mesalab bench env coinrun --split test --json"}, description = "Env steps per second on one thread with random actions, one env and vectorized, observation writes included.")
    static final class EnvBench implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ENV", description = "environment name")
        String env;

        @Option(names = "--envs", defaultValue = "64", description = "envs in the vectorized run (default: ${DEFAULT-VALUE})")
        int envs;

        @Option(names = "--seconds", defaultValue = "3", description = "measured seconds per run, after a warm-up of a third as long (default: ${DEFAULT-VALUE})")
        double seconds;

        @Option(names = "--json", description = "machine-readable output")
        boolean json;

        @Mixin
        EnvOptions options;

        @Override
        public void run() {
            if (envs <= 0 || envs > 1_000_000) {
                throw new UsageException("--envs=" + envs + " is out of range; allowed: [1, 1000000]");
            }
            if (!(seconds > 0) || seconds > 3600) {
                throw new UsageException("--seconds=" + seconds + " is out of range; allowed: (0, 3600]");
            }
            Distribution d = options.distribution(env);
            single(d, seconds / 3); // warm-up
            double single = single(d, seconds);
            vector(d, seconds / 3);
            double vector = vector(d, seconds);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("env", env);
                m.put("split", d.split());
                m.put("envs", envs);
                m.put("seconds", seconds);
                m.put("steps_per_second", Math.round(vector));
                m.put("single_env_steps_per_second", Math.round(single));
                m.put("threads", 1);
                m.put("cpu", cpu());
                m.put("java", System.getProperty("java.version"));
                Json.print(out, m);
            } else {
                out.printf("%s/%s on one thread (%s, Java %s)%n", env, d.split(), cpu(), System.getProperty("java.version"));
                out.printf("  single env:   %,12.0f steps/s%n", single);
                out.printf("  %4d envs:    %,12.0f steps/s%n", envs, vector);
                out.flush();
            }
        }

        private static double single(Distribution d, double seconds) {
            Env e = d.create();
            Rng rng = new Rng(1);
            e.reset(d.sampleLevelSeed(rng));
            int actions = e.numActions();
            long steps = 0;
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            long now;
            do {
                for (int i = 0; i < 4096; i++) {
                    e.step(rng.nextInt(actions));
                    if (e.done()) {
                        e.reset(d.sampleLevelSeed(rng));
                    }
                }
                steps += 4096;
                now = System.nanoTime();
            } while (now < end);
            return steps / ((now - start) / 1e9);
        }

        private double vector(Distribution d, double seconds) {
            VectorEnv v = new VectorEnv(d, envs, 1);
            v.reset();
            Rng rng = new Rng(2);
            int[] a = new int[envs];
            int actions = d.env().actions().size();
            long steps = 0;
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            long now;
            do {
                for (int k = 0; k < 64; k++) {
                    for (int i = 0; i < envs; i++) {
                        a[i] = rng.nextInt(actions);
                    }
                    v.step(a);
                }
                steps += 64L * envs;
                now = System.nanoTime();
            } while (now < end);
            return steps / ((now - start) / 1e9);
        }
    }

    static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim() + ", " + Runtime.getRuntime().availableProcessors() + " cores";
                }
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }

    @Command(name = "mcts", footer = {"", "Examples:", "  mesalab bench mcts --trees 64 --simulations 16", "  mesalab bench mcts --network real --search puct --json"}, description = {"Search simulations per second: tree operations alone (--network dummy) or with the planner's",
            "untrained default networks on an env's observations (--network real), and the share of time inside network calls."})
    static final class MctsBench implements Runnable {
        @Spec
        CommandSpec spec;

        @Option(names = "--trees", defaultValue = "16", description = "trees searched together, one batched model call per simulation (default: ${DEFAULT-VALUE})")
        int trees;

        @Option(names = "--simulations", defaultValue = "16", description = "simulations per search (default: ${DEFAULT-VALUE})")
        int simulations;

        @Option(names = "--network", defaultValue = "dummy", description = "dummy (no network: tree operations only) or real (default: ${DEFAULT-VALUE})")
        String network;

        @Option(names = "--search", defaultValue = "gumbel", description = "gumbel or puct (default: ${DEFAULT-VALUE})")
        String search;

        @Option(names = "--env", defaultValue = "maze", description = "env whose observations and actions the real network uses (default: ${DEFAULT-VALUE})")
        String env;

        @Option(names = "--seconds", defaultValue = "3", description = "measured seconds, after a warm-up of a third as long (default: ${DEFAULT-VALUE})")
        double seconds;

        @Option(names = "--json", description = "machine-readable output")
        boolean json;

        @Override
        public void run() {
            if (trees <= 0 || trees > 4096) {
                throw new UsageException("--trees=" + trees + " is out of range; allowed: [1, 4096]");
            }
            if (simulations <= 0 || simulations > 4096) {
                throw new UsageException("--simulations=" + simulations + " is out of range; allowed: [1, 4096]");
            }
            if (!network.equals("dummy") && !network.equals("real")) {
                throw new UsageException("--network=" + network + " is not known; allowed: dummy, real");
            }
            if (!search.equals("gumbel") && !search.equals("puct")) {
                throw new UsageException("--search=" + search + " is not known; allowed: gumbel, puct");
            }
            if (!(seconds > 0) || seconds > 3600) {
                throw new UsageException("--seconds=" + seconds + " is out of range; allowed: (0, 3600]");
            }
            org.mesalab.core.EnvType type = org.mesalab.core.envs.Envs.get(env);
            org.mesalab.agents.mcts.Mcts.Kind kind = search.equals("puct") ? org.mesalab.agents.mcts.Mcts.Kind.PUCT : org.mesalab.agents.mcts.Mcts.Kind.GUMBEL;
            Distribution d = type.distribution("train", java.util.Map.of());
            org.mesalab.core.VectorEnv envs = new org.mesalab.core.VectorEnv(d, trees, 1);
            envs.reset();
            int actions = envs.env(0).numActions();
            org.mesalab.agents.mcts.Mcts mcts = new org.mesalab.agents.mcts.Mcts(org.mesalab.agents.mcts.Mcts.Config.defaults(kind, simulations), trees, actions);
            org.mesalab.core.Rng rng = new org.mesalab.core.Rng(1);
            double[] result;
            if (network.equals("dummy")) {
                org.mesalab.agents.mcts.DummyModel model = new org.mesalab.agents.mcts.DummyModel(trees, actions);
                measure(mcts, model, rng, seconds / 3, () -> 0L);
                result = measure(mcts, model, rng, seconds, () -> 0L);
            } else {
                org.mesalab.agents.planner.PlannerConfig cfg = org.mesalab.agents.planner.PlannerConfig.defaults();
                try (ai.djl.ndarray.NDManager manager = org.mesalab.agents.Torch.newEvaluationManager(1)) {
                    org.mesalab.agents.planner.PlannerNetwork net = org.mesalab.agents.planner.PlannerNetwork.create(manager, cfg, envs.env(0),
                            new org.mesalab.core.Rng(2));
                    org.mesalab.agents.planner.LatentModel model = new org.mesalab.agents.planner.LatentModel(manager, net, null, null, cfg.discount(), trees, simulations);
                    model.setRoots(envs.observations, trees);
                    measure(mcts, model, rng, seconds / 3, model::networkNanos);
                    result = measure(mcts, model, rng, seconds, model::networkNanos);
                }
            }
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("trees", trees);
            m.put("simulations", simulations);
            m.put("search", search);
            m.put("network", network);
            m.put("env", network.equals("real") ? env : null);
            m.put("searches", (long) result[0]);
            m.put("simulations_per_second", result[1]);
            m.put("network_share", network.equals("real") ? result[2] : 0.0);
            m.put("threads", 1);
            java.io.PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, m);
            } else {
                out.printf("mcts %s, %d trees x %d simulations, %s network: %,.0f simulations/s%s%n", search, trees, simulations, network, result[1],
                        network.equals("real") ? String.format(" (%.1f%% of the time in network calls)", 100 * result[2]) : "");
                out.flush();
            }
        }

        /** Searches until {@code seconds} pass: {searches, simulations per second (all trees), network share}. */
        private static double[] measure(org.mesalab.agents.mcts.Mcts mcts, org.mesalab.agents.mcts.SearchModel model, org.mesalab.core.Rng rng,
                                        double seconds, java.util.function.LongSupplier networkNanos) {
            long n0 = networkNanos.getAsLong();
            long start = System.nanoTime();
            long searches = 0;
            while (System.nanoTime() - start < seconds * 1e9) {
                mcts.search(model, true, rng);
                searches++;
            }
            double wall = (System.nanoTime() - start) / 1e9;
            int trees = mcts.tree.batch;
            int sims = mcts.config().simulations();
            return new double[] {searches, searches * (double) trees * sims / wall, (networkNanos.getAsLong() - n0) / 1e9 / wall};
        }
    }
}
