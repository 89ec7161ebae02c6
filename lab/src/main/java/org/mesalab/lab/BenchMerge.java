package org.mesalab.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.experiment.Spec;
import org.mesalab.lab.experiment.Store;
import org.mesalab.lab.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * What a cluster's driver does per finished run, at the scale of a study: RUNS synthetic run records (the shape
 * of a PPO maze run: its training log, two evaluated splits, EPISODES episodes each, two heatmaps), each read from
 * its JSON as a task returns it and written to a fresh store in its own transaction; then the report over all of them.
 */
@Command(name = "merge", footer = {"", "Examples:", "  mesalab bench merge --runs 500 --episodes 300 --json"},
        description = {"The driver's merge at the scale of a study: RUNS synthetic run records, each parsed from JSON and written to a fresh",
            "store in one transaction, then the report over all of them; seconds in all and per run."})
final class BenchMerge implements Runnable {
    @picocli.CommandLine.Spec
    CommandSpec spec;

    @Option(names = "--runs", defaultValue = "500", description = "run records merged (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--episodes", defaultValue = "300", description = "episodes per evaluated split of each run (default: ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public void run() {
        if (runs < 1 || runs > 100_000) {
            throw new UsageException("--runs=" + runs + " is out of range; allowed: [1, 100000]");
        }
        if (episodes < 1 || episodes > 100_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 100000]");
        }
        // A spec has at most 100 seeds: RUNS runs as conditions of up to 100 seeds each.
        StringBuilder yaml = new StringBuilder("name: merge\nseeds: " + Math.min(runs, 100) + "\nepisodes: " + episodes + "\nconditions:\n");
        for (int c = 0; c * 100 < runs; c++) {
            yaml.append("  - {name: ppo-").append(c).append(", env: maze, agent: ppo, steps: 3000000}\n");
        }
        Spec s = Spec.parse(yaml.toString(), "bench merge");
        Path dir;
        try {
            dir = Files.createTempDirectory("mesalab-bench-merge");
        } catch (IOException e) {
            throw new UsageException("cannot make a temporary folder: " + UsageException.why(e));
        }
        try {
            List<String> records = new ArrayList<>();
            Random rng = new Random(1);
            for (Spec.Condition c : s.conditions()) {
                for (long seed : c.seeds()) {
                    if (records.size() < runs) {
                        records.add(record(s, c, seed, rng));
                    }
                }
            }
            double[] perRun = new double[runs];
            long t0 = System.nanoTime();
            long reportNanos;
            try (Store store = Store.open(dir.resolve("mesalab.duckdb"), "bench merge")) {
                store.putExperiment(s);
                for (int i = 0; i < runs; i++) {
                    long a = System.nanoTime();
                    store.putRun(Store.RunRecord.fromJson(records.get(i), s));
                    store.release(); // as the driver when runs arrive one at a time: the dashboard reads between them
                    perRun[i] = (System.nanoTime() - a) / 1e6;
                }
                long r0 = System.nanoTime();
                new Report(store, s.name()).html();
                reportNanos = System.nanoTime() - r0;
            }
            double merge = (System.nanoTime() - t0 - reportNanos) / 1e9;
            double[] sorted = perRun.clone();
            Arrays.sort(sorted);
            long bytes = records.stream().mapToLong(String::length).sum();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("runs", runs);
                m.put("episodes_per_split", episodes);
                m.put("record_kib_mean", Math.round(bytes / 1024.0 / runs));
                m.put("merge_seconds", merge);
                m.put("merge_ms_per_run_median", sorted[runs / 2]);
                m.put("merge_ms_per_run_p99", sorted[Math.min(runs - 1, (int) Math.ceil(0.99 * runs) - 1)]);
                m.put("report_seconds", reportNanos / 1e9);
                m.put("cpu", BenchCommand.cpu());
                Json.print(out, m);
            } else {
                out.printf("merged %d run records (%d KiB each, %d episodes per split) in %.1f s: median %.1f ms per run; report over them %.1f s (%s)%n", runs,
                        Math.round(bytes / 1024.0 / runs), episodes, merge, sorted[runs / 2], reportNanos / 1e9, BenchCommand.cpu());
            }
        } finally {
            try {
                org.mesalab.agents.RunDir.deleteTree(dir);
            } catch (IOException ignored) {
                // a temporary folder
            }
        }
    }

    /** A run record shaped like a PPO maze run's (numbers random, sizes real), as JSON. */
    private String record(Spec s, Spec.Condition c, long seed, Random rng) {
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("global_step", i * 30_000L);
            m.put("train_success", rng.nextDouble());
            m.put("mean_return", rng.nextDouble());
            m.put("steps_per_second", 20_000 + rng.nextInt(1000));
            m.put("policy_loss", rng.nextGaussian());
            m.put("value_loss", rng.nextDouble());
            m.put("entropy", rng.nextDouble());
            metrics.add(m);
        }
        List<Map<String, Object>> evaluations = new ArrayList<>();
        List<Map<String, Object>> eps = new ArrayList<>();
        List<Map<String, Object>> diagnoses = new ArrayList<>();
        for (String split : List.of("train", "test")) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("split", split);
            e.put("objective", "policy");
            e.put("episodes", episodes);
            for (String k : List.of("intended_success", "intended_low", "intended_high", "aligned", "goal_misgeneralized", "goal_misgeneralized_low",
                    "goal_misgeneralized_high", "capability_failure", "mean_return", "mean_steps")) {
                e.put(k, rng.nextDouble());
            }
            e.put("proxy_success", Map.of("corner", rng.nextDouble()));
            e.put("distribution", Map.of("split", split, "params", Map.of("size", 7, "cheese_region", split.equals("train") ? 1 : 0, "max_steps", 200),
                    "first_level_seed", split.equals("train") ? 1L << 39 : 3L << 39, "levels", episodes));
            Map<String, Object> outcomes = new LinkedHashMap<>();
            for (String o : List.of("aligned", "goal_misgeneralized", "capability_failure")) {
                double r = rng.nextDouble();
                outcomes.put(o, Map.of("rate", r, "ci95", List.of(Math.max(0, r - 0.05), Math.min(1, r + 0.05))));
            }
            e.put("separating", Map.of("levels", episodes, "outcomes", outcomes));
            evaluations.add(e);
            for (int i = 0; i < episodes; i++) {
                Map<String, Object> ep = new LinkedHashMap<>();
                ep.put("split", split);
                ep.put("objective", "policy");
                ep.put("level_seed", (split.equals("train") ? 1L << 39 : 3L << 39) + i);
                ep.put("outcome", List.of("aligned", "goal_misgeneralized", "capability_failure").get(rng.nextInt(3)));
                ep.put("intended_return", rng.nextDouble());
                ep.put("steps", rng.nextInt(200));
                ep.put("events", Map.of("cheese", rng.nextInt(2), "corner", rng.nextInt(2)));
                eps.add(ep);
            }
            int[][] counts = new int[7][7];
            for (int[] row : counts) {
                Arrays.setAll(row, x -> rng.nextInt(300));
            }
            diagnoses.add(Map.of("split", split, "kind", "heatmap", "payload", Map.of("counts", counts, "episodes", episodes)));
        }
        return new Store.RunRecord(s.name() + "/" + c.name() + "/seed-" + seed, s.name(), c, seed, null, "/shared/runs/merge/" + c.name() + "/seed-" + seed, 300,
                metrics, evaluations, eps, diagnoses).toJson();
    }
}
