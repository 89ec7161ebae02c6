package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.core.UsageException;
import org.mesalab.lab.Cli;
import org.mesalab.lab.DemoCommand;
import org.mesalab.lab.experiment.Spec;

/** Experiment specs: parsing, sweeps, and every kind of mistake reported as file:line:column. */
class SpecTest {
    static final String GOOD = """
            name: t
            seeds: [3, 4]
            episodes: 50
            diagnoses: [heatmaps, episodes]
            conditions:
              - name: a
                env: coinrun
                agent: ppo
                steps: 100000
                train:
                  set:
                    random_coin: [0, 0.05, 0.2]
                params:
                  learning_rate: 0.001
              - name: p
                env: maze
                agent: planner
                seeds: [7]
                steps: 5000
                objectives: [events:cheese@test, true:intended]
            """;

    @Test
    void sweepsExpandAndDefaultsFillIn() {
        Spec s = Spec.parse(GOOD, "good.yaml");
        assertEquals("t", s.name());
        assertEquals(List.of(3L, 4L), s.seeds());
        assertEquals(4, s.conditions().size());
        Spec.Condition c = s.conditions().get(1);
        assertEquals("a[random_coin=0.05]", c.name());
        assertEquals("random_coin", c.lever());
        assertEquals(0.05, c.leverValue());
        assertEquals(List.of("train", "test"), c.evalSplits());
        Spec.Condition p = s.conditions().get(3);
        assertEquals(List.of("learned", "events:cheese@test", "true:intended"), p.objectives());
        assertEquals(List.of(7L), p.seeds());
        Spec q = s.quick();
        assertEquals("t-quick", q.name());
        assertEquals(List.of(3L), q.conditions().get(0).seeds());
        assertEquals(8192, q.conditions().get(0).steps());
        assertTrue(q.episodes() <= 30);
    }

