package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** probe, steer, mesa, activations and ask end to end on tiny PPO runs of maze and coinrun, and their bad inputs. */
class InsideCliTest {
    @TempDir
    static Path dir;
    static Path maze;
    static Path maze2;
    static Path lstm;
    static Path coinrun;

    private static Path train(String name, String env, String... extra) {
        Path out = dir.resolve(name);
        String[] base = {"train", "--env", env, "--steps", "512", "--threads", "1", "--set", "ppo.num_envs=8", "--set", "ppo.num_steps=64",
                "--set", "ppo.width=32", "--out", out.toString()};
        String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        Cli r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        return out;
    }

    @BeforeAll
    static void runs() {
        maze = train("maze", "maze", "--seed", "3");
        maze2 = train("maze2", "maze", "--seed", "4");
        lstm = train("lstm", "maze", "--seed", "3", "--set", "ppo.lstm_size=16", "--set", "ppo.num_minibatches=2");
        coinrun = train("coinrun", "coinrun", "--seed", "3");
    }

    @Test
    void probeReportsEveryLayerWithItsControlOverRuns() {
        Cli r = Cli.run("probe", maze.toString(), maze2.toString(), "--target", "cheese_position,future_position:2", "--levels", "80", "--steps", "10", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("maze", j.get("env").asText());
        JsonNode cheese = j.get("targets").get("cheese_position");
        for (String layer : new String[] {"input", "hidden1", "hidden2"}) {
            JsonNode row = cheese.get(layer);
            assertEquals(2, row.get("accuracy").get("per_run").size());
            double acc = row.get("accuracy").get("mean").asDouble();
            assertTrue(acc >= 0 && acc <= 1);
            assertTrue(row.get("control").has("ci95") && row.get("chance").has("mean"));
        }
        // the input holds the cheese plane: a linear probe reads it far above chance
        assertTrue(cheese.get("input").get("accuracy").get("mean").asDouble() > cheese.get("input").get("chance").get("mean").asDouble() + 0.3);
        assertTrue(j.get("targets").has("future_position:2"));
        Cli text = Cli.run("probe", coinrun.toString(), "--target", "coin_position", "--layer", "hidden2", "--levels", "10", "--steps", "20");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("coin_position") && text.out().contains("hidden2") && !text.out().contains("hidden1"), text.out());
    }

