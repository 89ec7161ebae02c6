package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DiagnosisCliTest {

    @Test
    void diagnoseNamesTheBehavioralObjectiveOfAnOracle() {
        Cli r = Cli.run("diagnose", "--policy", "oracle:intended", "--env", "coinrun", "--split", "test", "--episodes", "30", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("coin", j.get("behavioral_objective").asText());
        JsonNode top = j.get("candidates").get(0);
        assertEquals("coin", top.get("objective").asText());
        assertTrue(top.get("posterior").asDouble() >= 0.95);
        assertTrue(top.has("log_likelihood") && top.has("beta"));
        assertEquals(3, j.get("candidates").size());
        double last = 2;
        for (JsonNode c : j.get("candidates")) {
            assertTrue(c.get("posterior").asDouble() <= last, "sorted by posterior");
            last = c.get("posterior").asDouble();
        }
    }

    @Test
    void diagnoseIdentifiesAMixtureOracle() {
        Cli r = Cli.run("diagnose", "--policy", "oracle:cheese+corner", "--env", "maze", "--episodes", "50", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals("cheese+corner", r.json().get("behavioral_objective").asText());
        assertTrue(r.json().get("candidates").get(0).get("posterior").asDouble() >= 0.95);
    }

    @Test
    void heatmapWritesPngAndSvg(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("visits.png");
        Cli r = Cli.run("heatmap", "--policy", "oracle:corner", "--env", "maze", "--episodes", "20", "--png", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(javax.imageio.ImageIO.read(png.toFile()).getWidth() >= 7 * 32);
        Path svg = dir.resolve("ends.svg");
        Cli s = Cli.run("heatmap", "--policy", "oracle:corner", "--env", "maze", "--episodes", "20", "--kind", "ends", "--out", svg.toString());
        assertEquals(0, s.code(), s.err());
        String text = Files.readString(svg);
        assertTrue(text.startsWith("<svg") && text.contains("(6, 0): 20"), "all 20 corner episodes end in the corner cell");
    }

    @Test
    void evalRunsAggregatesSeedsWithBootstrapIntervals(@TempDir Path dir) {
        String[] small = {"--set", "ppo.num_envs=4", "--set", "ppo.num_steps=32", "--set", "ppo.width=32", "--threads", "1", "--steps", "256"};
        for (int s = 1; s <= 3; s++) {
            String[] args = new String[small.length + 7];
            System.arraycopy(new String[] {"train", "--env", "lava", "--seed", Integer.toString(s), "--out", dir.resolve("s" + s).toString()}, 0, args, 0, 7);
            System.arraycopy(small, 0, args, 7, small.length);
            assertEquals(0, Cli.run(args).code());
        }
        Cli r = Cli.run("eval", "--runs", dir.resolve("s1").toString(), dir.resolve("s2").toString(), dir.resolve("s3").toString(),
                "--split", "test", "--episodes", "10", "--resamples", "2000", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(3, j.get("runs").asInt());
        assertEquals(3, j.get("per_run").size());
        JsonNode aligned = j.get("aggregate").get("outcomes.aligned");
        assertTrue(aligned.has("mean") && aligned.has("iqm"));
        double lo = aligned.get("ci95").get(0).asDouble();
        double hi = aligned.get("ci95").get(1).asDouble();
        assertTrue(lo <= aligned.get("mean").asDouble() && aligned.get("mean").asDouble() <= hi);
        assertTrue(j.get("ci_method").asText().contains("stratified bootstrap"));

        // A condition compared with itself: every pair ties or splits evenly, so P(improvement) = 0.5.
        Cli v = Cli.run("eval", "--runs", dir.resolve("s1").toString(), dir.resolve("s2").toString(), "--versus",
                dir.resolve("s1").toString(), dir.resolve("s2").toString(), "--split", "test", "--episodes", "10", "--resamples", "500", "--json");
        assertEquals(0, v.code(), v.err());
        JsonNode p = v.json().get("probability_of_improvement").get("intended_success");
        assertEquals(0.5, p.get("value").asDouble(), 1e-12);
        assertTrue(p.get("ci95").get(0).asDouble() <= 0.5 && p.get("ci95").get(1).asDouble() >= 0.5);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "diagnose --policy oracle:cake --env maze|unknown objective 'cake'",
            "diagnose --policy oracle:cheese+cake --env maze|unknown objective 'cheese+cake'; allowed: intended, cheese, corner, cheese+corner",
            "diagnose --policy random --env maze --episodes 0|--episodes=0 is out of range",
            "diagnose @D/missing|run directory @D/missing does not exist",
            "diagnose|give a RUN_DIR, or --policy",
            "heatmap --policy random --env maze --kind paths --png @D/x.png|--kind=paths is not known; allowed: visits, ends",
            "heatmap --policy random --env maze --png /proc/no/x.png|--png /proc/no/x.png cannot be written",
            "eval --runs @D @D --split test|is named twice in one condition",
            "heatmap --policy random --env maze|Missing required option: '--png=FILE'",
            "eval --runs @D/missing --split test|run directory @D/missing does not exist",
            "eval --runs @D --policy random --env maze|give --runs, or a RUN_DIR, or --policy, not several",
            "eval --versus @D --split test|--versus needs --runs",
    })
    void badInputExitsWithCode2AndOneLine(String line, String expected, @TempDir Path dir) {
        Cli r = Cli.run(line.replace("@D", dir.toString()).split(" "));
        assertEquals(2, r.code(), line + "\n" + r.err());
        String want = expected.replace("@D", dir.toString());
        assertTrue(r.err().contains(want), "'" + r.err() + "' should contain '" + want + "'");
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"));
    }
}
