package org.mesalab.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.mesalab.lab.experiment.Json;

/**
 * One {@code demo --quick --serve} per test JVM, shared by the tests that read what it wrote ({@link DemoEndToEndTest},
 * {@link DashboardTest}): it takes about 40 s on 2 cores, and both classes ran it before. Test classes run one after
 * the other in surefire's single JVM; a class that adds to the folder (a live run, a link) takes it away again or keeps
 * it outside what the other asserts on.
 *
 * @param out the demo's {@code --out} folder (its runs and {@code mesalab.duckdb})
 * @param cli what the demo printed and its exit code
 * @param seenLive what the demo's own dashboard listed while the demo ran: run id to the statuses seen
 */
record QuickDemo(Path out, Cli cli, Map<String, Set<String>> seenLive) {
    private static QuickDemo shared;

    static synchronized QuickDemo get() {
        if (shared == null) {
            try {
                shared = run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
        return shared;
    }

    private static QuickDemo run() throws IOException, InterruptedException, ExecutionException {
        Path out = Files.createTempDirectory("mesalab-quick-demo");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(out)));
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CompletableFuture<Cli> running = CompletableFuture.supplyAsync(() -> Cli.run("demo", "--quick", "--out", out.toString(), "--jobs", "2",
                "--serve", String.valueOf(port)));
        Map<String, Set<String>> seen = new TreeMap<>();
        HttpClient http = HttpClient.newHttpClient();
        URI live = URI.create("http://127.0.0.1:" + port + "/api/runs");
        while (!running.isDone()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(live).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    for (JsonNode run : Json.MAPPER.readTree(r.body())) {
                        seen.computeIfAbsent(run.get("run_id").asText(), k -> new TreeSet<>()).add(run.get("status").asText());
                    }
                }
            } catch (IOException notYet) {
                // the dashboard starts with the demo
            }
            Thread.sleep(250);
        }
        return new QuickDemo(out, running.get(), seen);
    }

    private static void delete(Path root) {
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is not worth failing the build over
        }
    }
}
