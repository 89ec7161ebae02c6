package org.mesalab.lab.experiment;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mesalab.agents.planner.ObjectiveSlot;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.agents.planner.SlotChoice;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.ProxyRl;
import org.mesalab.core.EnvType;
import org.mesalab.core.Param;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.assistant.Assistant;
import org.mesalab.core.goodhart.AssistantBestOfN;
import org.mesalab.core.goodhart.Goodhart;
import org.mesalab.core.goodhart.Pressures;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * An experiment spec: which agents to train on which levels, with which seeds, and what to measure.
 * Read from YAML and checked completely before anything runs; every mistake is reported as
 * {@code file:line:column: message}. A list where one value is expected in {@code train.set} or
 * {@code params} is a sweep: the condition is expanded into one condition per combination, and the
 * first swept key is the condition's lever (plotted as a lever curve). See {@code docs/specs.md}.
 *
 * @param diagnoses which analyses to run beyond outcomes: {@code behavioral}, {@code heatmaps},
 *                  {@code episodes} (rollouts for the player), {@code objective} (planner pictures),
 *                  {@code assistant} (the prior lever: the assistant's kernels), {@code world_model} (planner event heads),
 *                  {@code probes}, {@code steering}, {@code mesa} (PPO runs' insides, as the commands of those names)
 */
public record Spec(String name, String description, List<Long> seeds, int episodes, List<String> diagnoses, List<Condition> conditions,
            List<GoodhartCase> goodhart, Help help, String source, String yaml) {

    /**
     * The {@code help:} section: every run asks for help on its last evaluated split as {@code mesalab ask}
     * does, per signal its learner reads ({@link #applies}) at each help rate (thresholds chosen on
     * {@code calibration_episodes} held-out training levels; novelty indexes {@code index_levels} training levels
     * at the last layer before the heads, or a planner's latent state).
     */
    public record Help(List<org.mesalab.agents.ask.Signal> signals, List<Double> rates, int calibrationEpisodes, int indexLevels) {
        /** Whether a run of {@code m}'s learner reads {@code s}: value_gap and surprise are the planner's. */
        public boolean applies(org.mesalab.agents.ask.Signal s, org.mesalab.agents.RunManifest m) {
            return applies(s, m.isPlanner() ? "planner" : "ppo");
        }

        static boolean applies(org.mesalab.agents.ask.Signal s, String agent) {
            return switch (s) {
                case VALUE_GAP, SURPRISE -> agent.equals("planner");
                default -> true;
            };
        }
    }

    static final Set<String> DIAGNOSES = Set.of("behavioral", "heatmaps", "episodes", "objective", "assistant", "world_model", "probes", "steering", "mesa");
    static final Set<String> AGENTS = Set.of("ppo", "planner");

    /**
     * One trained configuration.
     *
     * @param group      the condition's name in the spec (sweeps share it)
     * @param trainSet   env parameter overrides of the training levels
     * @param params     hyperparameters (ppo.* or planner.* without the prefix)
     * @param evalSplits splits evaluated after training
     * @param objectives planner objective slots evaluated (learned first)
     * @param lever      the swept parameter (or null) and its value here
     */
    public record Condition(String name, String group, String env, String agent, long steps, long quickSteps, String trainSplit,
                     Map<String, Double> trainSet, Map<String, String> params, List<String> evalSplits, List<String> objectives,
                     String lever, Double leverValue, List<Long> seeds) {
    }

    /**
     * A Goodhart curve to measure ({@code mesalab goodhart} with these options); training only for an rl case (PPO
     * against the proxy) and a learned case (the planner whose learned reward is the proxy).
     *
     * @param set       overrides of the env's generator parameters
     * @param pessimism a gp: or model: proxy scored by the mean less this many posterior stds (0: the mean)
     * @param planner   a learned case's planner hyperparameters (as {@code --set planner.KEY=VALUE})
     * @param steps     a learned case's training budget in env steps (0 for every other case)
     * @param sampled   a learned case's search samples as in training (root noise, its action drawn) instead of acting greedily
     */
    public record GoodhartCase(String name, String env, String split, Map<String, Double> set, String proxy, String optimizer,
                               long[] pressures, String base, int episodes, int holdout, double goldDiscount, Map<String, String> ppo, double pessimism,
                               Map<String, String> planner, long steps, boolean sampled) {
        /** Whether the proxy is the learned reward of a planner the case trains ({@code proxy: learned}). */
        public boolean learned() {
            return proxy.equals(LEARNED);
        }
    }

    /** A Goodhart case's proxy that is the learned reward of a planner trained for the case, optimized by its own search. */
    public static final String LEARNED = "learned";
    /** The base of a learned case: the planner's own policy head, from which its search's KL is measured. */
    public static final String POLICY_HEAD = "the planner's policy head";

    /** A learned Goodhart case's training budget in a quick run (the plumbing, not the result: about 20 s of one core). */
    static final long QUICK_PLANNER_STEPS = 2_000;

    /** Longest RL run a Goodhart case may ask for. */
    static final long MAX_RL_STEPS = 1_000_000_000L;

    /** The env of a Goodhart case whose proxy is the assistant's reward model ({@code gp:KERNEL}). */
    public static final String ASSISTANT = "assistant";

    /**
     * An objective as specs and {@code mesalab objective} write it: {@code SLOT} or {@code SLOT@SPLIT},
     * where SPLIT names the levels an {@code events:} value head is refit on.
     */
    /**
     * Reads and validates a spec file of at most {@code maxRuns} runs (conditions x seeds): a typo in a sweep must not
     * start a week of training. The limit is checked first, the spec's size after it is read.
     */
    public static Spec load(Path file, long maxRuns) {
        if (maxRuns < 1 || maxRuns > 1_000_000) {
            throw new UsageException("--max-runs=" + maxRuns + " is out of range; allowed: [1, 1000000]");
        }
        Spec s = load(file);
        long runs = s.conditions().stream().mapToLong(c -> c.seeds().size()).sum();
        if (runs > maxRuns) {
            throw new UsageException(file + " has " + runs + " runs (" + s.conditions().size() + " conditions x seeds), more than --max-runs="
                    + maxRuns + "; allowed: raise --max-runs, or sweep fewer values");
        }
        return s;
    }

    /** Reads and validates a spec file. */
    public static Spec load(Path file) {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new UsageException("spec " + file + " is a directory; allowed: a YAML file (see experiments/)");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new UsageException("spec " + file + " is " + Files.size(file) + " bytes; allowed: at most " + MAX_BYTES
                        + " (a spec is a page of YAML; sweeps expand it)");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UsageException("cannot read spec " + file + ": " + org.mesalab.core.UsageException.why(e));
        }
        return parse(utf8(bytes, file.toString()), file.toString());
    }

    /** The most conditions one spec may expand to; the runner caps runs (conditions x seeds) separately, with an override. */
    static final int MAX_CONDITIONS = 10_000;

    /** The largest spec file read: specs are short, and a huge one should fail at once, not after a long parse. */
    static final long MAX_BYTES = 1 << 20;

    /** The text of a spec's bytes; a byte that is not UTF-8 is reported at its line and column. */
    static String utf8(byte[] bytes, String source) {
        java.nio.charset.CharsetDecoder d = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT).onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
        java.nio.charset.CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int column = 1;
            for (int i = 0; i < out.position(); i++) {
                if (out.get(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            throw new UsageException(source + ":" + line + ":" + column + ": byte 0x" + String.format("%02x", bytes[at] & 0xff)
                    + " is not UTF-8 text; allowed: a YAML file in UTF-8");
        }
        d.flush(out);
        return out.flip().toString();
    }

    public static Spec parse(String text, String source) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new UsageException(source + ":" + (m == null ? "1:1" : (m.getLine() + 1) + ":" + (m.getColumn() + 1)) + ": malformed YAML: "
                    + (e.getProblem() == null ? e.getMessage().lines().findFirst().orElse("") : e.getProblem()));
        } catch (RuntimeException e) {
            throw new UsageException(source + ":1:1: malformed YAML: " + e.getMessage());
        }
        if (root == null) {
            throw new UsageException(source + ":1:1: the spec is empty; allowed: a mapping with name and conditions");
        }
        return new Reader(source, text).spec(root);
    }

    /** The conditions and seeds that a --quick run uses: the first seed, small budgets. */
    public Spec quick() {
        List<Condition> cs = new ArrayList<>();
        for (Condition c : conditions) {
            cs.add(new Condition(c.name(), c.group(), c.env(), c.agent(), c.quickSteps(), c.quickSteps(), c.trainSplit(), c.trainSet(),
                    c.params(), c.evalSplits(), c.objectives(), c.lever(), c.leverValue(), c.seeds().subList(0, 1)));
        }
        List<GoodhartCase> gs = new ArrayList<>();
        for (GoodhartCase g : goodhart) {
            gs.add(new GoodhartCase(g.name(), g.env(), g.split(), g.set(), g.proxy(), g.optimizer(), g.pressures(), g.base(),
                    Math.min(g.episodes(), 30), Math.min(g.holdout(), 10), g.goldDiscount(), g.ppo(), g.pessimism(), g.planner(),
                    g.learned() ? Math.min(g.steps(), QUICK_PLANNER_STEPS) : 0, g.sampled()));
        }
        Help h = help == null ? null : new Help(help.signals(), help.rates(), Math.min(help.calibrationEpisodes(), 30), Math.min(help.indexLevels(), 30));
        return new Spec(name + "-quick", description, seeds.subList(0, 1), Math.min(episodes, 30), diagnoses, cs, gs, h, source, yaml);
    }

    /** Walks the YAML node graph with positions for messages. */
    private static final class Reader {
        private final String source;
        private final String yaml;

        /** Conditions the sweeps expand to so far. */
        private double expanded;

        Reader(String source, String yaml) {
            this.source = source;
            this.yaml = yaml;
        }

        UsageException error(Node n, String message) {
            Mark m = n.getStartMark();
            // A quoted value may hold line breaks or control characters: they are shown escaped, so the message stays one line.
            String shown = message.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t").replaceAll("\\p{Cntrl}", "?");
            return new UsageException(source + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1) + ": " + shown);
        }

        Map<String, Node> mapping(Node n, String what, Set<String> allowed) {
            if (!(n instanceof MappingNode mn)) {
                throw error(n, what + " must be a mapping");
            }
            Map<String, Node> out = new LinkedHashMap<>();
            for (NodeTuple t : mn.getValue()) {
                String key = scalar(t.getKeyNode(), what + " key");
                if (allowed != null && !allowed.contains(key)) {
                    throw error(t.getKeyNode(), "unknown key '" + key + "' in " + what + "; allowed: " + String.join(", ", allowed));
                }
                if (out.containsKey(key)) {
                    throw error(t.getKeyNode(), "duplicate key '" + key + "' in " + what);
                }
                out.put(key, t.getValueNode());
            }
            return out;
        }

        String scalar(Node n, String what) {
            if (!(n instanceof ScalarNode s)) {
                throw error(n, what + " must be a single value, not a " + (n instanceof SequenceNode ? "list" : "mapping"));
            }
            return s.getValue();
        }

        long integer(Node n, String what, long lo, long hi) {
            String v = scalar(n, what).replace("_", "");
            long x;
            try {
                x = v.contains("e") || v.contains("E") ? (long) Double.parseDouble(v) : Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw error(n, what + " must be an integer, got '" + v + "'");
            }
            if (x < lo || x > hi) {
                throw error(n, what + "=" + x + " is out of range; allowed: [" + lo + ", " + hi + "]");
            }
            return x;
        }

        double number(Node n, String what) {
            String v = scalar(n, what);
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw error(n, what + " must be a number, got '" + v + "'");
            }
        }

        List<Node> list(Node n, String what) {
            if (!(n instanceof SequenceNode s)) {
                throw error(n, what + " must be a list");
            }
            return s.getValue();
        }

        private List<Long> defaultSeeds = List.of(1L);

        /** A count (1..count) or a list of distinct seeds. */
        List<Long> seeds(Node s) {
            List<Long> seeds = new ArrayList<>();
            if (s instanceof ScalarNode) {
                long count = integer(s, "seeds", 1, 100);
                for (long i = 1; i <= count; i++) {
                    seeds.add(i);
                }
                return seeds;
            }
            for (Node x : list(s, "seeds")) {
                long seed = integer(x, "seed", 0, 1_000_000);
                if (seeds.contains(seed)) {
                    throw error(x, "seed " + seed + " is listed twice");
                }
                seeds.add(seed);
            }
            if (seeds.isEmpty()) {
                throw error(s, "seeds is empty; allowed: a count or a list of seeds");
            }
            return seeds;
        }

        Spec spec(Node root) {
            Map<String, Node> m = mapping(root, "the spec", new LinkedHashSet<>(List.of("name", "description", "seeds", "episodes", "diagnoses", "conditions", "goodhart",
                    "help")));
            if (!m.containsKey("name")) {
                throw error(root, "missing key 'name'");
            }
            String name = scalar(m.get("name"), "name");
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw error(m.get("name"), "name '" + name + "' is not allowed; allowed: 1-64 letters, digits, '_', '.', '-'");
            }
            String description = m.containsKey("description") ? scalar(m.get("description"), "description") : "";
            List<Long> seeds = m.containsKey("seeds") ? seeds(m.get("seeds")) : List.of(1L);
            defaultSeeds = seeds;
            int episodes = m.containsKey("episodes") ? (int) integer(m.get("episodes"), "episodes", 1, 100_000) : 200;
            List<String> diagnoses = new ArrayList<>();
            if (m.containsKey("diagnoses")) {
                for (Node d : list(m.get("diagnoses"), "diagnoses")) {
                    String v = scalar(d, "diagnosis");
                    if (!DIAGNOSES.contains(v)) {
                        throw error(d, "unknown diagnosis '" + v + "'; allowed: " + String.join(", ", new java.util.TreeSet<>(DIAGNOSES)));
                    }
                    diagnoses.add(v);
                }
            }
            List<GoodhartCase> goodhart = new ArrayList<>();
            if (m.containsKey("goodhart")) {
                Set<String> seen = new LinkedHashSet<>();
                for (Node g : list(m.get("goodhart"), "goodhart")) {
                    GoodhartCase c = goodhartCase(g);
                    if (!seen.add(c.name())) {
                        throw error(g, "goodhart case name '" + c.name() + "' is used twice");
                    }
                    goodhart.add(c);
                }
            }
            if (!m.containsKey("conditions") && goodhart.isEmpty()) {
                throw error(root, "missing key 'conditions'");
            }
            List<Condition> conditions = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            List<Node> cs = m.containsKey("conditions") ? list(m.get("conditions"), "conditions") : List.of();
            if (cs.isEmpty() && m.containsKey("conditions")) {
                throw error(m.get("conditions"), "conditions is empty; allowed: one or more conditions");
            }
            for (Node c : cs) {
                for (Condition x : condition(c)) {
                    if (!names.add(x.name())) {
                        throw error(c, "condition name '" + x.name() + "' is used twice");
                    }
                    conditions.add(x);
                }
            }
            Help help = m.containsKey("help") ? help(m.get("help"), conditions) : null;
            return new Spec(name, description, seeds, episodes, diagnoses, conditions, goodhart, help, source, yaml);
        }

        /** The {@code help:} section, checked as {@code mesalab ask} checks its options. */
        Help help(Node node, List<Condition> conditions) {
            Map<String, Node> m = mapping(node, "help", new LinkedHashSet<>(List.of("signals", "rates", "calibration_episodes", "index_levels")));
            List<org.mesalab.agents.ask.Signal> signals = new ArrayList<>();
            if (m.containsKey("signals")) {
                for (Node n : list(m.get("signals"), "signals")) {
                    String v = scalar(n, "signal");
                    try {
                        signals.add(org.mesalab.agents.ask.Signal.parse(v));
                    } catch (UsageException e) {
                        throw error(n, "unknown signal '" + v + "'; allowed: entropy, max_prob, novelty, value_std, value_gap, surprise, random, oracle");
                    }
                    org.mesalab.agents.ask.Signal last = signals.get(signals.size() - 1);
                    if (conditions.stream().noneMatch(c -> Help.applies(last, c.agent()))) {
                        throw error(n, "signal " + v + " applies to planner runs and no condition has that agent; allowed: entropy, max_prob, novelty,"
                                + " random, oracle, or a condition that reads it");
                    }
                    if (signals.get(signals.size() - 1) == org.mesalab.agents.ask.Signal.VALUE_STD) {
                        for (Condition c : conditions) {
                            if (Integer.parseInt(c.params().getOrDefault("value_heads", "1").trim()) < 2) {
                                throw error(n, "signal value_std needs a value ensemble, and condition " + c.name() + " has none; allowed: params:"
                                        + " {value_heads: K} (K >= 2) on every condition, or another signal");
                            }
                        }
                    }
                }
            } else { // every signal but the value ensemble's, which needs value_heads on every condition (planner-only signals: planner runs)
                for (org.mesalab.agents.ask.Signal x : org.mesalab.agents.ask.Signal.values()) {
                    if (x != org.mesalab.agents.ask.Signal.VALUE_STD) {
                        signals.add(x);
                    }
                }
            }
            List<Double> rates = new ArrayList<>();
            if (m.containsKey("rates")) {
                for (Node n : list(m.get("rates"), "rates")) {
                    double r = number(n, "rate");
                    if (!(r > 0 && r <= 1) || (!rates.isEmpty() && r <= rates.get(rates.size() - 1))) {
                        throw error(n, "help rate " + r + " is not allowed; allowed: increasing shares of steps in (0, 1]");
                    }
                    rates.add(r);
                }
            } else {
                rates.addAll(List.of(0.01, 0.02, 0.05, 0.1, 0.2));
            }
            if (signals.isEmpty() || rates.isEmpty()) {
                throw error(node, "help needs at least one signal and one rate");
            }
            int calibration = m.containsKey("calibration_episodes") ? (int) integer(m.get("calibration_episodes"), "calibration_episodes", 1, 100_000) : 100;
            int index = m.containsKey("index_levels") ? (int) integer(m.get("index_levels"), "index_levels", 1, 100_000) : 200;
            return new Help(List.copyOf(signals), List.copyOf(rates), calibration, index);
        }

        /** One {@code goodhart:} case, checked as {@code mesalab goodhart} checks its options. */
        GoodhartCase goodhartCase(Node node) {
            Map<String, Node> m = mapping(node, "a goodhart case", new LinkedHashSet<>(List.of("name", "env", "split", "set", "proxy", "optimizer",
                    "pressure", "base", "episodes", "holdout", "gold_discount", "ppo", "pessimism", "planner", "steps", "sampled")));
            boolean assistant = m.containsKey("proxy") && scalar(m.get("proxy"), "proxy").startsWith(AssistantBestOfN.PREFIX);
            for (String required : assistant ? List.of("name", "proxy") : List.of("name", "env", "proxy")) {
                if (!m.containsKey(required)) {
                    throw error(node, "goodhart case is missing key '" + required + "'");
                }
            }
            String name = scalar(m.get("name"), "goodhart case name");
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw error(m.get("name"), "goodhart case name '" + name + "' is not allowed; allowed: 1-64 letters, digits, '_', '.', '-'");
            }
            if (assistant) {
                return assistantCase(m, name);
            }
            if (m.containsKey("pessimism") && !scalar(m.get("proxy"), "proxy").startsWith(org.mesalab.core.goodhart.RewardModel.PREFIX)) {
                throw error(m.get("pessimism"), "'pessimism' applies to Gaussian-process proxies only (a posterior std); allowed: proxy: gp:KERNEL or"
                        + " proxy: model:FEATURES");
            }
            EnvType type;
            try {
                type = Envs.get(scalar(m.get("env"), "env"));
            } catch (UsageException e) {
                throw error(m.get("env"), e.getMessage());
            }
            String split = m.containsKey("split") ? split(m.get("split"), type) : "test";
            Map<String, Double> set = new LinkedHashMap<>();
            if (m.containsKey("set")) {
                for (Map.Entry<String, Node> e : mapping(m.get("set"), "set", null).entrySet()) {
                    set.put(e.getKey(), number(e.getValue(), "set." + e.getKey()));
                }
                try {
                    type.distribution(split, set);
                } catch (UsageException e) {
                    throw error(m.get("set"), e.getMessage());
                }
            }
            String proxy = scalar(m.get("proxy"), "proxy");
            boolean model = proxy.startsWith(org.mesalab.core.goodhart.RewardModel.PREFIX);
            if (proxy.equals(LEARNED)) {
                return learnedCase(m, node, name, type, split, set);
            }
            for (String key : List.of("planner", "steps", "sampled")) {
                if (m.containsKey(key)) {
                    throw error(m.get(key), "'" + key + "' applies to a learned proxy only (proxy: learned, the planner the case trains); allowed with proxy "
                            + proxy + ": no " + key);
                }
            }
            try {
                if (proxy.startsWith(org.mesalab.agents.planner.ProxySearch.PREFIX)) {
                    throw new UsageException("a spec's case trains its own planner: proxy: learned, with steps: N and optionally planner: {KEY: VALUE}"
                            + " (a trained run's proxy: mesalab goodhart --proxy learned:RUN_DIR)");
                }
                if (model) {
                    org.mesalab.core.goodhart.RewardModel.check(proxy, type, "proxy '" + proxy + "'");
                } else {
                    Goodhart.proxy(proxy, type, "proxy '" + proxy + "'");
                }
            } catch (UsageException e) {
                throw error(m.get("proxy"), e.getMessage());
            }
            String optimizer = m.containsKey("optimizer") ? scalar(m.get("optimizer"), "optimizer") : Goodhart.BEST_OF_N;
            boolean rl = optimizer.equals(ProxyRl.RL);
            if (model && !optimizer.equals(Goodhart.BEST_OF_N)) {
                throw error(m.containsKey("optimizer") ? m.get("optimizer") : node, "a reward model proxy (" + proxy + ") is optimized by best-of-n only;"
                        + " allowed: optimizer best-of-n");
            }
            long[] range;
            try {
                range = rl ? new long[] {0, MAX_RL_STEPS} : Goodhart.range(optimizer);
            } catch (UsageException e) {
                throw error(m.get("optimizer"), "unknown optimizer '" + optimizer + "'; allowed: " + Goodhart.OPTIMIZERS + ", " + ProxyRl.RL);
            }
            String pressure = m.containsKey("pressure") ? scalar(m.get("pressure"), "pressure")
                    : optimizer.equals(Goodhart.SEARCH) ? "0,1,2,4,...,256" : rl ? "0,16384,32768,65536,...,1048576" : "1,2,4,...,1024";
            long[] pressures;
            try {
                pressures = Pressures.parse(pressure, range[0], range[1]);
            } catch (UsageException e) {
                throw error(m.containsKey("pressure") ? m.get("pressure") : node, e.getMessage());
            }
            Map<String, String> ppo = new LinkedHashMap<>();
            if (m.containsKey("ppo")) {
                if (!rl) {
                    throw error(m.get("ppo"), "'ppo' applies to optimizer rl only; allowed with optimizer " + optimizer + ": no ppo");
                }
                PpoConfig cfg = hyperparameters(m.get("ppo"), "ppo", PpoConfig.defaults(), PpoConfig::with, ppo);
                try {
                    cfg.validate(pressures[pressures.length - 1]);
                } catch (UsageException x) {
                    throw error(m.get("ppo"), x.getMessage());
                }
            }
            if (rl && pressures[pressures.length - 1] < 1) {
                throw error(m.containsKey("pressure") ? m.get("pressure") : node, "an rl curve needs training: a largest pressure of at least 1 env step");
            }
            String base = m.containsKey("base") ? scalar(m.get("base"), "base") : "random";
            if (rl && !base.equals("random")) {
                throw error(m.get("base"), "base '" + base + "' is not allowed for optimizer rl in a spec; allowed: random (a fresh PPO; a run: mesalab goodhart --base)");
            }
            if (!base.equals("random") && !base.startsWith("oracle:")) {
                throw error(m.get("base"), "base '" + base + "' is not allowed in a spec; allowed: random, oracle:NAME");
            }
            if (base.startsWith("oracle:")) {
                try {
                    type.objective(base.substring("oracle:".length()));
                } catch (UsageException e) {
                    throw error(m.get("base"), e.getMessage());
                }
            }
            int episodes = m.containsKey("episodes") ? (int) integer(m.get("episodes"), "episodes", 1, 100_000) : 300;
            int holdout = m.containsKey("holdout") ? (int) integer(m.get("holdout"), "holdout", 0, 100_000) : 30;
            double discount = m.containsKey("gold_discount") ? number(m.get("gold_discount"), "gold_discount") : 0.97;
            if (!(discount > 0 && discount <= 1)) {
                throw error(m.get("gold_discount"), "gold_discount=" + discount + " is out of range; allowed: (0, 1]");
            }
            // An rl curve's base is the policy it starts from: a fresh PPO initialization (what the store and the report say).
            double pessimism = m.containsKey("pessimism") ? number(m.get("pessimism"), "pessimism") : 0;
            if (!(pessimism >= 0 && pessimism <= 10)) {
                throw error(m.get("pessimism"), "pessimism=" + pessimism + " is out of range; allowed: [0, 10] posterior standard deviations");
            }
            return new GoodhartCase(name, type.name(), split, set, proxy, optimizer, pressures, rl ? "fresh PPO" : base, episodes, holdout, discount,
                    Map.copyOf(ppo), pessimism, Map.of(), 0, false);
        }

        /**
         * A {@code proxy: learned} case: a planner trained for it ({@code steps}, {@code planner:} hyperparameters, seed 0,
         * on the training split with the case's {@code set}), its learned reward the proxy and its own search the
         * optimizer (pressure = simulations), as {@code mesalab goodhart --proxy learned:RUN_DIR}.
         */
        private GoodhartCase learnedCase(Map<String, Node> m, Node node, String name, EnvType type, String split, Map<String, Double> set) {
            for (String key : List.of("base", "ppo")) {
                if (m.containsKey(key)) {
                    throw error(m.get(key), "'" + key + "' does not apply to a learned proxy (its base is the planner's policy head); allowed: env, split, set,"
                            + " steps, planner, sampled, optimizer: search, pressure, episodes, holdout, gold_discount");
                }
            }
            String optimizer = m.containsKey("optimizer") ? scalar(m.get("optimizer"), "optimizer") : Goodhart.SEARCH;
            if (!optimizer.equals(Goodhart.SEARCH)) {
                throw error(m.get("optimizer"), "a learned proxy is optimized by the planner's own search; allowed: optimizer search (pressure = simulations)");
            }
            if (!m.containsKey("steps")) {
                throw error(node, "a learned proxy's case trains its planner: it needs 'steps' (env steps of training)");
            }
            long steps = integer(m.get("steps"), "steps", 1, MAX_RL_STEPS);
            Map<String, String> planner = new LinkedHashMap<>();
            PlannerConfig cfg = m.containsKey("planner")
                    ? hyperparameters(m.get("planner"), "planner", PlannerConfig.defaults(), PlannerConfig::with, planner) : PlannerConfig.defaults();
            try {
                cfg.validate(steps, type.splits().keySet());
            } catch (UsageException x) {
                throw error(m.get(m.containsKey("planner") ? "planner" : "steps"), x.getMessage());
            }
            long[] pressures;
            try {
                pressures = Pressures.parse(m.containsKey("pressure") ? scalar(m.get("pressure"), "pressure") : "1,2,4,...,256", 1,
                        org.mesalab.agents.planner.ProxySearch.MAX_SIMULATIONS);
            } catch (UsageException e) {
                throw error(m.containsKey("pressure") ? m.get("pressure") : node, e.getMessage());
            }
            int episodes = m.containsKey("episodes") ? (int) integer(m.get("episodes"), "episodes", 1, 100_000) : 300;
            int holdout = m.containsKey("holdout") ? (int) integer(m.get("holdout"), "holdout", 0, 100_000) : 30;
            double discount = m.containsKey("gold_discount") ? number(m.get("gold_discount"), "gold_discount") : 0.97;
            if (!(discount > 0 && discount <= 1)) {
                throw error(m.get("gold_discount"), "gold_discount=" + discount + " is out of range; allowed: (0, 1]");
            }
            boolean sampled = false;
            if (m.containsKey("sampled")) {
                String v = scalar(m.get("sampled"), "sampled");
                if (!v.equals("true") && !v.equals("false")) {
                    throw error(m.get("sampled"), "sampled=" + v + " is not allowed; allowed: true (the search samples as in training) or false (greedy)");
                }
                sampled = v.equals("true");
            }
            return new GoodhartCase(name, type.name(), split, set, LEARNED, optimizer, pressures, POLICY_HEAD, episodes, holdout, discount, Map.of(), 0,
                    Map.copyOf(planner), steps, sampled);
        }

        /** A case's {@code ppo:} or {@code planner:} mapping, each value checked by the learner's own declarations, into {@code given}. */
        private <C> C hyperparameters(Node node, String learner, C config, Setter<C> with, Map<String, String> given) {
            for (Map.Entry<String, Node> e : mapping(node, learner, null).entrySet()) {
                String v = scalar(e.getValue(), learner + "." + e.getKey());
                try {
                    config = with.apply(config, e.getKey(), v);
                } catch (UsageException x) {
                    throw error(e.getValue(), x.getMessage());
                }
                given.put(e.getKey(), v);
            }
            return config;
        }

        /** A hyperparameter record's {@code with(key, value)}. */
        interface Setter<C> {
            C apply(C config, String key, String value);
        }

        /** A {@code gp:KERNEL} case: the essay's assistant, best-of-n over plans under that kernel's reward model (no env). */
        private GoodhartCase assistantCase(Map<String, Node> m, String name) {
            for (String key : List.of("env", "split", "set", "base", "gold_discount")) {
                if (m.containsKey(key)) {
                    throw error(m.get(key), "'" + key + "' does not apply to a gp: proxy (the assistant's requests are its levels, its hidden reward its gold);"
                            + " allowed: name, proxy, optimizer, pressure, episodes, holdout, pessimism");
                }
            }
            String proxy = scalar(m.get("proxy"), "proxy");
            String kernel = proxy.substring(AssistantBestOfN.PREFIX.length());
            if (!Assistant.KERNELS.containsKey(kernel)) {
                try {
                    org.mesalab.core.gp.Kernels.parse(kernel, Assistant.FEATURES);
                } catch (UsageException e) {
                    throw error(m.get("proxy"), e.getMessage());
                }
            }
            String optimizer = m.containsKey("optimizer") ? scalar(m.get("optimizer"), "optimizer") : Goodhart.BEST_OF_N;
            if (!optimizer.equals(Goodhart.BEST_OF_N)) {
                throw error(m.get("optimizer"), "optimizer '" + optimizer + "' does not apply to a gp: proxy; allowed: best-of-n");
            }
            long[] pressures;
            try {
                pressures = Pressures.parse(m.containsKey("pressure") ? scalar(m.get("pressure"), "pressure") : "1,2,4,...,64", 1, 1 << 16);
            } catch (UsageException e) {
                throw error(m.get("pressure"), e.getMessage());
            }
            int episodes = m.containsKey("episodes") ? (int) integer(m.get("episodes"), "episodes", 1, 100_000) : 300;
            int holdout = m.containsKey("holdout") ? (int) integer(m.get("holdout"), "holdout", 0, 100_000) : 30;
            double pessimism = m.containsKey("pessimism") ? number(m.get("pessimism"), "pessimism") : 0;
            if (!(pessimism >= 0 && pessimism <= 10)) {
                throw error(m.get("pessimism"), "pessimism=" + pessimism + " is out of range; allowed: [0, 10] posterior standard deviations");
            }
            return new GoodhartCase(name, ASSISTANT, "test", Map.of(), proxy, optimizer, pressures, "random", episodes, holdout, 1.0, Map.of(), pessimism,
                    Map.of(), 0, false);
        }

        /** One condition of the spec: several when its {@code train.set} or {@code params} sweep values. */
        List<Condition> condition(Node node) {
            Map<String, Node> m = mapping(node, "a condition", new LinkedHashSet<>(List.of("name", "env", "agent", "steps", "quick_steps",
                    "seeds", "train", "params", "eval_splits", "objectives")));
            for (String required : List.of("name", "env", "agent", "steps")) {
                if (!m.containsKey(required)) {
                    throw error(node, "condition is missing key '" + required + "'");
                }
            }
            String name = scalar(m.get("name"), "condition name");
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw error(m.get("name"), "condition name '" + name + "' is not allowed; allowed: 1-64 letters, digits, '_', '.', '-'");
            }
            String envName = scalar(m.get("env"), "env");
            EnvType type;
            try {
                type = Envs.get(envName);
            } catch (UsageException e) {
                throw error(m.get("env"), e.getMessage());
            }
            String agent = scalar(m.get("agent"), "agent");
            if (!AGENTS.contains(agent)) {
                throw error(m.get("agent"), "unknown agent '" + agent + "'; allowed: ppo, planner");
            }
            long steps = integer(m.get("steps"), "steps", 1, 10_000_000_000L);
            List<Long> seeds = m.containsKey("seeds") ? seeds(m.get("seeds")) : defaultSeeds;
            long quickSteps = m.containsKey("quick_steps") ? integer(m.get("quick_steps"), "quick_steps", 1, steps)
                    : Math.min(steps, agent.equals("ppo") ? 8192 : 2000);
            String split = "train";
            Sweep<Double> sets = Sweep.none();
            if (m.containsKey("train")) {
                Map<String, Node> t = mapping(m.get("train"), "train", new LinkedHashSet<>(List.of("split", "set")));
                if (t.containsKey("split")) {
                    split = split(t.get("split"), type);
                }
                if (t.containsKey("set")) {
                    sets = sweep(t.get("set"), "train.set", this::number);
                }
            }
            Sweep<String> params = m.containsKey("params") ? sweep(m.get("params"), "params", this::scalar) : Sweep.none();
            List<String> evalSplits = new ArrayList<>();
            if (m.containsKey("eval_splits")) {
                for (Node s : list(m.get("eval_splits"), "eval_splits")) {
                    evalSplits.add(split(s, type));
                }
            } else {
                evalSplits.addAll(type.splits().keySet());
            }
            List<String> objectives = m.containsKey("objectives") ? objectives(m.get("objectives"), agent, type) : new ArrayList<>();
            if (agent.equals("planner") && !objectives.contains("learned")) {
                objectives.add(0, "learned");
            }
            Condition base = new Condition(name, name, envName, agent, steps, quickSteps, split, Map.of(), Map.of(), evalSplits, objectives,
                    null, null, seeds);
            return expand(base, node, m.get("steps"), type, sets, params);
        }

        /** A swept hyperparameter's value as a number: itself when numeric, else its position in the sweep (network: mlp 0, conv 1). */
        private static Double leverValue(List<String> sweep, String value) {
            try {
                return Double.valueOf(value);
            } catch (NumberFormatException categorical) {
                return (double) sweep.indexOf(value);
            }
        }

        /** A split of {@code type}, or an error at the node naming the allowed ones. */
        private String split(Node node, EnvType type) {
            String v = scalar(node, "split");
            if (!type.splits().containsKey(v)) {
                throw error(node, "unknown split '" + v + "' of " + type.name() + "; allowed: " + String.join(", ", type.splits().keySet()));
            }
            return v;
        }

        /** Values by key, each a single value or a list (a sweep), with the nodes for messages. */
        record Sweep<T>(Map<String, List<T>> values, Map<String, Node> nodes) {
            static <T> Sweep<T> none() {
                return new Sweep<>(new LinkedHashMap<>(), new LinkedHashMap<>());
            }

            /** The first key with several values: the lever of the sweep. */
            String lever() {
                return values.entrySet().stream().filter(e -> e.getValue().size() > 1).map(Map.Entry::getKey).findFirst().orElse(null);
            }
        }

        private <T> Sweep<T> sweep(Node node, String what, java.util.function.BiFunction<Node, String, T> read) {
            Sweep<T> out = Sweep.none();
            for (Map.Entry<String, Node> e : mapping(node, what, null).entrySet()) {
                List<T> values = new ArrayList<>();
                if (e.getValue() instanceof SequenceNode) {
                    for (Node v : list(e.getValue(), e.getKey())) {
                        values.add(read.apply(v, e.getKey()));
                    }
                    if (values.isEmpty()) {
                        throw error(e.getValue(), "sweep of " + e.getKey() + " is empty");
                    }
                } else {
                    values.add(read.apply(e.getValue(), e.getKey()));
                }
                out.values().put(e.getKey(), values);
                out.nodes().put(e.getKey(), e.getValue());
            }
            return out;
        }

        /** The planner's objectives, each checked as a slot (and its {@code @SPLIT} refit data). */
        private List<String> objectives(Node node, String agent, EnvType type) {
            if (!agent.equals("planner")) {
                throw error(node, "objectives apply to agent planner; this condition's agent is " + agent);
            }
            List<String> objectives = new ArrayList<>();
            for (Node o : list(node, "objectives")) {
                String v = scalar(o, "objective").toLowerCase(Locale.ROOT);
                SlotChoice choice = SlotChoice.parse(v, null);
                if (choice.refitSplit() != null && !type.splits().containsKey(choice.refitSplit())) {
                    throw error(o, "unknown refit split '" + choice.refitSplit() + "' of " + type.name() + "; allowed: "
                            + String.join(", ", type.splits().keySet()));
                }
                if (choice.refitSplit() != null && !v.startsWith("events:")) {
                    throw error(o, "'@SPLIT' (the refit data) applies to events: objectives only");
                }
                try {
                    ObjectiveSlot.parse(choice.slot(), type);
                } catch (UsageException e) {
                    throw error(o, e.getMessage());
                }
                objectives.add(v);
            }
            return objectives;
        }

        /** Every combination of the swept values as a condition named {@code name[key=value,...]}, each checked. */
        private List<Condition> expand(Condition base, Node node, Node stepsNode, EnvType type, Sweep<Double> sets, Sweep<String> params) {
            // Counted before anything is built: a sweep of millions of combinations is refused at once, not after filling memory.
            double combos = 1;
            for (List<?> v : sets.values().values()) {
                combos *= v.size();
            }
            for (List<?> v : params.values().values()) {
                combos *= v.size();
            }
            expanded += combos;
            if (expanded > MAX_CONDITIONS) {
                throw error(node, "the sweeps expand to " + (long) Math.min(expanded, Long.MAX_VALUE) + " conditions; allowed: at most " + MAX_CONDITIONS
                        + " per spec (split a larger study into several specs)");
            }
            String lever = sets.lever() != null ? sets.lever() : params.lever();
            List<Condition> out = new ArrayList<>();
            for (Map<String, Double> set : combos(sets.values())) {
                Map<String, Double> checked;
                try {
                    checked = type.parseOverrides(set.entrySet().stream().map(e -> e.getKey() + "=" + Param.format(e.getValue())).toList());
                    type.distribution(base.trainSplit(), checked);
                } catch (UsageException e) {
                    Node at = sets.nodes().isEmpty() ? node : sets.nodes().values().iterator().next();
                    for (String k : set.keySet()) {
                        if (e.getMessage().contains(k)) {
                            at = sets.nodes().get(k);
                        }
                    }
                    throw error(at, e.getMessage());
                }
                for (Map<String, String> p : combos(params.values())) {
                    checkParams(base.agent(), p, params.nodes(), base.steps(), type, stepsNode);
                    List<String> parts = new ArrayList<>();
                    set.forEach((k, v) -> {
                        if (sets.values().get(k).size() > 1) {
                            parts.add(k + "=" + Param.format(v));
                        }
                    });
                    p.forEach((k, v) -> {
                        if (params.values().get(k).size() > 1) {
                            parts.add(k + "=" + v);
                        }
                    });
                    String label = base.name() + (parts.isEmpty() ? "" : "[" + String.join(",", parts) + "]");
                    Double leverValue = lever == null ? null : set.containsKey(lever) ? set.get(lever) : leverValue(params.values().get(lever), p.get(lever));
                    out.add(new Condition(label, base.name(), base.env(), base.agent(), base.steps(), base.quickSteps(), base.trainSplit(), checked,
                            p, base.evalSplits(), base.objectives(), lever, leverValue, base.seeds()));
                }
            }
            return out;
        }

        /** Checks hyperparameters against the agent's config; budget errors point at {@code stepsNode}. */
        private void checkParams(String agent, Map<String, String> p, Map<String, Node> nodes, long steps, EnvType type, Node stepsNode) {
            String current = null;
            try {
                if (agent.equals("ppo")) {
                    PpoConfig c = PpoConfig.defaults();
                    for (Map.Entry<String, String> e : p.entrySet()) {
                        current = e.getKey();
                        c = c.with(e.getKey(), e.getValue());
                    }
                    current = null;
                    c.validate(steps);
                } else {
                    PlannerConfig c = PlannerConfig.defaults();
                    for (Map.Entry<String, String> e : p.entrySet()) {
                        current = e.getKey();
                        c = c.with(e.getKey(), e.getValue());
                    }
                    current = null;
                    c.validate(steps, type.splits().keySet());
                }
            } catch (UsageException e) {
                Node at = current != null ? nodes.get(current) : stepsNode;
                if (current == null) {
                    for (String k : p.keySet()) {
                        if (e.getMessage().contains(k + "=")) {
                            at = nodes.get(k);
                        }
                    }
                }
                throw error(at, e.getMessage().replace("--steps=", "steps="));
            }
        }

        private static <T> List<Map<String, T>> combos(Map<String, List<T>> values) {
            List<Map<String, T>> out = new ArrayList<>();
            out.add(new LinkedHashMap<>());
            for (Map.Entry<String, List<T>> e : values.entrySet()) {
                List<Map<String, T>> next = new ArrayList<>();
                for (Map<String, T> base : out) {
                    for (T v : e.getValue()) {
                        Map<String, T> m = new LinkedHashMap<>(base);
                        m.put(e.getKey(), v);
                        next.add(m);
                    }
                }
                out = next;
            }
            return out;
        }
    }
}
