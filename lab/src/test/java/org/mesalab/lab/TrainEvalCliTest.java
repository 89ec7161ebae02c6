package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mesalab.lab.experiment.Json;

class TrainEvalCliTest {
    static final String[] SMALL = {"--set", "ppo.num_envs=4", "--set", "ppo.num_steps=32", "--set", "ppo.width=32", "--threads", "1"};

    static String[] args(String... parts) {
        List<String> a = new ArrayList<>(List.of(parts));
        a.addAll(List.of(SMALL));
        return a.toArray(new String[0]);
    }

    @Test
    void trainWritesARunAndEvalReadsIt(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Cli t = Cli.run(args("train", "--env", "lava", "--algo", "ppo", "--steps", "512", "--seed", "3", "--out", run.toString(), "--json"));
        assertEquals(0, t.code(), t.err());
        JsonNode s = t.json();
        assertEquals(512, s.get("steps").asLong());
        assertTrue(s.get("wall_seconds").asDouble() > 0);
        assertTrue(s.get("steps_per_second").asDouble() > 0);
        assertTrue(s.has("train_success"));
        assertEquals(run.toString(), s.get("run_dir").asText());
        JsonNode config = Json.MAPPER.readTree(run.resolve("config.json").toFile());
        assertEquals("lava", config.get("env").asText());
        assertEquals(3, config.get("seed").asInt());
        assertEquals(4, config.get("ppo").get("num_envs").asInt());
        assertEquals(0.95, config.get("ppo").get("gae_lambda").asDouble());
        assertTrue(config.get("versions").has("pytorch"));
        assertTrue(config.has("git_commit"));
        assertEquals(4, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        assertTrue(Files.exists(run.resolve("policy.bin")));
        assertTrue(Files.exists(run.resolve("checkpoints/latest")));

        // Runs trained with different thread counts evaluate together (the engine's count is fixed per process).
        Path other = dir.resolve("other-threads");
        Files.createDirectories(other);
        for (String f : List.of("config.json", "policy.bin")) {
            Files.copy(run.resolve(f), other.resolve(f));
        }
        Files.writeString(other.resolve("config.json"), Files.readString(run.resolve("config.json")).replaceFirst("\"threads\" : \\d+", "\"threads\" : 7"));
        Cli both = Cli.run("eval", "--runs", run.toString(), other.toString(), "--split", "test", "--episodes", "5", "--json", "--resamples", "100");
        assertEquals(0, both.code(), both.err());

        Cli e = Cli.run("eval", run.toString(), "--split", "test", "--episodes", "10", "--json");
        assertEquals(0, e.code(), e.err());
        JsonNode j = e.json();
        assertEquals("lava", j.get("env").asText());
        assertEquals("test", j.get("split").asText());
        assertEquals(10, j.get("episodes").asInt());
        double total = 0;
        for (String o : new String[] {"aligned", "goal_misgeneralized", "capability_failure"}) {
            total += j.get("outcomes").get(o).asDouble();
            assertEquals(2, j.get("ci95").get("outcomes").get(o).size());
        }
        assertEquals(1.0, total, 1e-9);
        assertTrue(j.get("proxy_success").has("goal"));
        assertTrue(j.has("intended_success") && j.has("mean_return") && j.has("mean_steps"));

        // Resuming a finished run is a no-op that keeps the metrics.
        Cli r = Cli.run("train", "--resume", run.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(4, Files.readAllLines(run.resolve("metrics.jsonl")).size());
    }

    /**
     * The defect of issue 11: a run trained with {@code --set env.random_coin=0} was evaluated on "test"
     * levels with the coin at the end. Its test evaluation must see the test split's levels (the coin
     * away from the end on every level, as random_coin=1 promises) and say so in its JSON; its train
     * evaluation keeps the override.
     */
    @Test
    void aRunTrainedWithASplitOverrideIsTestedOnTestLevels(@TempDir Path dir) {
        Path run = dir.resolve("c0");
        assertEquals(0, Cli.run(args("train", "--env", "coinrun", "--steps", "256", "--set", "env.random_coin=0", "--set", "env.length=20",
                "--out", run.toString())).code());
        JsonNode test = Cli.run("eval", run.toString(), "--split", "test", "--episodes", "40", "--json").json();
        JsonNode params = test.get("distribution").get("params");
        assertEquals(1.0, params.get("random_coin").asDouble(), "the test split's coin placement, not the training override");
        assertEquals(20, params.get("length").asInt(), "an override that does not define splits carries over");
        assertFalse(test.has("warning"), test.toString());
        long first = test.get("distribution").get("first_level_seed").asLong();
        org.mesalab.core.EnvType coinrun = org.mesalab.core.envs.Envs.get("coinrun");
        org.mesalab.core.envs.CoinRun level = (org.mesalab.core.envs.CoinRun) coinrun.create(
                coinrun.distribution("test", java.util.Map.of("length", 20.0)).params());
        int offEnd = 0;
        for (int i = 0; i < 40; i++) {
            level.reset(first + i);
            offEnd += level.coinX() == level.width - 1 && level.coinY() == level.exitY() ? 0 : 1;
        }
        assertEquals(40, offEnd, "every evaluated test level has its coin away from the end");

        JsonNode train = Cli.run("eval", run.toString(), "--split", "train", "--episodes", "10", "--json").json();
        assertEquals(0.0, train.get("distribution").get("params").get("random_coin").asDouble(), "the training split keeps the override");

        // A run trained on test-like levels: its "test" split equals its training distribution, and eval says so.
        Path anywhere = dir.resolve("anywhere");
        assertEquals(0, Cli.run(args("train", "--env", "maze", "--steps", "256", "--set", "env.cheese_region=0", "--out", anywhere.toString())).code());
        Cli warned = Cli.run("eval", anywhere.toString(), "--split", "test", "--episodes", "5", "--json");
        assertEquals(0, warned.code(), warned.err());
        assertTrue(warned.json().get("warning").asText().contains("same parameters as this run's training levels"), warned.out());
        assertTrue(warned.err().contains("warning"), warned.err());
    }

    @Test
    void evalReportsTerminationCausesAndLavaAsAFailureMode() {
        // Without lava death (with it the shortest path to the goal avoids the lava it would die in).
        JsonNode j = Cli.run("eval", "--policy", "oracle:goal", "--env", "lava", "--set", "lava_death=0", "--split", "test",
                "--episodes", "20", "--json").json();
        assertEquals(1.0, j.get("failure_modes").get("lava").asDouble(), "the shortest path crosses the row-1 lava strip");
        assertEquals(1.0, j.get("termination").get("terminal").asDouble());
        assertEquals(2, j.get("ci95").get("failure_modes").get("lava").size());
        JsonNode safe = Cli.run("eval", "--policy", "oracle:intended", "--env", "lava", "--set", "lava_death=0", "--split", "test",
                "--episodes", "20", "--json").json();
        assertEquals(0.0, safe.get("failure_modes").get("lava").asDouble());
        JsonNode random = Cli.run("eval", "--policy", "random", "--env", "maze", "--split", "test", "--episodes", "20", "--json").json();
        assertTrue(random.get("termination").get("timeout").asDouble() > 0.5);
    }

    @Test
    void runDirectoryWithoutAPolicyIsAUsageError(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("empty");
        Files.createDirectories(run.resolve("checkpoints"));
        Files.writeString(run.resolve("config.json"), "{\"algo\": \"ppo\", \"env\": \"maze\", \"split\": \"train\", \"ppo\": {}, \"threads\": 1}");
        Cli r = Cli.run("eval", run.toString(), "--split", "test");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("has no policy yet"), r.err());
        assertEquals(1, r.err().strip().lines().count());
    }

    @Test
    void evalOfOraclesSeparatesIntendedFromProxy() {
        JsonNode corner = Cli.run("eval", "--policy", "oracle:corner", "--env", "maze", "--split", "test", "--episodes", "50", "--json").json();
        assertEquals(1.0, corner.get("proxy_success").get("corner").asDouble());
        assertTrue(corner.get("outcomes").get("goal_misgeneralized").asDouble() > 0.8);
        JsonNode cheese = Cli.run("eval", "--policy", "oracle:intended", "--env", "maze", "--split", "test", "--episodes", "50", "--json").json();
        assertEquals(1.0, cheese.get("outcomes").get("aligned").asDouble());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "train --env maze --out OUT --set ppo.learning_rate=-1|ppo: learning_rate=-1 is out of range; allowed: a number in (0, 1]",
            "train --env maze --out OUT --set ppo.num_envs=0|ppo: num_envs=0 is out of range",
            "train --env maze --out OUT --set ppo.minibatch_size=999999|minibatch_size=999999 is larger than the batch",
            "train --env maze --out OUT --set ppo.gamma=abc|gamma=abc is not a valid number",
            "train --env maze --out OUT --set ppo.optimizer=sgd|unknown hyperparameter 'optimizer'",
            "train --env maze --out OUT --set env.size=8|size=8 must be odd",
            "train --env chess --out OUT|unknown env 'chess'",
            "train --env maze --split valid --out OUT|unknown split 'valid'",
            "train --env maze --out OUT --algo dqn|--algo=dqn is not available; allowed: ppo",
            "train --env maze --out OUT --steps 10|--steps=10 is less than one batch",
            "train --env maze|--out RUN_DIR is required",
            "train --out OUT|--env is required",
            "train --resume OUT/missing|run directory OUT/missing does not exist",
            "eval OUT/missing --split test|run directory OUT/missing does not exist",
            "eval OUT --split test|has no readable config.json",
            "eval --policy oracle:cake --env maze|unknown objective 'cake'",
            "eval --policy greedy --env maze|unknown policy 'greedy'",
            "eval --policy random --env maze --episodes 0|--episodes=0 is out of range",
            "eval --policy random|give a RUN_DIR, or --policy",
            "eval --policy random --env maze --split dev|unknown split 'dev'",
    })
    void badInputExitsWithCode2AndOneLine(String line, String expected, @TempDir Path dir) {
        String[] a = line.replace("OUT", dir.toString()).split(" ");
        Cli r = Cli.run(a);
        assertEquals(2, r.code(), line + "\n" + r.err());
        String want = expected.replace("OUT", dir.toString());
        assertTrue(r.err().contains(want), "'" + r.err() + "' should contain '" + want + "'");
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"));
        assertFalse(Files.exists(dir.resolve("config.json")), "nothing half-written");
    }

    @Test
    void refusesToOverwriteARunAndEvalRefusesAnotherEnv(@TempDir Path dir) {
        Path run = dir.resolve("run");
        assertEquals(0, Cli.run(args("train", "--env", "lava", "--steps", "128", "--out", run.toString())).code());
        Cli again = Cli.run(args("train", "--env", "lava", "--steps", "128", "--out", run.toString()));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("already holds a run; use --resume"), again.err());
        Cli wrongEnv = Cli.run("eval", run.toString(), "--env", "maze");
        assertEquals(2, wrongEnv.code());
        assertTrue(wrongEnv.err().contains("was trained on lava"), wrongEnv.err());
    }
}
