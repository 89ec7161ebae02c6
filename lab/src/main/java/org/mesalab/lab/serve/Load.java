package org.mesalab.lab.serve;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback load test of a dashboard: a bounded number of clients, each sending one GET after the
 * other (round robin over the given paths) for a bounded time; requests per second and latency
 * percentiles. Used by {@code mesalab bench serve} and the dashboard's tests.
 */
public final class Load {
    /** What a load run measured; a request that is not answered 200 counts as an error. */
    public record Result(int clients, double seconds, long requests, long errors, double requestsPerSecond, double p50Ms, double p99Ms, double maxMs) {
    }

    private Load() {
    }

    public static Result run(URI base, List<String> paths, int clients, Duration duration) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long end = System.nanoTime() + duration.toNanos();
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[clients][];
        List<Thread> threads = new ArrayList<>();
        long started = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> latencies[client] = client(http, base, paths, client, end, errors), "load-client-" + c);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long[] all = Arrays.stream(latencies).filter(java.util.Objects::nonNull).flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(clients, seconds, all.length, errors.get(), all.length / seconds, pct(all, 50), pct(all, 99),
                all.length == 0 ? 0 : all[all.length - 1] / 1e6);
    }

    /** One client's loop: GET after GET until {@code end}; the latency of each request in nanoseconds. */
    private static long[] client(HttpClient http, URI base, List<String> paths, int first, long end, AtomicLong errors) {
        long[] lat = new long[1024];
        int n = 0;
        int i = first;
        while (System.nanoTime() < end) {
            HttpRequest req = HttpRequest.newBuilder(base.resolve(paths.get(i++ % paths.size()))).timeout(Duration.ofSeconds(30)).GET().build();
            long t0 = System.nanoTime();
            try {
                HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    errors.incrementAndGet();
                }
            } catch (IOException e) {
                errors.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (n == lat.length) {
                lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = System.nanoTime() - t0;
        }
        return Arrays.copyOf(lat, n);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
