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
