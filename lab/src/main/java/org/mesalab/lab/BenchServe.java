package org.mesalab.lab;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.experiment.Store;
import org.mesalab.lab.serve.Dashboard;
import org.mesalab.lab.serve.Load;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", footer = {"", "Examples:", "  mesalab bench serve --db runs/mesalab.duckdb --clients 8 --seconds 10"},
        description = {"Loopback load test of the dashboard over a results store: CLIENTS clients, each sending GETs back to back (the run list,",
            "a run page and its JSON, the experiments, a live-metrics poll, a script) for SECONDS; requests/s and latency percentiles."})
final class BenchServe implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Option(names = "--clients", defaultValue = "8", description = "concurrent clients (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds, after a warm-up of a fifth as long (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public void run() {
        if (clients < 1 || clients > 256) {
            throw new UsageException("--clients=" + clients + " is out of range; allowed: [1, 256]");
        }
        if (!(seconds > 0) || seconds > 600) {
            throw new UsageException("--seconds=" + seconds + " is out of range; allowed: (0, 600]");
        }
        if (!Files.isRegularFile(store.db)) {
            throw new UsageException("no results store at " + store.db + "; allowed: a DuckDB file written by mesalab run (--db FILE)");
        }
        String run;
        try (Store s = Store.existing(store.db)) {
            List<Map<String, Object>> r = s.query("SELECT run_id FROM runs ORDER BY run_id LIMIT 1");
            if (r.isEmpty()) {
                throw new UsageException("the results store " + store.db + " has no runs to load; run an experiment first");
            }
            run = URLEncoder.encode((String) r.get(0).get("run_id"), StandardCharsets.UTF_8);
        }
        Load.Result res;
        try (Dashboard d = new Dashboard(store.db, store.db.toAbsolutePath().getParent()).start("127.0.0.1", 0)) {
            URI base = URI.create("http://127.0.0.1:" + d.port() + "/");
            List<String> paths = new ArrayList<>(List.of("", "api/runs", "api/experiments", "run?id=" + run, "api/run?id=" + run,
                    "api/metrics?id=" + run + "&after=0", "assets/dashboard.js"));
            Load.run(base, paths, clients, Duration.ofMillis((long) (seconds * 200))); // warm-up: JIT, caches
            res = Load.run(base, paths, clients, Duration.ofMillis((long) (seconds * 1000)));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("clients", res.clients());
            m.put("seconds", res.seconds());
            m.put("requests", res.requests());
            m.put("errors", res.errors());
            m.put("requests_per_second", res.requestsPerSecond());
            m.put("p50_ms", res.p50Ms());
            m.put("p99_ms", res.p99Ms());
            m.put("max_ms", res.maxMs());
            m.put("cpu", BenchCommand.cpu());
            m.put("java", System.getProperty("java.version"));
            Json.print(out, m);
        } else {
            out.printf("dashboard on 127.0.0.1, %d clients for %.1f s (%s, Java %s)%n", res.clients(), res.seconds(), BenchCommand.cpu(),
                    System.getProperty("java.version"));
            out.printf("  %,d requests, %d errors: %,.0f requests/s; latency p50 %.2f ms, p99 %.2f ms, max %.1f ms%n", res.requests(), res.errors(),
                    res.requestsPerSecond(), res.p50Ms(), res.p99Ms(), res.maxMs());
        }
    }
}
