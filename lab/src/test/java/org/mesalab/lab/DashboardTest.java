package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.agents.RunDir;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.experiment.Store;
import org.mesalab.lab.serve.Dashboard;
import org.mesalab.lab.serve.Load;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * {@code mesalab serve} over the store of {@code demo --quick}: every endpoint over HTTP, traversal
 * attempts, read-only, a live run whose points arrive while it trains, a loopback load, and the pages in
 * headless Chromium (run list, run page with a hovered chart, compare, the report under the CSP).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardTest {
    @TempDir
    static Path dir;
    static Path db;
    static Dashboard dashboard;
    static URI base;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String RUN = "demo-quick/ppo-maze/seed-1";

    static Cli demo;
    /** What the demo's own dashboard (demo --serve) listed while the demo ran: run id -> statuses seen. */
    static java.util.Map<String, java.util.Set<String>> seenLive;
    /** The demo's folder (shared with {@link DemoEndToEndTest}: see {@link QuickDemo}); {@code dir} is this class's own. */
    static Path demoDir;

    @BeforeAll
    static void serveTheQuickDemo() throws Exception {
        QuickDemo q = QuickDemo.get();
        demo = q.cli();
        seenLive = q.seenLive();
        demoDir = q.out();
        assertEquals(0, demo.code(), demo.err());
        db = demoDir.resolve("mesalab.duckdb");
        dashboard = new Dashboard(db, demoDir).start("127.0.0.1", 0);
        base = URI.create("http://127.0.0.1:" + dashboard.port() + "/");
    }

    @AfterAll
    static void stop() {
        if (dashboard != null) {
            dashboard.close();
        }
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static void secure(HttpResponse<String> r) {
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("script-src 'self'") && !csp.contains("'unsafe-inline' 'self'") && csp.contains("frame-ancestors 'none'"), csp);
        assertFalse(csp.matches(".*script-src[^;]*unsafe-inline.*"), "no inline scripts allowed: " + csp);
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
    }

    /** demo --serve: the dashboard runs beside the experiment, lists runs while they train, and shows each as finished once stored. */
    @Test
    @Order(1)
    void theDemosOwnDashboardShowedItsRunsLive() {
        assertTrue(demo.err().contains("dashboard: http://127.0.0.1:"), demo.err());
        assertTrue(demo.err().contains("dashboard stopped with the experiment"), demo.err());
        assertTrue(seenLive.values().stream().anyMatch(st -> st.contains("training")), "a run seen training: " + seenLive);
        assertTrue(seenLive.get(RUN) != null && seenLive.get(RUN).contains("finished"), "a run seen stored while the demo went on: " + seenLive);
    }

    @Test
    @Order(1)
    void everyEndpointAnswersWithItsTypeAndShape() throws Exception {
        for (String page : List.of("", "run?id=" + q(RUN), "compare?id=" + q(RUN) + "&id=" + q("demo-quick/planner-maze/seed-1"),
                "compare?condition=" + q("demo-quick/ppo-coinrun[random_coin=0]") + "&condition=" + q("demo-quick/ppo-coinrun[random_coin=0.2]"))) {
            HttpResponse<String> r = get(page);
            assertEquals(200, r.statusCode(), page + ": " + r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page);
            assertFalse(r.body().contains("<script>"), "no inline script on " + page);
            secure(r);
        }
        JsonNode runs = Json.MAPPER.readTree(get("api/runs").body());
        assertEquals(5, runs.size(), "four training runs and the assistant's kernels: " + runs);
        for (JsonNode r : runs) {
            for (String k : List.of("run_id", "experiment", "condition", "seed", "agent", "env", "status", "git_commit", "versions", "last_step", "train_success")) {
                assertTrue(r.has(k), k + " in " + r);
            }
            assertEquals("finished", r.get("status").asText());
        }
        JsonNode ex = Json.MAPPER.readTree(get("api/experiments").body());
        assertEquals("demo-quick", ex.get(0).get("name").asText());
        assertEquals(5, ex.get(0).get("runs").asInt());
        JsonNode run = Json.MAPPER.readTree(get("api/run?id=" + q(RUN)).body());
        assertFalse(run.get("live").asBoolean());
        assertTrue(run.get("metrics").size() >= 2, run.get("metrics").toString());
        assertTrue(run.get("evaluations").size() >= 2, "train and test evaluations");
        assertEquals("ppo", run.get("config").get("algo").asText());
        JsonNode m = Json.MAPPER.readTree(get("api/metrics?id=" + q(RUN) + "&after=0").body());
        assertEquals("finished", m.get("status").asText());
        for (JsonNode p : m.get("points")) {
            assertTrue(p.get("global_step").asLong() > 0);
        }
        long last = run.get("metrics").get(run.get("metrics").size() - 1).get("global_step").asLong();
        assertEquals(0, Json.MAPPER.readTree(get("api/metrics?id=" + q(RUN) + "&after=" + last).body()).get("points").size(), "nothing after the last step");
        JsonNode cmp = Json.MAPPER.readTree(get("api/compare?condition=" + q("demo-quick/ppo-coinrun[random_coin=0]") + "&condition="
                + q("demo-quick/ppo-coinrun[random_coin=0.2]")).body());
        JsonNode second = cmp.get("selections").get(1);
        assertTrue(second.get("p_improvement").get("levels").asInt() > 0, "the lever's conditions share their test levels");
        double p = second.get("p_improvement").get("value").asDouble();
        assertTrue(p >= 0 && p <= 1 && second.get("p_improvement").get("low").asDouble() <= p, second.toString());
        assertTrue(Json.MAPPER.readTree(get("api/status").body()).has("store_busy"));
        HttpResponse<String> js = get("assets/uPlot.iife.min.js");
        assertEquals(200, js.statusCode());
        assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
        assertTrue(js.body().contains("uPlot"), "the charting library comes from the jar");
    }

    @Test
    @Order(1)
    void theReportIsServedWithItsPlayerScriptAllowedByHashOnly() throws Exception {
        HttpResponse<String> r = get("experiments/demo-quick/report");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("<h1>mesalab experiment: demo-quick</h1>"));
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("'sha256-") && !csp.contains("unsafe-inline' 'sha"), csp);
        assertEquals(302, HTTP.send(HttpRequest.newBuilder(base.resolve("experiments/demo-quick")).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode(), "the experiment's address leads to its report");
    }

    /** Names in URLs never leave the runs directory: dot segments plain and encoded, absolute paths, links, unknown names. */
    @Test
    @Order(2)
    void traversalAttemptsAndUnknownNamesGetAClearErrorAndNoFile() throws Exception {
        Path outside = dir.resolve("outside");
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("secret.txt"), "TOP-SECRET");
        Path real = demoDir.resolve(RUN);
        Files.copy(real.resolve("config.json"), outside.resolve("config.json"));
        Files.writeString(outside.resolve("metrics.jsonl"), "{\"global_step\":1,\"train_success\":0.123456}\n");
        Files.createSymbolicLink(demoDir.resolve("linked"), outside);
        Files.createDirectories(demoDir.resolve("demo-quick/evil"));
        Files.createSymbolicLink(demoDir.resolve("demo-quick/evil/seed-1"), outside);
        try {
            traversalAttempts(outside);
        } finally { // the demo's folder is shared (QuickDemo): the links go again
            Files.delete(demoDir.resolve("demo-quick/evil/seed-1"));
            Files.delete(demoDir.resolve("demo-quick/evil"));
            Files.delete(demoDir.resolve("linked"));
        }
    }

    private void traversalAttempts(Path outside) throws Exception {
        for (String bad : List.of("run?id=../../etc/passwd", "run?id=%2e%2e%2f%2e%2e%2fetc%2fpasswd", "run?id=" + q(outside.toString()), "run?id=linked",
                "run?id=demo-quick/evil/seed-1", "api/run?id=linked", "api/metrics?id=demo-quick%2Fevil%2Fseed-1", "run?id=" + q("demo-quick/../../outside"),
                "experiments/..%2F..%2Foutside/report", "experiments/%2e%2e/report", "assets/..%2F..%2Foutside%2Fsecret.txt", "assets/%2e%2e%2fsecret.txt",
                "%2e%2e/%2e%2e/outside/secret.txt", "run?id=demo-quick/nope/seed-9", "api/run?id=nope", "run", "api/metrics?id=" + q(RUN) + "&after=x")) {
            HttpResponse<String> r = get(bad);
            assertTrue(r.statusCode() == 400 || r.statusCode() == 404, bad + " -> " + r.statusCode() + " " + r.body());
            assertFalse(r.body().contains("TOP-SECRET") || r.body().contains("0.123456") || r.body().contains("root:"), bad);
            assertFalse(r.body().contains("at org.") || r.body().contains("Exception"), "no stack trace: " + r.body());
            secure(r);
        }
        String listed = get("api/runs").body();
        assertFalse(listed.contains("linked") || listed.contains("evil"), "linked run directories are not listed: " + listed);
        HttpResponse<String> unknown = get("run?id=" + q("demo-quick/nope/seed-9"));
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("no run 'demo-quick/nope/seed-9'") || unknown.body().contains("no run &#39;demo-quick/nope/seed-9&#39;"),
                unknown.body());
        secure(unknown);
    }

    /** Read-only: no method but GET answers, the store's bytes do not change, and a writer can open the store while the dashboard serves. */
    @Test
    @Order(3)
    void theDashboardChangesNothingAndLetsTheWriterIn() throws Exception {
        String before = RunDir.sha256(db);
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("api/runs")).method(method, HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, method + " -> " + r.statusCode());
        }
        for (String p : List.of("", "api/runs", "run?id=" + q(RUN), "experiments/demo-quick/report")) {
            assertEquals(200, get(p).statusCode());
        }
        assertEquals(before, RunDir.sha256(db), "the store is untouched");
        try (Store writer = Store.open(db)) {
            assertFalse(writer.query("SELECT run_id FROM runs").isEmpty(), "a writer gets the store while the dashboard serves");
        }
    }

    @Test
    @Order(1)
    void serveRefusesBadInputWithOneLine() throws Exception {
        String store = db.toString();
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        Path spec = dir.resolve("demo.yaml");
        try (java.io.InputStream in = DashboardTest.class.getResourceAsStream(DemoCommand.RESOURCE)) {
            Files.write(spec, in.readAllBytes());
        }
        String[][] bad = {
            {"serve", "--db", dir.resolve("missing.duckdb").toString()},
            {"serve", "--db", dir.toString()},
            {"serve", "--db", store, "--port", "70000"},
            {"serve", "--db", store, "--port", "-1"},
            {"serve", "--db", store, "--host", "no-such-host.invalid"},
            {"serve", "--db", store, "--runs", file.toString()},
            {"serve", "--db", store, "--port", String.valueOf(dashboard.port())},
            {"bench", "serve", "--db", store, "--clients", "0"},
            {"run", spec.toString(), "--serve", String.valueOf(dashboard.port()), "--out", dir.resolve("taken").toString()},
        };
        for (String[] args : bad) {
            Cli r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("mesalab: "), r.err());
        }
        Cli taken = Cli.run("run", spec.toString(), "--serve", String.valueOf(dashboard.port()), "--out", dir.resolve("taken").toString());
        assertTrue(taken.err().contains("cannot serve on 127.0.0.1:" + dashboard.port()), "a taken port is named: " + taken.err());
        assertFalse(Files.exists(dir.resolve("taken")), "nothing written when the dashboard cannot start");
    }

    @Test
    @Order(1)
    void servingBeyondThisMachineWarns() {
        java.io.StringWriter err = new java.io.StringWriter();
        try (Dashboard d = ServeCommand.start(db, demoDir, "0.0.0.0", 0, new java.io.PrintWriter(err, true))) {
            assertTrue(d.port() > 0);
        }
        assertTrue(err.toString().startsWith("mesalab: warning: serving on 0.0.0.0"), err.toString());
        java.io.StringWriter quiet = new java.io.StringWriter();
        try (Dashboard d = ServeCommand.start(db, demoDir, "127.0.0.1", 0, new java.io.PrintWriter(quiet, true))) {
            assertTrue(d.port() > 0);
        }
        assertEquals("", quiet.toString(), "no warning on loopback");
    }

    /**
     * run --serve puts a reader and the writer of one store in one process, where DuckDB refuses a read-only
     * connection beside a read-write one: the store's gate makes them take turns, so the writer is never refused.
     */
    @Test
    @Order(3)
    void aReaderInThisProcessNeverMakesTheWriterFail() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                try (Store s = Store.existing(db, 0)) {
                    s.query("SELECT count(*) FROM runs");
                    reads.incrementAndGet();
                } catch (org.mesalab.core.UsageException busy) {
                    assertTrue(busy.getMessage().contains("is held by"), busy.getMessage());
                }
            }
        });
        reader.start();
        try {
            for (int i = 0; i < 40; i++) {
                try (Store writer = Store.open(db)) {
                    assertFalse(writer.query("SELECT run_id FROM runs").isEmpty());
                }
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertTrue(reads.get() > 0, "the reader got in between the writes");
    }

    /** A run training now: its directory is listed as training and its points arrive through the metrics poll. */
    @Test
    @Order(4)
    void aLiveRunShowsNewPointsWhileItTrains() throws Exception {
        CompletableFuture<Cli> training = train(1, 60_000);
        String id = "live/ppo-maze/seed-1";
        long deadline = System.currentTimeMillis() + 60_000;
        int seen = 0;
        int grew = 0;
        boolean sawTraining = false;
        while (System.currentTimeMillis() < deadline && grew < 2 && !training.isDone()) {
            HttpResponse<String> r = get("api/metrics?id=" + q(id));
            if (r.statusCode() == 200) {
                JsonNode m = Json.MAPPER.readTree(r.body());
                sawTraining |= m.get("status").asText().equals("training");
                int n = m.get("points").size();
                if (n > seen && seen > 0) {
                    grew++;
                }
                seen = Math.max(seen, n);
            }
            Thread.sleep(300);
        }
        Cli done = training.get();
        assertEquals(0, done.code(), done.err());
        assertTrue(sawTraining, "the run was listed as training");
        assertTrue(grew >= 2, "points arrived while it trained: grew " + grew + " times, " + seen + " points");
        Thread.sleep(1100); // the folder scan's refresh
        JsonNode m = Json.MAPPER.readTree(get("api/metrics?id=" + q(id)).body());
        assertEquals("trained", m.get("status").asText(), "trained, not yet stored (a train --out run outside an experiment)");
        assertTrue(m.get("points").size() > seen - 1);
    }

    @Test
    @Order(5)
    void aLoopbackLoadIsServedWithoutErrors() {
        Load.Result r = Load.run(base, List.of("", "api/runs", "run?id=" + q(RUN), "api/metrics?id=" + q(RUN) + "&after=0", "assets/dashboard.js"), 4,
                Duration.ofSeconds(2));
        System.out.printf("dashboard load: %d clients, %d requests, %.0f req/s, p99 %.1f ms%n", r.clients(), r.requests(), r.requestsPerSecond(), r.p99Ms());
        assertEquals(0, r.errors(), "every request answered 200");
        assertTrue(r.requests() >= 4, "each client got answers: " + r.requests());
    }

    @Test
    @Order(6)
    void thePagesWorkInARealBrowser() throws Exception {
        ChromeDriver browser = browser();
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            browser.get(base.toString());
            wait.until(d -> d.findElements(By.cssSelector("#runs tbody tr")).size() >= 5);
            assertTrue(browser.findElement(By.cssSelector("#experiments tbody")).getText().contains("demo-quick"));
            browser.findElement(By.id("filter")).sendKeys("coinrun");
            wait.until(d -> d.findElements(By.cssSelector("#runs tbody tr")).size() == 2);
            browser.findElement(By.id("filter")).clear();
            browser.findElement(By.id("filter")).sendKeys(" ");
            wait.until(d -> d.findElements(By.cssSelector("#runs tbody tr")).size() >= 4);
            browser.findElement(By.cssSelector("#runs th[data-key='seed']")).click();
            assertEquals("sorted-up", browser.findElement(By.cssSelector("#runs th[data-key='seed']")).getAttribute("class"));
            Files.createDirectories(Path.of("target"));
            Files.write(Path.of("target", "dashboard-screenshot.png"), browser.getScreenshotAs(OutputType.BYTES));

            browser.findElement(By.cssSelector("#runs tr[data-id='" + RUN + "'] a")).click();
            wait.until(d -> d.findElements(By.cssSelector("#curve canvas")).size() == 1);
            assertTrue(browser.findElement(By.id("evaluations")).getText().contains("test"));
            WebElement canvas = browser.findElement(By.cssSelector("#curve .u-over"));
            new Actions(browser).moveToElement(canvas, canvas.getSize().getWidth() / 3, 0).perform();
            String hovered = browser.findElement(By.cssSelector("#curve .u-legend .u-series:nth-child(2) .u-value")).getText();
            assertTrue(hovered.matches("[0-9.]+"), "hovering shows the point's value: '" + hovered + "'");
            assertTrue(browser.findElements(By.cssSelector(".chart svg")).size() >= 1, "the run's heatmaps");
            WebElement player = browser.findElement(By.cssSelector(".player"));
            player.findElement(By.cssSelector(".step")).click();
            assertEquals("1", player.findElement(By.cssSelector(".frame")).getText(), "the rollout player steps (its script is served from the jar)");

            browser.get(base.resolve("compare?id=" + q(RUN) + "&id=" + q("demo-quick/ppo-coinrun[random_coin=0]/seed-1")).toString());
            wait.until(d -> d.findElements(By.cssSelector("#curve canvas")).size() == 1);
            assertEquals(3, browser.findElements(By.cssSelector("#curve .u-legend .u-series")).size(), "x and two overlaid curves");
            assertTrue(browser.findElements(By.cssSelector("#outcomes tbody tr")).size() >= 4);
            assertTrue(browser.findElement(By.id("improvement")).getText().contains("ppo-coinrun"));

            browser.get(base.resolve("experiments/demo-quick/report").toString());
            WebElement reportPlayer = browser.findElement(By.cssSelector(".player"));
            reportPlayer.findElement(By.cssSelector(".step")).click();
            assertEquals("1", reportPlayer.findElement(By.cssSelector(".frame")).getText(), "the report's inline player runs under its hash");
            assertTrue(browser.manage().logs().get("browser").getAll().stream().noneMatch(e -> e.getMessage().contains("Content Security Policy")),
                    "no CSP violation");
        } finally {
            browser.quit();
        }
    }

    /** A run trains while its page stays open: the page's point count grows without a reload. */
    @Test
    @Order(7)
    void aRunPageUpdatesLiveInTheBrowser() throws Exception {
        CompletableFuture<Cli> training = train(2, 80_000);
        ChromeDriver browser = browser();
        try {
            String id = "live/ppo-maze/seed-2";
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(40));
            wait.until(d -> {
                try {
                    return get("api/metrics?id=" + q(id)).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
            browser.get(base.resolve("run?id=" + q(id)).toString());
            wait.until(d -> d.findElements(By.cssSelector("#curve canvas")).size() == 1);
            Object marker = browser.executeScript("window.__marker = 42; return window.__marker;");
            int first = points(browser);
            wait.until(d -> points(browser) > first || training.isDone());
            assertTrue(points(browser) > first, "new points arrived on the open page: " + first + " -> " + points(browser));
            assertEquals(marker, browser.executeScript("return window.__marker;"), "no reload");
        } finally {
            browser.quit();
            assertEquals(0, training.get().code());
        }
    }

    /** A small PPO run training in the background into runs/live/ppo-maze/seed-SEED (a metrics line every 512 steps). */
    private static CompletableFuture<Cli> train(int seed, int steps) {
        Path out = demoDir.resolve("live/ppo-maze/seed-" + seed);
        return CompletableFuture.supplyAsync(() -> Cli.run("train", "--env", "maze", "--steps", String.valueOf(steps), "--threads", "1",
                "--set", "ppo.num_envs=8", "--set", "ppo.num_steps=64", "--seed", String.valueOf(seed), "--out", out.toString()));
    }

    private static int points(ChromeDriver b) {
        String t = b.findElement(By.id("progress")).getText();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) points").matcher(t);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    static ChromeDriver browser() {
        return Browser.open(dir.resolve("chrome-" + System.nanoTime()), "1400,1000");
    }
}
