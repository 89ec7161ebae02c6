package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Spec;
import org.yaml.snakeyaml.Yaml;

/**
 * The reliability campaign's fuzz (issue 18): generated command lines and generated spec trees. A
 * command ends with exit 0, or exit 2 and one line naming the problem; never exit 1, never a stack
 * trace. A spec parses, or is refused with {@code file:line:column} on one line. The generators draw
 * from each command's real options with good, bad and absurd values; values that would start long
 * work (a full training budget, a long Goodhart curve) are left out, since those paths are what the
 * other tests run.
 */
class FuzzTest {
    static final Path TMP;

    static {
        try {
            TMP = Files.createTempDirectory("mesalab-fuzz");
            Files.writeString(TMP.resolve("not-a-spec.yaml"), "name: [unclosed\n");
            Files.write(TMP.resolve("binary.yaml"), new byte[] {0, (byte) 0xff, 10, 13, 0x1b});
            Files.createDirectories(TMP.resolve("a-directory"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final List<String> COMMANDS = List.of("envs", "level", "eval", "diagnose", "heatmap", "objective", "train", "run", "report", "runs",
            "export", "gp", "assistant", "help", "nonsense");

    static final Map<String, List<String>> VALUES = new LinkedHashMap<>();

    static {
        String t = TMP.toString();
        VALUES.put("--env", List.of("maze", "coinrun", "heist", "lava", "nope", "", "MAZE"));
        VALUES.put("--split", List.of("train", "test", "nope", ""));
        VALUES.put("--episodes", List.of("-1", "0", "1", "3", "abc", "1e9", "99999999999999999999"));
        VALUES.put("--seed", List.of("-1", "0", "5", "abc", "99999999999", "-9223372036854775808"));
        VALUES.put("--policy", List.of("random", "oracle:intended", "oracle:corner", "oracle:nope", "oracle:", "ppo:x", ""));
        VALUES.put("--png", List.of("/proc/x.png", t + "/x.png", t + "/a-directory", t + "/new/dir/x.svg", ""));
        VALUES.put("--gif", List.of("/proc/x.gif", t + "/x.gif", t + "/a-directory"));
        VALUES.put("--set", List.of("env.size=9", "env.size=abc", "env.size=1000", "ppo.width=8", "foo", "=", "env.nope=1", "planner.x=1", "env.size=NaN"));
        VALUES.put("--steps", List.of("0", "-5", "abc", "8796093022208", "1e3", "10"));
        VALUES.put("--out", List.of(t + "/r", "/proc/r", t + "/a-directory", t + "/not-a-spec.yaml"));
        VALUES.put("--db", List.of(t + "/none.duckdb", "/proc/x", t + "/a-directory", t + "/binary.yaml"));
        VALUES.put("--kind", List.of("visits", "ends", "x"));
        VALUES.put("--threads", List.of("0", "1", "300", "-1", "x"));
        VALUES.put("--format", List.of("csv", "parquet", "x"));
        VALUES.put("--runs", List.of(t + "/missing", t, t + "/a-directory"));
        VALUES.put("--versus", List.of(t + "/missing", t));
        VALUES.put("--resume", List.of(t + "/missing", t + "/a-directory", ""));
        VALUES.put("--jobs", List.of("0", "1", "99", "x"));
        VALUES.put("--objective", List.of("learned", "events:cheese", "events:", "true:nope", "x"));
        VALUES.put("--algo", List.of("ppo", "planner", "dqn"));
        VALUES.put("--num-levels", List.of("-3", "0", "10", "x"));
        VALUES.put("--resamples", List.of("0", "5", "100", "x"));
        VALUES.put("--max-runs", List.of("0", "5", "x"));
        VALUES.put("--json", List.of());
        VALUES.put("--quick", List.of());
        VALUES.put("--greedy", List.of());
        VALUES.put("--force", List.of());
        VALUES.put("--help", List.of());
    }

    static final List<String> POSITIONALS = List.of("maze", "lava", TMP + "/missing", TMP + "/not-a-spec.yaml", TMP + "/binary.yaml",
            TMP + "/a-directory", "--", "-x", "", "--unknown-option", "train");

    @Provide
    Arbitrary<List<String>> commandLines() {
        Arbitrary<String> command = Arbitraries.of(COMMANDS);
        Arbitrary<List<String>> option = Arbitraries.of(new ArrayList<>(VALUES.keySet())).flatMap(name -> {
            List<String> values = VALUES.get(name);
            return values.isEmpty() ? Arbitraries.just(List.of(name)) : Arbitraries.of(values).map(v -> List.of(name, v));
        });
        Arbitrary<List<String>> positional = Arbitraries.of(POSITIONALS).map(List::of);
        Arbitrary<List<String>> part = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, option), net.jqwik.api.Tuple.of(1, positional));
        return Combinators.combine(command, part.list().ofMaxSize(5)).as((c, parts) -> {
            List<String> line = new ArrayList<>(List.of(c));
            parts.forEach(line::addAll);
            return line;
        });
    }

    @Property(tries = 300, seed = "18")
    void everyCommandLineExitsZeroOrTwoWithOneLine(@ForAll("commandLines") List<String> line) {
        Cli r = Cli.run(line.toArray(new String[0]));
        net.jqwik.api.statistics.Statistics.label("exit code").collect(r.code());
        assertTrue(r.code() == 0 || r.code() == 2, "exit " + r.code() + " for " + line + ":\n" + r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("internal error") || r.err().contains("\tat "), line + ":\n" + r.err());
        if (r.code() == 2) {
            long errors = r.err().strip().lines().filter(l -> l.startsWith("mesalab: ") && !l.startsWith("mesalab: warning") && !l.startsWith("mesalab: note")).count();
            assertEquals(1, errors, line + ":\n" + r.err());
        }
    }

    static final List<String> SPEC_KEYS = List.of("name", "description", "seeds", "episodes", "diagnoses", "conditions", "goodhart", "quick_steps", "junk");
    static final List<String> CONDITION_KEYS = List.of("name", "env", "agent", "steps", "quick_steps", "train", "eval_splits", "params", "objectives", "seeds",
            "split", "set", "junk");

    /** Scalars a spec might hold, sensible and not. */
    static Arbitrary<Object> scalars() {
        return Arbitraries.oneOf(
                Arbitraries.of("maze", "coinrun", "lava", "heist", "ppo", "planner", "train", "test", "a", "", "events:cheese@test", "true:intended",
                        "learned", "best-of-n", "search", "behavioral", "heatmaps", "0.02", "1,2,4", "random_coin", "cheese_region"),
                Arbitraries.strings().ofMaxLength(6),
                Arbitraries.longs().between(-5, 200_000).map(x -> (Object) x),
                Arbitraries.of(0L, 1L, -1L, 10_000_000_001L, Long.MAX_VALUE).map(x -> (Object) x),
                Arbitraries.doubles().between(-2, 2).map(x -> (Object) x),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY).map(x -> (Object) x),
                Arbitraries.of(true, false).map(x -> (Object) x),
                Arbitraries.just(null));
    }

    /** A value: a scalar, or (to depth 2) a list or a mapping with spec-like keys. */
    static Arbitrary<Object> values(int depth) {
        if (depth == 0) {
            return scalars();
        }
        Arbitrary<Object> list = values(depth - 1).list().ofMaxSize(4).map(l -> (Object) l);
        Arbitrary<Object> map = Arbitraries.maps(Arbitraries.of(CONDITION_KEYS), values(depth - 1)).ofMaxSize(4).map(m -> (Object) m);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, scalars()), net.jqwik.api.Tuple.of(2, list), net.jqwik.api.Tuple.of(2, map));
    }

    /** A valid spec (every part of the format) that mutations start from, so they reach the checks deep inside. */
    static final String BASE = """
            name: base
            description: fuzzed
            seeds: [1, 2]
            episodes: 50
            diagnoses: [behavioral, heatmaps]
            conditions:
              - name: a
                env: coinrun
                agent: ppo
                steps: 100000
                quick_steps: 20000
                train:
                  set:
                    random_coin: [0, 0.05]
                params:
                  learning_rate: [0.001, 0.0005]
                eval_splits: [train, test]
              - name: p
                env: maze
                agent: planner
                seeds: [7]
                steps: 5000
                objectives: [learned, events:cheese@test, true:intended]
            goodhart:
              - name: g
                env: maze
                split: test
                proxy: events:cheese+0.02*corner
                optimizer: best-of-n
                pressure: 1,2,4
                base: random
                episodes: 30
            """;

    @net.jqwik.api.Example
    void theBaseSpecIsValid() {
        assertEquals(5, Spec.parse(BASE, "base.yaml").conditions().size() + Spec.parse(BASE, "base.yaml").goodhart().size() - 1);
    }

    @Provide
    Arbitrary<String> specs() {
        Arbitrary<Object> replacement = values(1);
        Arbitrary<String> junkKey = Arbitraries.of("junk", "name", "env", "steps", "set", "seeds", "x y", "");
        return Combinators.combine(Arbitraries.longs(), replacement.list().ofMinSize(1).ofMaxSize(3), junkKey).as((seed, values, key) -> {
            Object tree = new Yaml().load(BASE);
            java.util.Random rng = new java.util.Random(seed);
            for (Object v : values) {
                mutate(tree, rng, v, key);
            }
            return new Yaml().dump(tree);
        });
    }

    /** Walks down a random path and there replaces a value, deletes a key, or adds one. */
    @SuppressWarnings("unchecked")
    static void mutate(Object node, java.util.Random rng, Object value, String key) {
        while (true) {
            if (node instanceof Map<?, ?> m0 && !m0.isEmpty()) {
                Map<String, Object> m = (Map<String, Object>) m0;
                List<String> keys = new ArrayList<>(m.keySet());
                String k = keys.get(rng.nextInt(keys.size()));
                Object child = m.get(k);
                if ((child instanceof Map || child instanceof List) && rng.nextInt(3) > 0) {
                    node = child;
                    continue;
                }
                switch (rng.nextInt(3)) {
                    case 0 -> m.put(k, value);
                    case 1 -> m.remove(k);
                    default -> m.put(key, value);
                }
                return;
            }
            if (node instanceof List<?> l0 && !l0.isEmpty()) {
                List<Object> l = (List<Object>) l0;
                int i = rng.nextInt(l.size());
                if ((l.get(i) instanceof Map || l.get(i) instanceof List) && rng.nextInt(3) > 0) {
                    node = l.get(i);
                    continue;
                }
                switch (rng.nextInt(3)) {
                    case 0 -> l.set(i, value);
                    case 1 -> l.remove(i);
                    default -> l.add(value);
                }
                return;
            }
            return;
        }
    }

    @Property(tries = 2000, seed = "1818")
    void everySpecParsesOrIsRefusedAtALineAndColumn(@ForAll("specs") String yaml) {
        try {
            Spec.parse(yaml, "fuzz.yaml");
            net.jqwik.api.statistics.Statistics.label("spec").collect("parsed");
        } catch (UsageException e) {
            net.jqwik.api.statistics.Statistics.label("spec").collect("refused");
            assertTrue(e.getMessage().matches("fuzz\\.yaml:\\d+:\\d+: .+"), e.getMessage() + "\n" + yaml);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
