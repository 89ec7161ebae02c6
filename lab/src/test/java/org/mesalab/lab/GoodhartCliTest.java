package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoodhartCliTest {

    @Test
    void bestOfNCurveAsJsonAndPng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("curve.png");
        Cli r = Cli.run("goodhart", "--env", "maze", "--split", "test", "--proxy", "events:cheese+0.02*corner", "--optimizer", "best-of-n",
                "--pressure", "1,2,4,...,32", "--episodes", "40", "--holdout", "10", "--json", "--png", png.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode c = r.json().get("curve");
        assertEquals("best-of-n", c.get("optimizer").asText());
        assertEquals(6, c.get("points").size());
        assertEquals(Math.log(32) - 31.0 / 32, c.get("points").get(5).get("kl").asDouble(), 1e-9);
        assertTrue(c.get("gold").asText().contains("discounted by 0.97"));
        assertEquals(2, c.get("fits").size());
        assertEquals(10, c.get("earlyStop").get("holdoutLevels").asInt());
        assertEquals("test", r.json().get("split").asText());
        assertTrue(javax.imageio.ImageIO.read(png.toFile()).getWidth() >= 600);

        Cli again = Cli.run("goodhart", "--env", "maze", "--split", "test", "--proxy", "events:cheese+0.02*corner", "--optimizer", "best-of-n",
                "--pressure", "1,2,4,...,32", "--episodes", "40", "--holdout", "10", "--json", "--threads", "1");
        assertEquals(c.get("points").toString(), again.json().get("curve").get("points").toString(), "same seed: same curve, any thread count");
    }

    @Test
    void searchCurveAsText(@TempDir Path dir) {
        Path svg = dir.resolve("curve.svg");
        Cli r = Cli.run("goodhart", "--env", "maze", "--proxy", "events:cheese+0.02*corner", "--optimizer", "search", "--pressure", "0,4,64",
                "--episodes", "20", "--png", svg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("gold peaks at depth="), r.out());
        assertTrue(r.out().contains("early stopping on 30 held-out levels"), r.out());
        assertTrue(Files.exists(svg));
    }

    @Test
    void aSpecsGoodhartSectionIsStoredAndReported(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("g.yaml");
        Files.writeString(spec, "name: gh\ngoodhart:\n  - name: corner\n    env: maze\n    proxy: events:cheese+0.02*corner\n    optimizer: search\n"
                + "    pressure: 0,4,64\n    episodes: 20\n    holdout: 5\n");
        Path out = dir.resolve("out");
        Cli r = Cli.run("run", spec.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("goodhart corner: gold peaks at depth="), r.err());
        assertTrue(r.out().contains("Goodhart: corner: Optimizing 'events:cheese+0.02*corner' by search"), r.out());
        String html = Files.readString(out.resolve("gh/report.html"));
        assertTrue(html.contains("id=\"goodhart\""), "report section");
        assertTrue(html.contains("<svg"), "the curve is drawn");
        Path csv = dir.resolve("csv");
        assertEquals(0, Cli.run("export", csv.toString(), "--format", "csv", "--db", out.resolve("mesalab.duckdb").toString()).code());
        List<String> points = Files.readAllLines(csv.resolve("goodhart.csv"));
        assertEquals(1 + 3, points.size(), "a header and one row per pressure: " + points);
        assertTrue(Files.readString(csv.resolve("goodhart_curves.csv")).contains("corner"));
        Cli again = Cli.run("run", spec.toString(), "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        assertFalse(again.err().contains("goodhart corner:"), "a stored curve is not measured again");
    }

    @Test
    void badInputsGetOneLineAndWriteNothing(@TempDir Path dir) {
        Path png = dir.resolve("x.png");
        String[][] cases = {
                {"--env", "maze", "--proxy", "events:cheese+frog", "events:cheese+frog is not a valid expression"},
                {"--env", "maze", "--proxy", "cheese", "--proxy=cheese is not known"},
                {"--env", "maze", "--proxy", "events:cheese", "--pressure", "4,2", "is not increasing at 2"},
                {"--env", "maze", "--proxy", "events:cheese", "--optimizer", "rl", "--optimizer=rl is not known"},
                {"--env", "maze", "--proxy", "events:cheese", "--pressure", "0,1", "allowed: values in [1, "},
                {"--env", "maze", "--proxy", "events:cheese", "--optimizer", "search", "--base", "runs/x", "does not apply to --optimizer=search"},
                {"--env", "maze", "--proxy", "events:cheese", "--gold-discount", "0", "gold discount=0.0 is not allowed"},
                {"--env", "maze", "--proxy", "events:cheese", "--base", "oracle:nope", "nope"},
                {"--proxy", "events:cheese", "--env is required"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 2];
            args[0] = "goodhart";
            System.arraycopy(c, 0, args, 1, c.length - 1);
            args[c.length] = "--png";
            args[c.length + 1] = png.toString();
            Cli r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", c) + ": " + r.err());
            assertTrue(r.err().contains(c[c.length - 1]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(png), "nothing written");
        }
    }
}
