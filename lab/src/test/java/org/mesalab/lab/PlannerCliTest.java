package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner on the command line: train, eval with swapped objectives, the objective picture, the search benchmark, bad input. */
class PlannerCliTest {
    private static void usageError(Cli r, String part) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("mesalab: ") && r.err().contains(part), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void trainEvalSwapAndDraw(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("p");
        Cli t = Cli.run("train", "--env", "maze", "--algo", "planner", "--steps", "400", "--threads", "1", "--out", run.toString(),
                "--set", "planner.num_envs=4", "--set", "planner.simulations=4", "--set", "planner.warmup=100", "--json");
        assertEquals(0, t.code(), t.err());
        assertEquals("planner", t.json().get("algo").asText());
        assertTrue(Files.exists(run.resolve("policy.bin")));
        Cli e = Cli.run("eval", run.toString(), "--split", "test", "--episodes", "4", "--objective", "true:intended", "--json");
        assertEquals(0, e.code(), e.err());
        assertEquals(1.0, e.json().get("intended_success").asDouble(), "the true objective on the simulator reaches the cheese");
        Cli wm = Cli.run("eval", run.toString(), "--split", "test", "--episodes", "3", "--world-model", "--json");
        assertEquals(0, wm.code(), wm.err());
        JsonNode events = wm.json().get("events");
        assertEquals(2, events.size(), "maze's events: cheese and corner");
        // Does the search improve on its prior? On the true simulator it must: the prior of a barely trained policy
        // head is near uniform, the search's target sees exact values.
        Cli q = Cli.run("eval", run.toString(), "--split", "train", "--episodes", "3", "--search-quality", "--objective", "true:intended",
                "--simulations", "16", "--json");
        assertEquals(0, q.code(), q.err());
        for (String part : new String[] {"visited", "every_state"}) {
            JsonNode r = q.json().get("runs").get(0).get(part);
            assertTrue(r.get("decisions").asLong() > 0, part);
            assertTrue(r.get("search_optimal_mass").asDouble() > r.get("prior_optimal_mass").asDouble() + 0.2, part + ": " + r);
            assertTrue(r.get("taken_optimal").asDouble() > 0.8, part + ": " + r);
            assertTrue(r.get("taken_still").asDouble() < 0.2, "an optimal walker hardly ever stands still: " + r);
            assertEquals(r.get("search_optimal_mass").asDouble() - r.get("prior_optimal_mass").asDouble(), r.get("improvement").asDouble(), 1e-9);
        }
        assertTrue(q.json().get("aggregate").get("every_state.search_optimal_mass").get("ci95").size() == 2);
        assertFalse(q.json().get("runs").get(0).get("every_state").has("value_lookahead_true_step_optimal"), "the learned value's lookahead needs the learned slot");
        Cli learned = Cli.run("eval", run.toString(), "--split", "train", "--episodes", "2", "--search-quality", "--json");
        assertEquals(0, learned.code(), learned.err());
        JsonNode everyState = learned.json().get("runs").get(0).get("every_state");
        for (String k : new String[] {"value_lookahead_true_step_optimal", "value_lookahead_model_step_optimal"}) {
            assertTrue(everyState.get(k).asDouble() >= 0 && everyState.get(k).asDouble() <= 1, k + ": " + everyState);
        }
        assertTrue(everyState.get("model_step_q_error").asDouble() >= 0 && everyState.get("true_step_q_range").asDouble() >= 0, everyState.toString());
        assertFalse(learned.json().get("runs").get(0).get("visited").has("value_lookahead_true_step_optimal"), "scored on every state only");
        Cli text = Cli.run("eval", run.toString(), "--split", "train", "--episodes", "2", "--search-quality");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("on every reachable state") && text.out().contains("stepping the learned model"), text.out());
        usageError(Cli.run("eval", run.toString(), "--search-quality", "--world-model"), "--search-quality goes alone");
        usageError(Cli.run("eval", "--policy", "random", "--env", "maze", "--search-quality"), "--search-quality needs a planner RUN_DIR");
        usageError(Cli.run("eval", run.toString(), "--runs", run.toString(), "--search-quality"), "--search-quality needs a planner RUN_DIR");
        usageError(Cli.run("eval", run.toString(), "--search-quality", "--resamples", "3"), "--resamples=3");

