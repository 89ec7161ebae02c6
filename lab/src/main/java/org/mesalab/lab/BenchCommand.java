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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", description = "Quick throughput measurements (JMH benchmarks in bench/ are the careful ones).",
        subcommands = {BenchCommand.EnvBench.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "env", description = "Env steps per second on one thread with random actions, one env and vectorized, observation writes included.")
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
}