    @Test
    void theDemoSpecIsValid() throws Exception {
        Spec s = Spec.load(Path.of("../experiments/demo.yaml"));
        assertEquals("demo", s.name());
        String bundled = new String(SpecTest.class.getResourceAsStream(DemoCommand.RESOURCE).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(Files.readString(Path.of("../experiments/demo.yaml")), bundled, "experiments/demo.yaml and the bundled copy must agree");
        for (Path f : Files.list(Path.of("../experiments")).filter(x -> x.toString().endsWith(".yaml")).toList()) {
            Spec.load(f); // every example spec validates
        }
    }

    private static void bad(String yaml, String expected) {
        UsageException e = assertThrows(UsageException.class, () -> Spec.parse(yaml, "s.yaml"));
        assertTrue(e.getMessage().startsWith(expected), "expected '" + expected + "...', got: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void mistakesNameTheirLineAndColumn() {
        bad("name: t\ncolor: red\nconditions: []\n", "s.yaml:2:1: unknown key 'color' in the spec; allowed: name, description");
        bad("name: t\nconditions: []\n", "s.yaml:2:13: conditions is empty");
        bad("name: t\n", "s.yaml:1:1: missing key 'conditions'");
        bad("name: t\nconditions:\n  - name: a\n    env: mars\n    agent: ppo\n    steps: 10\n", "s.yaml:4:10: unknown env 'mars'");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: dqn\n    steps: 10\n", "s.yaml:5:12: unknown agent 'dqn'; allowed: ppo, planner");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: lots\n", "s.yaml:6:12: steps must be an integer, got 'lots'");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: -5\n", "s.yaml:6:12: steps=-5 is out of range");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n", "s.yaml:3:5: condition is missing key 'steps'");
        bad("name: t\nconditions:\n  - name: a\n    env: coinrun\n    agent: ppo\n    steps: 10000\n    train:\n      set:\n        random_coin: [0, 2]\n",
                "s.yaml:9:22: coinrun: random_coin=2");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 10000\n    train:\n      set:\n        colour: 1\n",
                "s.yaml:9:17: maze: unknown parameter 'colour'");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 10000\n    params:\n      learning_rate: -1\n",
                "s.yaml:8:22: ppo: learning_rate=-1 is out of range; allowed: a number in (0, 1]");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 10000\n    objectives: [learned]\n",
                "s.yaml:7:17: objectives apply to agent planner");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: planner\n    steps: 10000\n    objectives: [events:gold]\n",
                "s.yaml:7:18: events:gold is not a valid expression");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 10000\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 10000\n",
                "s.yaml:7:5: condition name 'a' is used twice");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 10\n", "s.yaml:6:12: steps=10 is less than one batch of 4096");
        bad("name: t\nconditions: [\n", "s.yaml:3:1: malformed YAML");
        bad("name: t\nseeds: [1, 1]\nconditions: []\n", "s.yaml:2:12: seed 1 is listed twice");
        bad("name: t\ndiagnoses: [vibes]\nconditions: []\n", "s.yaml:2:13: unknown diagnosis 'vibes'");
        bad("name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 10\n    train: [1]\n", "s.yaml:7:12: train must be a mapping");
    }

    @Test
    void goodhartCasesAreCheckedLikeTheCommand() {
        String head = "name: t\ngoodhart:\n  - name: g\n    env: maze\n";
        Spec s = Spec.parse(head + "    proxy: events:cheese+0.02*corner\n    optimizer: search\n", "s.yaml");
        assertEquals(0, s.conditions().size(), "a spec of Goodhart curves needs no conditions");
        Spec.GoodhartCase g = s.goodhart().get(0);
        assertEquals("test", g.split());
        assertEquals(256, g.pressures()[g.pressures().length - 1]);
        assertEquals(30, s.quick().goodhart().get(0).episodes());
        bad(head + "    proxy: events:frog\n", "s.yaml:5:12: events:frog is not a valid expression");
        bad(head + "    proxy: cheese\n", "s.yaml:5:12: proxy 'cheese' is not known");
        bad(head + "    proxy: events:cheese\n    optimizer: annealing\n", "s.yaml:6:16: unknown optimizer 'annealing'; allowed: best-of-n, search, rl");
        bad(head + "    proxy: events:cheese\n    pressure: 8,4\n", "s.yaml:6:15: --pressure=8,4 is not increasing at 4");
        bad(head + "    proxy: events:cheese\n    base: runs/x\n", "s.yaml:6:11: base 'runs/x' is not allowed in a spec");
        bad(head + "    proxy: events:cheese\n    gold_discount: 2\n", "s.yaml:6:20: gold_discount=2.0 is out of range");
        bad(head + "    proxy: events:cheese\n    set:\n      size: 4\n", "s.yaml:7:7: maze: size=4");
        bad("name: t\ngoodhart:\n  - name: g\n    env: maze\n", "s.yaml:3:5: goodhart case is missing key 'proxy'");
        bad(head + "    proxy: events:cheese\n    pessimism: 1\n", "s.yaml:6:16: 'pessimism' applies to Gaussian-process proxies only");
        bad(head + "    proxy: model:x,y\n    pessimism: 11\n", "s.yaml:6:16: pessimism=11.0 is out of range");
        assertEquals(2.0, Spec.parse(head + "    proxy: model:x,y\n    pessimism: 2\n", "s.yaml").goodhart().get(0).pessimism());
        String gp = "name: t\ngoodhart:\n  - name: g\n    proxy: gp:action\n";
        assertEquals(1.5, Spec.parse(gp + "    pessimism: 1.5\n", "s.yaml").goodhart().get(0).pessimism());
        assertEquals(0.0, Spec.parse(gp, "s.yaml").goodhart().get(0).pessimism());
        bad(gp + "    pessimism: -1\n", "s.yaml:5:16: pessimism=-1.0 is out of range; allowed: [0, 10]");
    }

    /** Every spec shipped in experiments/ parses (what the README tells users to run). */
    @Test
    void everyShippedSpecParses() throws Exception {
        try (java.util.stream.Stream<Path> specs = Files.list(Path.of("..", "experiments"))) {
            List<Path> all = specs.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertTrue(all.size() >= 5, "specs found: " + all);
            for (Path p : all) {
                Spec s = Spec.load(p);
                assertTrue(!s.conditions().isEmpty() || !s.goodhart().isEmpty(), p + " has something to run");
            }
        }
    }

    /** proxy: learned trains the case's own planner (steps, planner:), optimized by its search; what does not apply is refused. */
    @Test
    void aLearnedProxyCaseTrainsItsPlanner() {
        String head = "name: t\ngoodhart:\n  - name: g\n    env: maze\n    proxy: learned\n";
        Spec.GoodhartCase g = Spec.parse(head + "    steps: 40000\n    planner: {simulations: 8, value_heads: 2}\n", "s.yaml").goodhart().get(0);
        assertTrue(g.learned());
        assertEquals("search", g.optimizer());
        assertEquals(40_000, g.steps());
        assertEquals(Map.of("simulations", "8", "value_heads", "2"), g.planner());
        assertArrayEquals(new long[] {1, 2, 4, 8, 16, 32, 64, 128, 256}, g.pressures());
        assertEquals(Spec.POLICY_HEAD, g.base());
        assertEquals(2_000, Spec.parse(head + "    steps: 40000\n", "s.yaml").quick().goodhart().get(0).steps());
        bad(head, "s.yaml:3:5: a learned proxy's case trains its planner: it needs 'steps'");
        bad(head + "    steps: 40000\n    optimizer: best-of-n\n",
                "s.yaml:7:16: a learned proxy is optimized by the planner's own search; allowed: optimizer search");
        bad(head + "    steps: 40000\n    pressure: 0,1\n", "s.yaml:7:15: --pressure=0,1");
        bad(head + "    steps: 40000\n    planner: {frog: 1}\n", "s.yaml:7:21: planner: unknown hyperparameter 'frog'");
        bad(head + "    steps: 8\n", "s.yaml:6:12: --steps=8 is less than one vector step of 16");
        assertTrue(Spec.parse(head + "    steps: 40000\n    sampled: true\n", "s.yaml").goodhart().get(0).sampled());
        bad(head + "    steps: 40000\n    sampled: maybe\n", "s.yaml:7:14: sampled=maybe is not allowed; allowed: true");
        bad(head + "    steps: 40000\n    base: random\n", "s.yaml:7:11: 'base' does not apply to a learned proxy");
        bad("name: t\ngoodhart:\n  - name: g\n    env: maze\n    proxy: events:cheese\n    steps: 4\n", "s.yaml:6:12: 'steps' applies to a learned proxy only");
        bad("name: t\ngoodhart:\n  - name: g\n    env: maze\n    proxy: learned:runs/p\n    optimizer: search\n",
                "s.yaml:5:12: a spec's case trains its own planner: proxy: learned");
    }

    /** value_std asks a value ensemble: every condition (PPO or planner) must train one; without signals, every other signal is measured. */
    @Test
    void theValueEnsemblesSignalNeedsValueHeadsOnEveryCondition() {
        String ppo = "name: t\nconditions:\n  - name: m\n    env: maze\n    agent: ppo\n    steps: 4096\n";
        bad(ppo + "help:\n  signals: [entropy, value_std]\n", "s.yaml:8:22: signal value_std needs a value ensemble, and condition m has none");
        Spec s = Spec.parse(ppo + "    params: {value_heads: 3}\nhelp:\n  signals: [value_std]\n", "s.yaml");
        assertEquals(List.of(org.mesalab.agents.ask.Signal.VALUE_STD), s.help().signals());
        assertTrue(!Spec.parse(ppo + "help:\n  rates: [0.1]\n", "s.yaml").help().signals().contains(org.mesalab.agents.ask.Signal.VALUE_STD));
        String planner = "name: t\nconditions:\n  - name: p\n    env: maze\n    agent: planner\n    steps: 4096\n";
        bad(planner + "help:\n  signals: [value_std]\n", "s.yaml:8:13: signal value_std needs a value ensemble, and condition p has none");
        assertEquals(List.of(org.mesalab.agents.ask.Signal.VALUE_STD),
                Spec.parse(planner + "    params: {value_heads: 2}\nhelp:\n  signals: [value_std]\n", "s.yaml").help().signals());
    }

    @Test
    void aBadSpecOnTheCommandLineExitsTwoAndWritesNothing(@TempDir Path dir) throws Exception {
        Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, "name: t\nconditions:\n  - name: a\n    env: maze\n    agent: ppo\n    steps: 0\n");
        Path out = dir.resolve("out");
        Cli r = Cli.run("run", spec.toString(), "--out", out.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("mesalab: " + spec + ":6:12: steps=0 is out of range"), r.err());
        assertEquals(1, r.err().strip().lines().count());
        assertFalse(Files.exists(out), "nothing written");
        Cli missing = Cli.run("run", dir.resolve("nope.yaml").toString(), "--out", out.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("cannot read spec"), missing.err());
        assertEquals(2, Cli.run("report", "nothing-here", "--db", dir.resolve("none.duckdb").toString()).code());
        assertEquals(2, Cli.run("export", dir.resolve("x").toString(), "--format", "xlsx").code());
    }
}