        Path png = dir.resolve("objective.png");
        Cli o = Cli.run("objective", run.toString(), "--split", "test", "--seed", "2", "--png", png.toString(), "--objective", "learned",
                "--objective", "true:intended", "--json");
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.size(png) > 1000);
        JsonNode value = o.json().get("objectives").get("true:intended").get("value");
        assertEquals(7, value.size(), "one row per maze row");
        Cli b = Cli.run("bench", "mcts", "--trees", "4", "--simulations", "8", "--seconds", "0.2", "--json");
        assertEquals(0, b.code(), b.err());
        assertTrue(b.json().get("simulations_per_second").asDouble() > 0);
        assertEquals("dummy", b.json().get("network").asText());

        usageError(Cli.run("eval", run.toString(), "--objective", "wishes"), "--objective=wishes is not known");
        usageError(Cli.run("eval", run.toString(), "--objective", "events:cheese", "--refit-split", "mars"), "--refit-split=mars");
        usageError(Cli.run("eval", run.toString(), "--simulations", "-3"), "--simulations=-3");
        usageError(Cli.run("objective", run.toString()), "give --png FILE and/or --json");
        usageError(Cli.run("eval", "--policy", "random", "--env", "maze", "--objective", "learned"), "apply to planner runs");
        // The output place is checked before the picture's minutes of work and its refit cache.
        usageError(Cli.run("objective", run.toString(), "--png", "/proc/o.png", "--objective", "events:cheese"), "--png /proc/o.png cannot be written");
        assertFalse(Files.exists(run.resolve("objectives")), "no refit cache written before the refusal");
        // One condition is one learner: a PPO run and a planner run are not two seeds of anything.
        Path ppo = dir.resolve("ppo");
        assertEquals(0, Cli.run("train", "--env", "maze", "--threads", "1", "--steps", "128", "--set", "ppo.num_envs=4", "--set", "ppo.num_steps=32",
                "--set", "ppo.width=8", "--out", ppo.toString()).code());
        usageError(Cli.run("eval", "--runs", ppo.toString(), run.toString(), "--split", "test"), "runs of several learners in one condition");
        usageError(Cli.run("eval", "--runs", ppo.toString(), "--search-quality"), "--search-quality applies to planner runs");

        // Asking for help: the planner's own signals, end to end; the signals it does not have, refused in one line.
        Cli a = Cli.run("ask", run.toString(), "--signal", "entropy,novelty,value_gap,surprise,oracle", "--help-rate", "0.1,0.5", "--episodes", "6",
                "--calibration-episodes", "4", "--index-levels", "4", "--json");
        assertEquals(0, a.code(), a.err());
        for (String sig : new String[] {"entropy", "novelty", "value_gap", "surprise"}) {
            JsonNode rows = a.json().get("signals").get(sig).get("rows");
            assertEquals(2, rows.size(), sig);
            assertTrue(rows.get(1).get("asks_per_episode").get("mean").asDouble() > 0 || sig.equals("value_gap"), sig + " asks at rate 0.5");
        }
        assertEquals(1.0, a.json().get("signals").get("oracle").get("rows").get(0).get("aligned").get("mean").asDouble(), "the bound plays the mentor");
        Cli viaEval = Cli.run("eval", run.toString(), "--ask-for-help", "surprise", "--help-rate", "0.2", "--episodes", "6", "--json");
        assertEquals(0, viaEval.code(), viaEval.err());
        usageError(Cli.run("ask", run.toString(), "--signal", "value_std"), "was trained with planner.value_heads=1");
        usageError(Cli.run("ask", ppo.toString(), "--signal", "surprise"), "is a PPO run");
        usageError(Cli.run("ask", run.toString(), "--signal", "novelty", "--layer", "hidden1"), "--layer hidden1 applies to PPO runs");
        usageError(Cli.run("ask", run.toString(), ppo.toString()), "runs of one learner");
        usageError(Cli.run("eval", run.toString(), "--ask-for-help", "entropy", "--objective", "true:intended"), "plays the agent as trained");

        // The planner's learned objective as a Goodhart proxy, its own search as the optimizer.
        Cli gh = Cli.run("goodhart", "--split", "test", "--proxy", "learned:" + run, "--optimizer", "search", "--pressure", "1,4", "--episodes", "4",
                "--holdout", "2", "--json");
        assertEquals(0, gh.code(), gh.err());
        JsonNode points = gh.json().get("curve").get("points");
        assertEquals(2, points.size());
        for (JsonNode pt : points) {
            assertTrue(pt.get("kl").asDouble() >= 0, "KL of the greedy search from the policy head: " + pt);
        }
        assertEquals("maze", gh.json().get("env").asText());
        usageError(Cli.run("goodhart", "--proxy", "learned:" + run, "--pressure", "1,2"), "allowed: --optimizer search");
        usageError(Cli.run("goodhart", "--env", "maze", "--proxy", "events:cheese", "--sampled"),
                "--sampled applies to a planner's search on its learned proxy");
        usageError(Cli.run("goodhart", "--proxy", "learned:" + ppo, "--optimizer", "search"), "is a ppo run");
        usageError(Cli.run("goodhart", "--proxy", "learned:" + dir.resolve("none"), "--optimizer", "search"), "is not a run directory");
        usageError(Cli.run("goodhart", "--proxy", "learned:" + run, "--optimizer", "search", "--pressure", "0,1"), "--pressure");
        usageError(Cli.run("goodhart", "--proxy", "learned:" + run, "--optimizer", "search", "--env", "coinrun"), "was trained on maze");
    }

    /**
     * A spec's help: section on a planner condition (with a value ensemble) stores the planner's own signals; a learned
     * Goodhart case its curve; a planner signal without a planner is refused.
     */
    @Test
    void aSpecsHelpSectionAsksAPlanner(@TempDir Path out) throws Exception {
        Path spec = out.resolve("help.yaml");
        Files.writeString(spec, "name: planner-asking\nseeds: 1\nepisodes: 6\nconditions:\n"
                + "  - name: p\n    env: maze\n    agent: planner\n    steps: 400\n    params: {num_envs: 4, simulations: 4, warmup: 100, value_heads: 2}\n"
                + "help:\n  signals: [value_gap, value_std, surprise, oracle]\n  rates: [0.5]\n  calibration_episodes: 4\n  index_levels: 4\n"
                + "goodhart:\n  - name: learned-search\n    env: maze\n    set: {max_steps: 40}\n    proxy: learned\n    steps: 64\n"
                + "    planner: {num_envs: 4, simulations: 4, warmup: 32}\n    sampled: true\n    pressure: 1,2\n    episodes: 4\n    holdout: 2\n");
        Cli r = Cli.run("run", spec.toString(), "--out", out.resolve("runs").toString(), "--jobs", "1");
        assertEquals(0, r.code(), r.err());
        try (org.mesalab.lab.experiment.Store st = org.mesalab.lab.experiment.Store.existing(out.resolve("runs/mesalab.duckdb"))) {
            assertEquals(java.util.List.of("none", "oracle", "surprise", "value_gap", "value_std"),
                    st.query("SELECT DISTINCT signal FROM help ORDER BY signal").stream()
                    .map(m -> (String) m.get("signal")).toList());
            // The learned case trained its own planner, then drew its curve: one point per simulation budget.
            assertEquals(java.util.List.of(java.util.Map.of("base", "the planner's policy head", "proxy", "learned:goodhart+learned-search", "levels", 4,
                    "optimizer", "sampled search")), st.query("SELECT base, proxy, levels, optimizer FROM goodhart_curves WHERE name = 'learned-search'"));
            assertEquals(2, st.query("SELECT pressure FROM goodhart WHERE name = 'learned-search'").size());
        }
        assertTrue(Files.exists(out.resolve("runs/planner-asking/goodhart+learned-search/policy.bin")));
        Path bad = out.resolve("bad.yaml");
        Files.writeString(bad, "name: b\nconditions:\n  - name: m\n    env: maze\n    agent: ppo\n    steps: 4096\nhelp:\n  signals: [entropy, surprise]\n");
        Cli b = Cli.run("run", bad.toString(), "--out", out.resolve("bad").toString());
        assertEquals(2, b.code());
        assertTrue(b.err().contains("bad.yaml:8:") && b.err().contains("signal surprise applies to planner runs"), b.err());
        assertFalse(Files.exists(out.resolve("bad")));
    }

    @Test
    void badPlannerInputsAreOneLineAndWriteNothing(@TempDir Path dir) {
        Path out = dir.resolve("x");
        usageError(Cli.run("train", "--env", "maze", "--algo", "planner", "--set", "planner.simulations=0", "--out", out.toString()), "simulations=0");
        usageError(Cli.run("train", "--env", "maze", "--algo", "planner", "--set", "ppo.learning_rate=1", "--out", out.toString()),
                "ppo.* applies to --algo ppo");
        usageError(Cli.run("train", "--env", "maze", "--set", "planner.width=8", "--out", out.toString()), "planner.* applies to --algo planner");
        usageError(Cli.run("train", "--env", "maze", "--algo", "dqn", "--out", out.toString()), "allowed: ppo, planner");
        assertFalse(Files.exists(out));
        usageError(Cli.run("bench", "mcts", "--trees", "0"), "--trees=0");
        usageError(Cli.run("bench", "mcts", "--network", "gpu"), "--network=gpu");
    }
}
