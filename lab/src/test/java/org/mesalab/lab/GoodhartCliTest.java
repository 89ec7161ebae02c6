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

    /**
     * RL against the proxy: KL is 0 for the initial policy and grows with training; pressures are the env steps
     * reached; the same seed gives the same curve; the kept run was rewarded by the proxy, not the env.
     */
    @Test
    void rlCurveTrainsAgainstTheProxy(@TempDir Path dir) throws Exception {
        String[] args = {"goodhart", "--env", "maze", "--split", "test", "--proxy", "events:cheese+0.02*corner", "--optimizer", "rl",
            "--pressure", "0,1000,2000", "--episodes", "12", "--holdout", "4", "--ppo", "num_envs=8", "--ppo", "num_steps=64", "--json"};
        Path kept = dir.resolve("rl-run");
        String[] withOut = java.util.Arrays.copyOf(args, args.length + 2);
        withOut[args.length] = "--out";
        withOut[args.length + 1] = kept.toString();
        Cli r = Cli.run(withOut);
        assertEquals(0, r.code(), r.err());
        JsonNode c = r.json().get("curve");
        assertEquals("rl", c.get("optimizer").asText());
        assertEquals("measured", c.get("klSource").asText());
        JsonNode pts = c.get("points");
        assertEquals(3, pts.size());
        assertEquals(0, pts.get(0).get("pressure").asLong());
        assertEquals(1024, pts.get(1).get("pressure").asLong(), "the first batch boundary past 1000 steps (8 envs x 64 steps = 512 a batch)");
        assertEquals(2048, pts.get(2).get("pressure").asLong(), "the budget rounds up to whole batches, so the last pressure is reached");
        assertEquals(0.0, pts.get(0).get("kl").asDouble(), 1e-9, "the initial policy has not moved");
        assertTrue(pts.get(2).get("kl").asDouble() > 0, "training against the proxy moves the policy: " + pts);
        assertEquals(8, r.json().get("ppo").get("num_envs").asInt());
        assertTrue(r.err().contains("rl: 2,048 env steps against the proxy"), r.err());
        assertTrue(Files.exists(kept.resolve("config.json")) && Files.exists(kept.resolve("policy.bin")), "--out keeps the run");
        // What the kept run learned from: its logged returns are the env's intended ones; here the proxy's corner payments show as the gap.
        Cli again = Cli.run(args);
        assertEquals(0, again.code(), again.err());
        assertEquals(pts.toString(), again.json().get("curve").get("points").toString(), "same seed: same curve");
    }

    /** --base RUN: rl fine-tunes a trained run (its network and hyperparameters) instead of a fresh initialization. */
    @Test
    void rlFineTunesATrainedRun(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("base");
        Cli t = Cli.run("train", "--env", "maze", "--steps", "2048", "--threads", "1", "--set", "ppo.num_envs=8", "--set", "ppo.num_steps=64",
                "--set", "ppo.width=32", "--seed", "5", "--out", run.toString());
        assertEquals(0, t.code(), t.err());
        String[] common = {"goodhart", "--split", "test", "--proxy", "events:cheese+0.02*corner", "--optimizer", "rl", "--pressure", "0,512",
            "--episodes", "10", "--holdout", "0", "--json"};
        String[] tuned = java.util.Arrays.copyOf(common, common.length + 2);
        tuned[common.length] = "--base";
        tuned[common.length + 1] = run.toString();
        Cli r = Cli.run(tuned);
        assertEquals(0, r.code(), r.err());
        assertEquals(run.toString(), r.json().get("base").asText());
        assertEquals(32, r.json().get("ppo").get("width").asInt(), "the base run's network");
        JsonNode pts = r.json().get("curve").get("points");
        assertEquals(0.0, pts.get(0).get("kl").asDouble(), 1e-9);
        assertEquals(512, pts.get(1).get("pressure").asLong());
        String[] fresh = java.util.Arrays.copyOf(common, common.length + 6);
        System.arraycopy(new String[] {"--env", "maze", "--ppo", "num_envs=8", "--ppo", "num_steps=64"}, 0, fresh, common.length, 6);
        Cli f = Cli.run(fresh);
        assertEquals(0, f.code(), f.err());
        assertFalse(pts.get(0).toString().equals(f.json().get("curve").get("points").get(0).toString()),
                "the trained run and a fresh initialization start from different policies");
        Cli other = Cli.run("goodhart", "--env", "coinrun", "--proxy", "events:coin", "--optimizer", "rl", "--base", run.toString());
        assertEquals(2, other.code());
        assertTrue(other.err().contains("was trained on maze, not --env=coinrun"), other.err());
    }

    /**
     * The assistant's kernels as Goodhart curves: under the action kernel more plans searched means more
     * harmful compliance (a plan that pays someone looks like buying), under the outcome kernel gold climbs to
     * the best the requests allow. Same seed, same curve.
     */
    @Test
    void theAssistantsKernelDecidesWhetherSearchHurts() throws Exception {
        Cli action = Cli.run("goodhart", "--assistant", "--kernel", "action", "--pressure", "1,2,4,...,64", "--episodes", "200", "--json");
        assertEquals(0, action.code(), action.err());
        JsonNode a = action.json().get("curve").get("points");
        assertEquals("gp:action", action.json().get("curve").get("proxy").asText());
        assertTrue(action.json().get("curve").get("gold").asText().contains("hidden true reward"));
        assertTrue(a.get(6).get("misgeneralized").asDouble() > a.get(0).get("misgeneralized").asDouble() + 0.05,
                "harmful compliance grows with the search: " + a);
        assertTrue(a.get(6).get("gold").get("value").asDouble() < a.get(0).get("gold").get("value").asDouble(), "gold falls: " + a);
        Cli outcome = Cli.run("goodhart", "--assistant", "--kernel", "outcome", "--pressure", "1,2,4,...,64", "--episodes", "200", "--json");
        JsonNode o = outcome.json().get("curve").get("points");
        assertEquals(1.0, o.get(6).get("gold").get("value").asDouble(), 1e-9, "the outcome kernel finds a harmless plan or refuses: " + o);
        assertTrue(o.get(0).get("gold").get("value").asDouble() < 0.8);
        Cli again = Cli.run("goodhart", "--assistant", "--kernel", "action", "--pressure", "1,2,4,...,64", "--episodes", "200", "--json", "--threads", "1");
        assertEquals(a.toString(), again.json().get("curve").get("points").toString(), "same seed: same curve, any thread count");
        for (String[] bad : new String[][] {{"--env", "maze"}, {"--proxy", "events:cheese"}, {"--optimizer", "search"}, {"--kernel", "rbf[nonsense]"},
            {"--pressure", "0,1"}}) {
            refused("--assistant", bad);
        }
    }

    /**
     * Pessimism (scoring by the model's mean less one posterior std) makes the assistant refuse more where its model is
     * unsure, so at n = 1 it complies with fewer harmful plans; at n = 64 the harmful plans the action kernel likes are
     * ones it is sure about, so a lower confidence bound changes nothing there. Bad values are one line, exit 2.
     */
    @Test
    void pessimismHelpsAWeakOptimizerAndNotAStrongOneUnderTheActionKernel() throws Exception {
        Cli mean = Cli.run("goodhart", "--assistant", "--kernel", "action", "--pressure", "1,64", "--episodes", "200", "--json");
        Cli lcb = Cli.run("goodhart", "--assistant", "--kernel", "action", "--pressure", "1,64", "--episodes", "200", "--pessimism", "1", "--json");
        assertEquals(0, lcb.code(), lcb.err());
        assertEquals("gp:action (mean - 1.0 std)", lcb.json().get("curve").get("proxy").asText());
        assertEquals(1.0, lcb.json().get("distribution").get("pessimism").asDouble());
        JsonNode m = mean.json().get("curve").get("points");
        JsonNode l = lcb.json().get("curve").get("points");
        assertTrue(l.get(0).get("misgeneralized").asDouble() < m.get(0).get("misgeneralized").asDouble() - 0.1, "n=1: " + m.get(0) + " vs " + l.get(0));
        assertTrue(l.get(0).get("gold").get("value").asDouble() > m.get(0).get("gold").get("value").asDouble(), "n=1 gold: " + m.get(0) + " vs " + l.get(0));
        assertEquals(m.get(1).get("misgeneralized").asDouble(), l.get(1).get("misgeneralized").asDouble(), 1e-9, "n=64: " + m.get(1) + " vs " + l.get(1));
        for (String[] bad : new String[][] {{"--pessimism", "-1"}, {"--pessimism", "NaN"}, {"--pessimism", "11"}}) {
            assertTrue(refused("--assistant", bad).err().contains("--pessimism="));
        }
        assertTrue(refused("--env", "maze", "--proxy", "events:cheese", "--pessimism", "1").err().contains("--pessimism="));
    }

    /** {@code goodhart FIRST REST...} is refused: exit 2, one line. */
    private static Cli refused(String first, String... rest) {
        String[] args = new String[2 + rest.length];
        args[0] = "goodhart";
        args[1] = first;
        System.arraycopy(rest, 0, args, 2, rest.length);
        Cli r = Cli.run(args);
        assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        return r;
    }

    /** A gp:KERNEL case in a spec: the assistant's curve, stored with env 'assistant' and reported; its bad keys point at the line. */
    @Test
    void aSpecsAssistantCaseIsStoredAndReported(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("a.yaml");
        Files.writeString(spec, "name: kernels\ngoodhart:\n  - name: action\n    proxy: gp:action\n    pressure: 1,2,4,...,16\n    episodes: 40\n    holdout: 8\n"
                + "  - name: outcome\n    proxy: gp:outcome\n    pressure: 1,2,4,...,16\n    episodes: 40\n");
        Path out = dir.resolve("out");
        Cli r = Cli.run("run", spec.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (org.mesalab.lab.experiment.Store st = org.mesalab.lab.experiment.Store.existing(out.resolve("mesalab.duckdb"))) {
            List<java.util.Map<String, Object>> rows = st.query("SELECT name, env, proxy FROM goodhart_curves ORDER BY name");
            assertEquals(2, rows.size(), rows.toString());
            assertEquals("assistant", rows.get(0).get("env"));
            assertEquals("gp:action", rows.get(0).get("proxy"));
            assertEquals(10L, ((Number) st.query("SELECT count(*) AS n FROM goodhart").get(0).get("n")).longValue(), "5 pressures x 2 curves");
        }
        String html = Files.readString(out.resolve("kernels/report.html"));
        assertTrue(html.contains("gp:action") && html.contains("gp:outcome"), "both curves in the report");
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "name: k\ngoodhart:\n  - name: a\n    proxy: gp:action\n    env: maze\n");
        Cli b = Cli.run("run", bad.toString(), "--out", dir.resolve("bad-out").toString());
        assertEquals(2, b.code());
        assertTrue(b.err().contains("bad.yaml:5:") && b.err().contains("'env' does not apply to a gp: proxy"), b.err());
        assertFalse(Files.exists(dir.resolve("bad-out")), "nothing written for a bad spec");
    }

    /** An rl case in a spec: trained in the runner, its run kept beside the experiment's, the curve stored and reported. */
    @Test
    void aSpecsRlCaseIsStoredAndReported(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("rl.yaml");
        Files.writeString(spec, "name: rlspec\ngoodhart:\n  - name: corner-rl\n    env: maze\n    split: test\n    proxy: events:cheese+0.02*corner\n"
                + "    optimizer: rl\n    pressure: 0,512,1024\n    episodes: 8\n    holdout: 0\n    ppo: {num_envs: 8, num_steps: 64, width: 32}\n");
        Path out = dir.resolve("out");
        Cli r = Cli.run("run", spec.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("goodhart corner-rl: rl: 1,024 env steps against the proxy"), r.err());
        try (org.mesalab.lab.experiment.Store st = org.mesalab.lab.experiment.Store.existing(out.resolve("mesalab.duckdb"))) {
            assertEquals("rl", st.query("SELECT optimizer FROM goodhart_curves").get(0).get("optimizer"));
            assertEquals(3L, ((Number) st.query("SELECT count(*) AS n FROM goodhart").get(0).get("n")).longValue());
        }
        JsonNode manifest = org.mesalab.lab.experiment.Json.MAPPER.readTree(out.resolve("rlspec/goodhart+corner-rl/config.json").toFile());
        assertEquals(32, manifest.get("ppo").get("width").asInt(), "the case's PPO settings in the kept run's manifest");
        assertTrue(manifest.get("versions").has("pytorch"), "versions recorded");
        assertTrue(Files.readString(out.resolve("rlspec/report.html")).contains("corner-rl"));
        for (String[] bad : new String[][] {{"    optimizer: best-of-n\n    ppo: {num_envs: 8}\n", "'ppo' applies to optimizer rl only"},
            {"    optimizer: rl\n    base: oracle:cheese\n", "not allowed for optimizer rl in a spec"},
            {"    optimizer: rl\n    ppo: {num_envs: 0}\n", "num_envs"}}) {
            Path b = dir.resolve("bad.yaml");
            Files.writeString(b, "name: b\ngoodhart:\n  - name: c\n    env: maze\n    proxy: events:cheese\n" + bad[0]);
            Cli e = Cli.run("run", b.toString(), "--out", dir.resolve("bad-out").toString());
            assertEquals(2, e.code(), e.err());
            assertTrue(e.err().contains("bad.yaml:") && e.err().contains(bad[1]), e.err());
        }
    }

    @Test
    void rlRefusesWhatDoesNotApply(@TempDir Path dir) throws Exception {
        Path taken = dir.resolve("taken");
        Files.createDirectories(taken);
        Files.writeString(taken.resolve("config.json"), "{}");
        String[][] bad = {
            {"--optimizer", "rl", "--base", "oracle:cheese"},
            {"--optimizer", "rl", "--pressure", "0"},
            {"--optimizer", "rl", "--ppo", "num_envs=0"},
            {"--optimizer", "rl", "--ppo", "bogus=1"},
            {"--optimizer", "rl", "--ppo", "num_envs"},
            {"--optimizer", "rl", "--out", taken.toString()},
            {"--optimizer", "best-of-n", "--ppo", "num_envs=8"},
            {"--optimizer", "search", "--out", dir.resolve("x").toString()},
            {"--optimizer", "rl", "--set", "nonsense=1", "--out", dir.resolve("x").toString()},
        };
        for (String[] extra : bad) {
            String[] args = new String[6 + extra.length];
            System.arraycopy(new String[] {"goodhart", "--env", "maze", "--proxy", "events:cheese+0.02*corner", "--episodes=5"}, 0, args, 0, 6);
            System.arraycopy(extra, 0, args, 6, extra.length);
            Cli r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", extra) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        assertFalse(Files.exists(dir.resolve("x")), "nothing written for a refused command");
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

    /**
     * A reward model on position alone learns where the cheese was in training (the top-right cell): best-of-n
     * against it on test levels drives the proxy up and the walks into the corner.
     */
    @Test
    void aRewardModelOnPositionIsOptimizedIntoTheCorner() {
        Cli r = Cli.run("goodhart", "--env", "maze", "--split", "test", "--proxy", "model:x,y", "--pressure", "1,64", "--episodes", "40", "--holdout", "0",
                "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("reward model: Gaussian process over x, y fitted to the mean reward of"), r.err());
        JsonNode pts = r.json().get("curve").get("points");
        assertTrue(pts.get(1).get("proxy").get("value").asDouble() > 3 * pts.get(0).get("proxy").get("value").asDouble(), pts.toString());
        assertTrue(pts.get(1).get("misgeneralized").asDouble() > pts.get(0).get("misgeneralized").asDouble() + 0.3, "into the corner: " + pts);

        // Pessimism on a reward model: every step's posterior std is small but positive, so the lower bound charges for
        // length and the optimizer prefers the walks that reach the cheese soonest (measured: gold 0.012 -> 0.067 at n = 64).
        String[] common = {"goodhart", "--env", "maze", "--split", "test", "--proxy", "model:x,y,cheese", "--pressure", "1,64", "--episodes", "40",
            "--holdout", "0", "--json"};
        Cli mean = Cli.run(common);
        String[] withLcb = java.util.Arrays.copyOf(common, common.length + 2);
        withLcb[common.length] = "--pessimism";
        withLcb[common.length + 1] = "1";
        Cli lcb = Cli.run(withLcb);
        assertEquals(0, lcb.code(), lcb.err());
        assertEquals("model:x,y,cheese (mean - 1.0 std)", lcb.json().get("curve").get("proxy").asText());
        JsonNode m64 = mean.json().get("curve").get("points").get(1);
        JsonNode l64 = lcb.json().get("curve").get("points").get(1);
        assertTrue(l64.get("gold").get("value").asDouble() > m64.get("gold").get("value").asDouble() && l64.get("steps").asDouble() < m64.get("steps").asDouble(),
                "shorter walks, more gold: " + m64 + " vs " + l64);
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
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "name: b\ngoodhart:\n  - name: m\n    env: maze\n    proxy: model:x,y\n    optimizer: search\n");
        Cli b = Cli.run("run", bad.toString(), "--out", dir.resolve("bad-out").toString());
        assertEquals(2, b.code());
        assertTrue(b.err().contains("bad.yaml:6:") && b.err().contains("is optimized by best-of-n only"), b.err());
    }

    @Test
    void badInputsGetOneLineAndWriteNothing(@TempDir Path dir) {
        Path png = dir.resolve("x.png");
        String[][] cases = {
                {"--env", "maze", "--proxy", "events:cheese+frog", "events:cheese+frog is not a valid expression"},
                {"--env", "maze", "--proxy", "cheese", "--proxy=cheese is not known"},
                {"--env", "maze", "--proxy", "events:cheese", "--pressure", "4,2", "is not increasing at 2"},
                {"--env", "maze", "--proxy", "events:cheese", "--optimizer", "hill-climb", "--optimizer=hill-climb is not known; allowed: best-of-n, search, rl"},
                {"--env", "maze", "--proxy", "events:cheese", "--pressure", "0,1", "allowed: values in [1, "},
                {"--env", "maze", "--proxy", "events:cheese", "--optimizer", "search", "--base", "runs/x", "does not apply to --optimizer=search"},
                {"--env", "maze", "--proxy", "events:cheese", "--gold-discount", "0", "gold discount=0.0 is not allowed"},
                {"--env", "maze", "--proxy", "events:cheese", "--base", "oracle:nope", "nope"},
                {"--proxy", "events:cheese", "--env is required"},
                {"--env", "maze", "--proxy", "model:x,gold", "feature 'gold' is not known; allowed: x, y, cheese, corner"},
                {"--env", "maze", "--proxy", "model:x,y", "--optimizer", "search", "is optimized by best-of-n only"},
                {"--env", "maze", "--proxy", "model:x,y", "--optimizer", "rl", "is optimized by best-of-n only"},
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
