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
import org.junit.jupiter.params.provider.ValueSource;

class CliTest {

    @Test
    void envsMeasuresWhetherTestSplitsSeparateTheGoals() {
        Cli r = Cli.run("envs", "--separation", "--levels", "20", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode rows = r.json().get("separation");
        assertEquals(8, rows.size(), "every env x split");
        for (JsonNode row : rows) {
            for (String f : new String[] {"random", "proxy_oracle", "noisy_proxy_oracle", "separating"}) {
                double v = row.get(f).asDouble();
                assertTrue(v >= 0 && v <= 1, row.toString());
            }
        }
        Cli bad = Cli.run("envs", "--separation", "--levels", "3");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--levels=3 is out of range"), bad.err());
    }

    @Test
    void envsJsonListsEveryEnvWithItsObjectives() {
        Cli r = Cli.run("envs", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode envs = r.json().get("envs");
        assertEquals(4, envs.size());
        JsonNode maze = envs.get(0);
        assertEquals("maze", maze.get("name").asText());
        assertEquals("cheese", maze.get("intended").get("name").asText());
        assertEquals("corner", maze.get("proxies").get(0).get("name").asText());
        assertEquals(7, maze.get("params").get(0).get("default").asInt());
        assertEquals(0, maze.get("splits").get("test").get("cheese_region").asInt());
        assertTrue(maze.get("events").toString().contains("corner"));
        assertEquals("[3,7,7]", maze.get("observation_shape").toString());
    }

    @Test
    void envsTextNamesEveryEnv() {
        Cli r = Cli.run("envs");
        assertEquals(0, r.code());
        for (String env : new String[] {"maze", "coinrun", "heist", "lava"}) {
            assertTrue(r.out().contains(env + "\n"), env);
        }
    }

    @Test
    void levelJsonHasTheDocumentedFields() {
        Cli r = Cli.run("level", "maze", "--seed", "3", "--split", "test", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("maze", j.get("env").asText());
        assertEquals("test", j.get("split").asText());
        assertEquals(3, j.get("seed").asLong());
        assertEquals(7, j.get("width").asInt());
        assertEquals(7, j.get("height").asInt());
        assertEquals("[0,6]", j.get("agent").toString());
        int cx = j.get("cheese").get(0).asInt();
        int cy = j.get("cheese").get(1).asInt();
        assertEquals('C', j.get("grid").get(cy).asText().charAt(cx), "(0,0) is the top-left cell of grid");
        assertEquals(7, j.get("grid").size());
        assertEquals(7, j.get("params").get("size").asInt());
    }

    @Test
    void levelJsonListsHeistKeysAndChests() {
        JsonNode j = Cli.run("level", "heist", "--seed", "1", "--split", "test", "--json").json();
        assertEquals(4, j.get("keys").size());
        assertEquals(2, j.get("chests").size());
        JsonNode key = j.get("keys").get(0);
        assertEquals('k', j.get("grid").get(key.get(1).asInt()).asText().charAt(key.get(0).asInt()));
    }

    @Test
    void levelIsDeterministicAndSetOverridesApply() {
        Cli a = Cli.run("level", "coinrun", "--seed", "5", "--set", "length=24", "--ascii");
        Cli b = Cli.run("level", "coinrun", "--seed", "5", "--set", "env.length=24");
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        assertEquals(24, a.out().lines().findFirst().orElseThrow().length());
    }

    @Test
    void levelPngWritesAPicture(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("maze.png");
        Cli r = Cli.run("level", "maze", "--png", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(png) > 500);
        assertTrue(javax.imageio.ImageIO.read(png.toFile()).getWidth() >= 7 * 32);
    }

    @Test
    void levelGifAnimatesAnOracleEpisode(@TempDir Path dir) throws Exception {
        Path gif = dir.resolve("corner.gif");
        Cli r = Cli.run("level", "maze", "--split", "test", "--seed", "2", "--gif", gif.toString(), "--policy", "oracle:corner");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("frames"));
        try (javax.imageio.stream.ImageInputStream in = javax.imageio.ImageIO.createImageInputStream(gif.toFile())) {
            javax.imageio.ImageReader reader = javax.imageio.ImageIO.getImageReadersByFormatName("gif").next();
            reader.setInput(in);
            assertTrue(reader.getNumImages(true) > 5);
        }
        Cli bad = Cli.run("level", "maze", "--gif", gif.toString(), "--policy", "oracle:cake");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("unknown objective 'cake'"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "level chess|unknown env 'chess'; allowed: maze, coinrun, heist, lava",
            "level maze --split valid|unknown split 'valid'; allowed: train, test",
            "level maze --set colour=3|unknown parameter 'colour'",
            "level maze --set size=8|size=8 must be odd",
            "level maze --set size=3|size=3 is out of range; allowed: an integer in [5, 63]",
            "level maze --set size=nine|size=nine is not a number",
            "level maze --set size|--set size is malformed",
            "level coinrun --set random_coin=-0.1|random_coin=-0.1 is out of range; allowed: a number in [0, 1]",
            "level heist --set size=5 --set keys=9 --set chests=9|keys + chests = 18 do not fit",
            "level lava --set strip2_row=9|strip2_row=9 is out of range",
            "level maze --png /proc/nonexistent/x.png|--png /proc/nonexistent/x.png cannot be written",
            "level maze --policy oracle:nothing|--policy oracle:nothing applies to --gif",
            "level maze --seed -1|level index -1 is out of range",
            "level maze --seed x|Invalid value for option '--seed'",
            "level|Missing required parameter: 'ENV'",
            "level maze --frobnicate|Unknown option: '--frobnicate'",
            "bench env maze --envs 0|--envs=0 is out of range",
            "bench env maze --seconds -1|--seconds=-1.0 is out of range",
            "play chess|unknown env 'chess'",
    })
    void badInputExitsWithCode2AndOneLine(String args, String expected) {
        Cli r = Cli.run(args.split(" "));
        assertEquals(2, r.code(), "exit code for: " + args + "\n" + r.err());
        assertTrue(r.err().contains(expected), "'" + r.err() + "' should contain '" + expected + "'");
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("Exception"), "no stack trace: " + r.err());
        assertEquals("", r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"maze", "coinrun", "heist", "lava"})
    void benchEnvReportsStepsPerSecond(String env) {
        Cli r = Cli.run("bench", "env", env, "--envs", "4", "--seconds", "0.05", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(env, j.get("env").asText());
        assertEquals(4, j.get("envs").asInt());
        assertEquals(0.05, j.get("seconds").asDouble());
        // Speed is measured in benchmarks (BENCHMARKS.md), not asserted here: only that the fields are there and positive.
        assertTrue(j.get("steps_per_second").asDouble() > 0, "positive throughput: " + j);
        assertTrue(j.get("single_env_steps_per_second").asDouble() > 0);
    }

    @Test
    void playMovesTheAgentAndReportsEvents() {
        // The training cheese is in the top-right corner; the oracle path is not needed: walk right
        // along the bottom row and see that moves happen, then quit.
        Cli r = Cli.runWithInput("dd.x", "play", "maze", "--seed", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("step 0/200"));
        assertTrue(r.out().contains("> right"));
        assertTrue(r.out().contains("> stay"));
        assertTrue(r.out().trim().endsWith("bye"));
    }

    @Test
    void playShowsEventsWhenTheGoalIsReached() {
        // lava train without death: from (1,1) walking right reaches lava at (3,1), then the goal at (7,1) after 6 moves.
        Cli r = Cli.runWithInput("dddddd", "play", "lava", "--set", "lava_death=0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("events: lava"), r.out());
        assertTrue(r.out().contains("events: goal  [terminated]"), r.out());
        // With the default lava_death=1 the second step right, onto the lava, ends the episode.
        Cli dies = Cli.runWithInput("dd", "play", "lava");
        assertTrue(dies.out().contains("events: lava, death  [terminated]"), dies.out());
    }

    @Test
    void versionAndHelpWork() {
        assertEquals(0, Cli.run("--version").code());
        Cli help = Cli.run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("envs") && help.out().contains("level") && help.out().contains("bench"));
    }
}