    @Test
    void steerReportsTheUnsteeredRowAndOneRowPerCoefficient(@TempDir Path out) throws Exception {
        Path vec = out.resolve("v.npy");
        Cli r = Cli.run("steer", maze.toString(), "--vector", "cheese", "--coefficient", "0,2", "--episodes", "20", "--vector-levels", "10", "--json",
                "--save-vector", vec.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rows = r.json().get("rows");
        assertEquals(3, rows.size());
        assertTrue(rows.get(0).get("coefficient").isNull());
        for (String k : new String[] {"aligned", "goal_misgeneralized", "capability_failure"}) {
            assertEquals(rows.get(0).get(k).get("mean").asDouble(), rows.get(1).get(k).get("mean").asDouble(), "coefficient 0 plays as unsteered: " + k);
        }
        double sum = 0;
        for (String k : new String[] {"aligned", "goal_misgeneralized", "capability_failure"}) {
            sum += rows.get(2).get(k).get("mean").asDouble();
        }
        assertEquals(1.0, sum, 1e-9);
        assertTrue(Files.size(vec) > 128);
        // the saved vector comes back as a user-given one
        Cli again = Cli.run("steer", maze.toString(), "--vector", vec.toString(), "--coefficient", "1", "--episodes", "10", "--json");
        assertEquals(0, again.code(), again.err());
        assertEquals("v.npy", again.json().get("vector").asText());
        Cli retarget = Cli.run("steer", maze.toString(), "--vector", "cheese@0,0", "--layer", "hidden1", "--coefficient", "1", "--episodes", "10", "--json");
        assertEquals(0, retarget.code(), retarget.err());
        assertTrue(retarget.json().get("rows").get(1).has("reached_target"));
        Cli own = Cli.run("steer", maze.toString(), "--vector", "cheese@level", "--layer", "hidden1", "--coefficient", "-1", "--episodes", "10", "--json");
        assertEquals(0, own.code(), own.err());
        assertEquals("cheese@level", own.json().get("vector").asText());
        Cli coin = Cli.run("steer", coinrun.toString(), "--vector", "coin", "--episodes", "10", "--vector-levels", "5");
        assertEquals(0, coin.code(), coin.err());
        assertTrue(coin.out().contains("steering coinrun/test"), coin.out());
    }

    @Test
    void mesaMeasuresThinkingTimeOfARecurrentNetworkOnly() {
        Cli r = Cli.run("mesa", lstm.toString(), "--thinking", "0,2", "--ahead", "1,3", "--episodes", "10", "--levels", "10", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertTrue(j.get("recurrent").asBoolean());
        assertTrue(j.get("thinking").has("0") && j.get("thinking").has("2"));
        assertTrue(j.get("plan_probes").get("future_position:3").has("lstm"));
        assertTrue(j.get("plan_probes").has("next_action"));
        Cli mlp = Cli.run("mesa", maze.toString(), "--ahead", "1", "--levels", "10");
        assertEquals(0, mlp.code(), mlp.err());
        assertTrue(mlp.out().contains("not recurrent"), mlp.out());
    }

    @Test
    void activationsWritesOneNpyPerLayerWithLabels(@TempDir Path out) throws Exception {
        Path acts = out.resolve("acts");
        Cli r = Cli.run("activations", maze.toString(), "--levels", "5", "--steps", "10", "--out", acts.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"input.npy", "hidden1.npy", "hidden2.npy", "labels.csv", "meta.json"}) {
            assertTrue(Files.isRegularFile(acts.resolve(f)), f);
        }
        long rows = Files.readAllLines(acts.resolve("labels.csv")).size() - 1;
        JsonNode meta = org.mesalab.lab.experiment.Json.MAPPER.readTree(acts.resolve("meta.json").toFile());
        assertEquals(rows, meta.get("layers").get("hidden1").get(0).asLong());
        assertEquals(32, meta.get("layers").get("hidden1").get(1).asInt());
        // 32 floats per row after a 128-byte header
        assertEquals(128 + rows * 32 * 4, Files.size(acts.resolve("hidden1.npy")));
        Path moved = out.resolve("moved");
        Cli m = Cli.run("activations", maze.toString(), "--levels", "5", "--move", "cheese=0,0", "--out", moved.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(Files.readAllLines(moved.resolve("labels.csv")).get(1).contains(",0,0,"), "the label follows the moved cheese");
    }

    @Test
    void aSpecsInsideDiagnosesAreStoredAndReportedOverSeeds(@TempDir Path out) throws Exception {
        Path spec = out.resolve("inside.yaml");
        Files.writeString(spec, "name: inside\nseeds: 2\nepisodes: 10\ndiagnoses: [probes, steering, mesa]\nconditions:\n"
                + "  - name: lstm\n    env: maze\n    agent: ppo\n    steps: 512\n    params: {num_envs: 8, num_steps: 64, width: 32, lstm_size: 16, num_minibatches: 2}\n");
        Cli r = Cli.run("run", spec.toString(), "--out", out.resolve("runs").toString(), "--jobs", "1");
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(out.resolve("runs/inside/report.html"));
        assertTrue(html.contains("id=\"inside\""), "report section");
        for (String part : new String[] {"Linear probes", "cheese_position", "Steering: activation addition", "Thinking time", "Plan probes", "future_position:8"}) {
            assertTrue(html.contains(part), part);
        }
        Path csv = out.resolve("csv");
        assertEquals(0, Cli.run("export", csv.toString(), "--format", "csv", "--db", out.resolve("runs/mesalab.duckdb").toString()).code());
        String diagnoses = Files.readString(csv.resolve("diagnoses.csv"));
        for (String kind : new String[] {"probes", "steering", "mesa"}) {
            assertEquals(2, diagnoses.lines().filter(l -> l.contains("," + kind + ",")).count(), kind + " once per seed:\n" + diagnoses.lines().limit(3).toList());
        }
    }

    /** The spec's help: section: every PPO run's help curves in the help table (one row per signal and rate, per seed) and the report. */
    @Test
    void aSpecsHelpSectionIsStoredAndReportedOverSeeds(@TempDir Path out) throws Exception {
        Path spec = out.resolve("help.yaml");
        Files.writeString(spec, "name: asking\nseeds: 2\nepisodes: 10\nconditions:\n"
                + "  - name: mlp\n    env: maze\n    agent: ppo\n    steps: 512\n    params: {num_envs: 8, num_steps: 64, width: 32}\n"
                + "help:\n  signals: [entropy, novelty, random, oracle]\n  rates: [0.1, 0.5]\n  calibration_episodes: 5\n  index_levels: 5\n");
        Cli r = Cli.run("run", spec.toString(), "--out", out.resolve("runs").toString(), "--jobs", "1");
        assertEquals(0, r.code(), r.err());
        try (org.mesalab.lab.experiment.Store st = org.mesalab.lab.experiment.Store.existing(out.resolve("runs/mesalab.duckdb"))) {
            // per seed: unassisted + 3 signals x 2 rates + the oracle's one row = 8
            assertEquals(16L, ((Number) st.query("SELECT count(*) AS n FROM help").get(0).get("n")).longValue());
            java.util.List<java.util.Map<String, Object>> oracle = st.query("SELECT aligned, in_time FROM help WHERE signal = 'oracle'");
            assertEquals(2, oracle.size());
            for (java.util.Map<String, Object> o : oracle) {
                assertEquals(1.0, ((Number) o.get("aligned")).doubleValue(), "asking at every deviation plays the intended oracle");
            }
            java.util.List<java.util.Map<String, Object>> none = st.query("SELECT help_rate, split FROM help WHERE signal = 'none'");
            assertEquals(0.0, ((Number) none.get(0).get("help_rate")).doubleValue());
            assertEquals("test", none.get(0).get("split"));
        }
        String html = Files.readString(out.resolve("runs/asking/report.html"));
        assertTrue(html.contains("id=\"help\"") && html.contains("id=\"help-auc\"") && html.contains("novelty"), "report section");
        Path bad = out.resolve("bad.yaml");
        Files.writeString(bad, "name: b\nconditions:\n  - name: m\n    env: maze\n    agent: ppo\n    steps: 4096\nhelp:\n  signals: [entropy, hunch]\n");
        Cli b = Cli.run("run", bad.toString(), "--out", out.resolve("bad").toString());
        assertEquals(2, b.code());
        assertTrue(b.err().contains("bad.yaml:8:") && b.err().contains("unknown signal 'hunch'"), b.err());
    }

    @Test
    void askReportsEverySignalAgainstTheUnassistedAgent() {
        Cli r = Cli.run("ask", maze.toString(), maze2.toString(), "--help-rate", "0.1,0.5", "--episodes", "10", "--calibration-episodes", "5",
                "--index-levels", "5", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(2, j.get("unassisted").get("aligned").get("per_run").size());
        for (String s : new String[] {"entropy", "max_prob", "novelty", "random"}) {
            JsonNode sig = j.get("signals").get(s);
            assertEquals(2, sig.get("rows").size(), s);
            JsonNode high = sig.get("rows").get(1);
            assertTrue(high.get("asks_per_episode").get("mean").asDouble() > 0, s + " asks at rate 0.5");
            assertEquals(0.5, high.get("train_rate").get("mean").asDouble(), 0.15, s + ": the calibrated rate on its own levels");
            assertTrue(sig.has("auc"));
            assertTrue(high.has("gain_per_test_ask_rate"));
        }
        JsonNode oracle = j.get("signals").get("oracle").get("rows");
        assertEquals(1, oracle.size(), "the bound has one row");
        assertEquals(1.0, oracle.get(0).get("aligned").get("mean").asDouble(), "asking at every deviation plays the intended oracle");
        assertEquals(1.0, oracle.get(0).get("in_time").get("mean").asDouble());
        Cli viaEval = Cli.run("eval", maze.toString(), "--ask-for-help", "oracle", "--episodes", "10", "--json");
        assertEquals(0, viaEval.code(), viaEval.err());
        assertEquals(1.0, viaEval.json().get("signals").get("oracle").get("rows").get(0).get("aligned").get("mean").asDouble());
        Cli coin = Cli.run("ask", coinrun.toString(), "--signal", "entropy,random", "--threshold", "0.5", "--episodes", "10");
        assertEquals(0, coin.code(), coin.err());
        assertTrue(coin.out().contains("asking for help on coinrun/test") && coin.out().contains("t=0.5"), coin.out());
    }

    @Test
    void badInputsGetOneLineExitTwoAndWriteNothing(@TempDir Path out) throws Exception {
        Path wrong = out.resolve("wrong.npy");
        org.mesalab.agents.interp.Npy.writeVector(wrong, new float[] {1, 2, 3});
        Path acts = out.resolve("acts");
        String[][] cases = {
                {"probe", maze.toString(), "--layer", "hidden9", "--levels", "10"},
                {"probe", maze.toString(), "--target", "coin_position", "--levels", "10"},
                {"probe", maze.toString(), "--target", "future_position:0", "--levels", "10"},
                {"probe", maze.toString(), coinrun.toString(), "--levels", "10"},
                {"probe", maze.toString(), "--split", "nope"},
                {"probe", out.resolve("missing").toString()},
                {"steer", maze.toString(), "--vector", wrong.toString(), "--episodes", "5"},
                {"steer", maze.toString(), "--vector", "gold", "--episodes", "5"},
                {"steer", maze.toString(), "--vector", "cheese@9,9", "--episodes", "5"},
                {"steer", maze.toString(), "--vector", "cheese", "--coefficient", "NaN"},
                {"steer", maze.toString(), "--vector", "cheese", "--save-vector", out.resolve("v.txt").toString()},
                {"mesa", maze.toString(), "--thinking", "-1"},
                {"mesa", maze.toString(), "--ahead", "0"},
                {"activations", maze.toString(), "--move", "cheese=99,0", "--out", acts.toString()},
                {"activations", maze.toString(), "--move", "gold=1,1", "--out", acts.toString()},
                {"activations", maze.toString(), "--levels", "0", "--out", acts.toString()},
                {"ask", maze.toString(), "--signal", "curiosity"},
                {"ask", maze.toString(), "--threshold", "1", "--help-rate", "0.1"},
                {"steer", maze.toString(), "--vector", "cheese", "--layer", "all"},
                {"eval", maze.toString(), "--threshold", "3"},
                {"eval", "--policy", "random", "--env", "maze", "--ask-for-help", "entropy"},
                {"eval", maze.toString(), "--ask-for-help", "entropy", "--threshold", "1", "--help-rate", "0.1"},
                {"ask", maze.toString(), "--help-rate", "0"},
                {"ask", maze.toString(), "--help-rate", "1.5"},
                {"ask", maze.toString(), "--threshold", "NaN"},
                {"ask", maze.toString(), "--signal", "novelty", "--layer", "lstm"},
                {"ask", maze.toString(), "--signal", "entropy,value_std"}, // trained without a value ensemble
                {"eval", maze.toString(), "--ask-for-help", "value_std", "--threshold", "0.1"},
        };
        for (String[] c : cases) {
            Cli r = Cli.run(c);
            assertEquals(2, r.code(), String.join(" ", c) + "\n" + r.err());
            assertEquals(1, r.err().strip().lines().count(), String.join(" ", c) + "\n" + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertTrue(r.out().isEmpty(), r.out());
        }
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(1, s.count(), "only the vector file the test wrote");
        }
    }
}
