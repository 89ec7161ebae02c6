package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.experiment.Spec;
import org.mesalab.lab.experiment.Store;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The quick demo end to end (the CI smoke run of {@code ./mesalab demo --quick}): runs, store, export,
 * resume, and the report opened in a real browser (Debian's headless Chromium via its chromedriver).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoEndToEndTest {
    /** The demo's folder (shared with {@link DashboardTest}: see {@link QuickDemo}). */
    static Path dir;
    /** Exports and the browser's profile. */
    @TempDir
    static Path scratch;
    static Cli demo;

    @BeforeAll
    static void runQuickDemo() {
        QuickDemo q = QuickDemo.get();
        dir = q.out();
        demo = q.cli();
    }

    @Test
    @Order(1)
    void quickDemoPrintsTheFindingsAndWritesReportAndStore() {
        assertEquals(0, demo.code(), demo.err());
        assertTrue(demo.out().contains("test intended [95%]"), demo.out());
        for (String finding : List.of("Goal misgeneralization: ppo-maze", "The data lever: random_coin", "The prior lever", "The essay's architecture")) {
            assertTrue(demo.out().contains(finding), "finding missing: " + finding + "\n" + demo.out());
        }
        assertTrue(Files.exists(dir.resolve("demo-quick/report.html")));
        assertTrue(Files.exists(dir.resolve("mesalab.duckdb")));
        assertTrue(demo.err().contains("runs 0/4 done") || demo.err().contains("finished demo-quick/"), demo.err());
    }

    @Test
    @Order(2)
    void theStoreListsAndExportsTheRuns() {
        Path db = dir.resolve("mesalab.duckdb");
        Cli runs = Cli.run("runs", "--db", db.toString(), "--json");
        assertEquals(0, runs.code(), runs.err());
        JsonNode rows = runs.json();
        assertEquals(4, rows.size(), rows.toString());
        for (JsonNode r : rows) {
            assertEquals("finished", r.get("status").asText());
        }
        for (String format : List.of("parquet", "csv")) {
            Cli ex = Cli.run("export", scratch.resolve(format).toString(), "--format", format, "--db", db.toString());
            assertEquals(0, ex.code(), ex.err());
            for (String t : Store.TABLES) {
                assertTrue(Files.exists(scratch.resolve(format).resolve(t + "." + format)), t + "." + format);
            }
        }
        try (Store store = Store.existing(db)) {
            List<Map<String, Object>> ev = store.query("SELECT count(*) AS n FROM evaluations e JOIN runs r USING (run_id) WHERE r.agent = 'planner'");
            assertEquals(6L, ((Number) ev.get(0).get("n")).longValue(), "planner: 3 objectives x 2 splits");
        }
    }

    /**
     * The data lever's sweep (random_coin 0 and 0.2): both conditions are evaluated on the same test
     * levels (same parameters, same level seeds), while their train evaluations keep each condition's value.
     */
    @Test
    @Order(2)
    void everyConditionOfASweepIsTestedOnTheSameLevels() throws Exception {
        try (Store store = Store.existing(dir.resolve("mesalab.duckdb"))) {
            List<Map<String, Object>> rows = store.query("SELECT r.condition, e.split, CAST(e.distribution AS VARCHAR) AS d FROM evaluations e"
                    + " JOIN runs r USING (run_id) WHERE r.condition LIKE 'ppo-coinrun%' ORDER BY r.condition, e.split");
            assertEquals(4, rows.size(), rows.toString());
            Map<String, JsonNode> test = new java.util.TreeMap<>();
            Map<String, JsonNode> train = new java.util.TreeMap<>();
            for (Map<String, Object> r : rows) {
                (r.get("split").equals("test") ? test : train).put((String) r.get("condition"), Json.MAPPER.readTree((String) r.get("d")));
            }
            List<JsonNode> t = List.copyOf(test.values());
            assertEquals(t.get(0), t.get(1), "the same test levels for both lever values");
            assertEquals(1.0, t.get(0).get("params").get("random_coin").asDouble());
            assertEquals(0.0, train.get("ppo-coinrun[random_coin=0]").get("params").get("random_coin").asDouble());
            assertEquals(0.2, train.get("ppo-coinrun[random_coin=0.2]").get("params").get("random_coin").asDouble());
        }
        String report = Files.readString(dir.resolve("demo-quick/report.html"));
        assertTrue(report.contains("id=\"levels\"") && report.contains("random_coin=1"), "the report says which levels were evaluated");
    }

    @Test
    @Order(3)
    void rerunningSkipsFinishedRuns() {
        Cli again = Cli.run("demo", "--quick", "--out", dir.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("4 finished, 0 to do"), again.err());
    }

    @Test
    @Order(4)
    void aRunThatFailsToStoreLeavesNothingBehind() {
        try (Store store = Store.existing(dir.resolve("mesalab.duckdb"))) {
            Spec.Condition c = new Spec.Condition("broken", "broken", "maze", "ppo", 1, 1, "train", Map.of(), Map.of(), List.of("test"), List.of(),
                    null, null, List.of(1L));
            Map<String, Object> noStep = new java.util.HashMap<>();
            noStep.put("train_success", 0.5); // global_step missing: the write fails half-way
            Store.RunRecord r = new Store.RunRecord("x/broken/seed-1", "x", c, 1, null, "", 1.0, List.of(noStep),
                    List.of(), List.of(), List.of());
            assertThrows(IllegalStateException.class, () -> store.putRun(r));
            assertTrue(store.query("SELECT * FROM runs WHERE run_id = ?", "x/broken/seed-1").isEmpty());
            assertTrue(store.query("SELECT * FROM training_metrics WHERE run_id = ?", "x/broken/seed-1").isEmpty());
        }
    }

    /** Opens the report in headless Chromium: charts, heatmaps and players are there, and a player advances frames. */
    @Test
    @Order(5)
    void theReportRendersInARealBrowserAndThePlayerAdvances() throws Exception {
        ChromeDriver browser = Browser.open(scratch.resolve("chrome-profile"), "1280,2000");
        try {
            browser.get(dir.resolve("demo-quick/report.html").toUri().toString());
            assertTrue(browser.getTitle().contains("demo-quick"), browser.getTitle());
            List<WebElement> charts = browser.findElements(By.cssSelector(".chart svg"));
            assertTrue(charts.size() >= 5, "charts and heatmaps: " + charts.size());
            for (WebElement svg : charts) {
                assertTrue(svg.getSize().getWidth() > 100 && svg.getSize().getHeight() > 100, "a chart is drawn with a size");
            }
            assertTrue(browser.findElements(By.cssSelector("#summary tr")).size() >= 5, "summary table rows");
            assertTrue(browser.findElements(By.cssSelector("img[alt='objective picture']")).size() >= 1, "the planner's objective picture");
            assertEquals(1, browser.findElements(By.id("goodhart")).size(), "the Goodhart section");
            assertTrue(browser.findElement(By.xpath("//h2[@id='goodhart']/following::div[contains(@class,'chart')][1]//*[local-name()='svg']"))
                    .getSize().getWidth() > 100, "the Goodhart curve is drawn");
            List<WebElement> players = browser.findElements(By.cssSelector(".player"));
            assertTrue(players.size() >= 4, "players: " + players.size());
            WebElement player = players.get(0);
            WebElement frame = player.findElement(By.cssSelector(".frame"));
            int frames = Integer.parseInt(player.findElement(By.cssSelector(".frames")).getText());
            assertTrue(frames >= 2, "an episode of several steps");
            assertEquals("0", frame.getText());
            player.findElement(By.cssSelector(".step")).click();
            assertEquals("1", frame.getText(), "step advances one frame");
            player.findElement(By.cssSelector(".play")).click();
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> Integer.parseInt(frame.getText()) >= Math.min(frames, 3));
            player.findElement(By.cssSelector(".pause")).click();
            Object painted = browser.executeScript("var c = document.querySelector('.player canvas');"
                    + "var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; var n = 0;"
                    + "for (var i = 0; i < d.length; i += 4) { if (d[i + 3] > 0) n++; } return n;");
            assertTrue(((Number) painted).longValue() > 100, "the canvas shows the level");
            Path shot = Path.of("target", "report-screenshot.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
        }
    }
}
