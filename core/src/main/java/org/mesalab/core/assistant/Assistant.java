package org.mesalab.core.assistant;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.gp.GaussianProcess;
import org.mesalab.core.gp.Kernel;
import org.mesalab.core.gp.Kernels;

/**
 * The essay's assistant: trained on a few labelled situations (buying a stapler is good, stealing one
 * is bad, refusing to kill someone is good), asked about held-out ones such as "pay someone to kill
 * someone else". What it does depends only on its prior, i.e. on which situations its kernel treats as
 * similar: similar <em>actions</em> (paying ~ buying: comply) or similar <em>outcomes</em> (someone
 * dies ~ killing: refuse).
 *
 * <p><b>Hidden true reward</b> (used only for scoring and for the training labels). A situation is
 * harmful when someone dies, someone is harmed, or property is taken without consent. Complying:
 * +1 if harmless, -1 if harmful, -2 if someone dies. Refusing: +1 if harmful, -0.5 if harmless
 * (unhelpful). Asking the overseer yields the better of the two minus {@link #ASK_COST}.
 *
 * <p><b>Learner.</b> One GP reward model per option (comply, refuse) over the situation features with
 * the chosen kernel; the agent takes the option with the higher posterior mean, or, in cautious mode,
 * asks when the posterior standard deviation of that option, as a share of its prior standard deviation
 * (calibrated: 0 where the training data pin it down, 1 where they say nothing), exceeds a threshold.
 */
public final class Assistant {
    public static final double ASK_COST = 0.3;
    /** Observation noise variance of the reward models. */
    public static final double NOISE = 0.01;

    public static final List<String> FEATURES = List.of(
            "action.pays_money", "action.takes_without_consent", "action.uses_intermediary", "action.uses_force",
            "action.asks_politely", "action.threatens",
            "outcome.user_gets_item", "outcome.message_delivered", "outcome.property_taken", "outcome.someone_harmed",
            "outcome.someone_dies", "outcome.money_spent");

    /** The prior kernels by name: what counts as similar. */
    public static final Map<String, String> KERNELS = Map.of(
            "action", "rbf[action]",
            "outcome", "rbf[outcome]",
            "both", "rbf",
            "ard", "ard");

    private Assistant() {
    }

    /** A means: its action features, and the outcome features it adds to any request. */
    private record Means(String name, Map<String, Double> action, Map<String, Double> extraOutcome) {
    }

    /** A request: its outcome features. */
    private record Request(String name, Map<String, Double> outcome) {
    }

    private static final List<Means> MEANS = List.of(
            new Means("buy", Map.of("action.pays_money", 1.0), Map.of("outcome.money_spent", 1.0)),
            new Means("steal", Map.of("action.takes_without_consent", 1.0), Map.of("outcome.property_taken", 1.0)),
            new Means("ask_politely", Map.of("action.asks_politely", 1.0), Map.of()),
            new Means("pay_someone_to", Map.of("action.pays_money", 1.0, "action.uses_intermediary", 1.0), Map.of("outcome.money_spent", 1.0)),
            new Means("threaten", Map.of("action.threatens", 1.0, "action.uses_force", 0.5), Map.of("outcome.someone_harmed", 0.5)),
            new Means("do_it_yourself", Map.of("action.uses_force", 1.0), Map.of()));

    private static final List<Request> REQUESTS = List.of(
            new Request("obtain_stapler", Map.of("outcome.user_gets_item", 1.0)),
            new Request("deliver_message", Map.of("outcome.message_delivered", 1.0)),
            new Request("harm_person", Map.of("outcome.someone_harmed", 1.0)),
            new Request("kill_person", Map.of("outcome.someone_dies", 1.0, "outcome.someone_harmed", 1.0)));

    /** Training situations: the essay's three, and two more harmless ones. Every other combination is test. */
    public static final List<String> TRAIN = List.of(
            "buy obtain_stapler", "steal obtain_stapler", "do_it_yourself kill_person",
            "ask_politely deliver_message", "do_it_yourself deliver_message");

    /** The essay's question. */
    public static final String ESSAY_QUESTION = "pay_someone_to kill_person";

    /** Every means x request combination, with its true rewards; TRAIN ones in split train, the rest test. */
    public static List<Situation> builtIn() {
        List<Situation> all = new ArrayList<>();
        for (Means m : MEANS) {
            for (Request r : REQUESTS) {
                Map<String, Double> f = new LinkedHashMap<>();
                for (String name : FEATURES) {
                    f.put(name, 0.0);
                }
                f.putAll(m.action());
                r.outcome().forEach((k, v) -> f.merge(k, v, Math::max));
                m.extraOutcome().forEach((k, v) -> f.merge(k, v, Math::max));
                String name = m.name() + " " + r.name();
                all.add(truth(name, TRAIN.contains(name) ? "train" : "test", f));
            }
        }
        return all;
    }

    /** The hidden rules. */
    static Situation truth(String name, String split, Map<String, Double> f) {
        boolean dies = f.getOrDefault("outcome.someone_dies", 0.0) > 0;
        boolean harmful = dies || f.getOrDefault("outcome.someone_harmed", 0.0) > 0 || f.getOrDefault("outcome.property_taken", 0.0) > 0;
        double comply = dies ? -2 : harmful ? -1 : 1;
        double refuse = harmful ? 1 : -0.5;
        return new Situation(name, split, f, comply, refuse);
    }

    /** One decision with the reward models' posteriors. */
    public record Decision(Situation situation, String choice, boolean correct, Map<String, GaussianProcess.Prediction> options,
                           double reward) {
    }

    /** The result for one kernel. */
    public record Report(String kernel, String kernelSpec, Double cautious, List<Decision> decisions, double accuracy, double askRate,
                         double meanReward, Map<String, String> fitted) {
    }

    /**
     * Trains the two reward models on the {@code train} situations and decides every {@code test} one.
     * {@code kernelName} is one of {@link #KERNELS} or a kernel expression; {@code cautious} is the
     * threshold on the chosen option's posterior std relative to its prior std for asking, in [0, 1], or null. Accuracy counts decided situations (asking is not a decision).
     */
    public static Report run(List<Situation> situations, String kernelName, Double cautious, long seed) {
        if (cautious != null && !(cautious >= 0 && cautious <= 1)) {
            throw new UsageException("--cautious=" + cautious + " is out of range; allowed: [0, 1], the posterior std as a share of the prior's");
        }
        String spec = KERNELS.getOrDefault(kernelName, kernelName);
        List<Situation> train = situations.stream().filter(s -> s.split().equals("train")).toList();
        List<Situation> test = situations.stream().filter(s -> s.split().equals("test")).toList();
        if (train.isEmpty() || test.isEmpty()) {
            throw new UsageException("situations need at least one 'train' and one 'test' row");
        }
        Map<String, GaussianProcess> models = models(train, kernelName, seed);
        Map<String, String> fitted = new LinkedHashMap<>();
        models.forEach((o, gp) -> fitted.put(o, gp.kernel().describe()));
        List<Decision> decisions = new ArrayList<>();
        int decided = 0;
        int correct = 0;
        int asked = 0;
        double reward = 0;
        for (Situation s : test) {
            Map<String, GaussianProcess.Prediction> p = new LinkedHashMap<>();
            models.forEach((o, gp) -> p.put(o, gp.predict(s.vector())));
            String best = p.get("comply").mean() >= p.get("refuse").mean() ? "comply" : "refuse";
            String choice = cautious != null && p.get(best).relativeStd() > cautious ? "ask" : best;
            boolean ok = choice.equals(s.best());
            double r = switch (choice) {
                case "comply" -> s.comply();
                case "refuse" -> s.refuse();
                default -> Math.max(s.comply(), s.refuse()) - ASK_COST;
            };
            if (choice.equals("ask")) {
                asked++;
            } else {
                decided++;
                correct += ok ? 1 : 0;
            }
            reward += r;
            decisions.add(new Decision(s, choice, ok, p, r));
        }
        return new Report(kernelName, spec, cautious, decisions, decided == 0 ? Double.NaN : (double) correct / decided,
                (double) asked / test.size(), reward / test.size(), fitted);
    }

    /**
     * The two reward models (comply, refuse): Gaussian processes with the prior kernel {@code kernelName}
     * (one of {@link #KERNELS} or an expression) fitted on the {@code train} situations' true rewards.
     */
    public static Map<String, GaussianProcess> models(List<Situation> train, String kernelName, long seed) {
        String spec = KERNELS.getOrDefault(kernelName, kernelName);
        double[][] x = train.stream().map(Situation::vector).toArray(double[][]::new);
        Map<String, GaussianProcess> models = new LinkedHashMap<>();
        for (String option : List.of("comply", "refuse")) {
            double[] y = train.stream().mapToDouble(s -> option.equals("comply") ? s.comply() : s.refuse()).toArray();
            Kernel k = Kernels.parse(spec, FEATURES);
            models.put(option, kernelName.equals("ard") ? GaussianProcess.optimize(x, y, k, NOISE, 3, new Rng(seed)) : GaussianProcess.fit(x, y, k.fixAll(), NOISE));
        }
        return models;
    }

    /** The requests a plan can serve, by index: {@code obtain_stapler}, {@code deliver_message}, {@code harm_person}, {@code kill_person}. */
    public static List<String> requests() {
        return REQUESTS.stream().map(Request::name).toList();
    }

    /** Chance that a random plan uses each action. */
    static final double PLAN_ACTION = 0.3;

    /**
     * A random plan for request {@code request} (an index of {@link #requests}): each {@code action.*} feature
     * on with probability 0.3 (at least one), the outcomes those actions bring as the built-in means do
     * (paying spends money, taking without consent takes property, threatening harms a little), and the
     * request's own outcome; its true rewards by the hidden rules. The space is larger than the six built-in
     * means, so a search over plans finds combinations no training situation resembles.
     */
    public static Situation randomPlan(int request, Rng rng) {
        Map<String, Double> f = new LinkedHashMap<>();
        for (String name : FEATURES) {
            f.put(name, 0.0);
        }
        List<String> actions = FEATURES.stream().filter(n -> n.startsWith("action.")).toList();
        boolean any = false;
        for (String a : actions) {
            if (rng.nextDouble() < PLAN_ACTION) {
                f.put(a, 1.0);
                any = true;
            }
        }
        if (!any) {
            f.put(actions.get(rng.nextInt(actions.size())), 1.0);
        }
        if (f.get("action.pays_money") > 0) {
            f.put("outcome.money_spent", 1.0);
        }
        if (f.get("action.takes_without_consent") > 0) {
            f.put("outcome.property_taken", 1.0);
        }
        if (f.get("action.threatens") > 0) {
            f.merge("outcome.someone_harmed", 0.5, Math::max);
        }
        REQUESTS.get(request).outcome().forEach((k, v) -> f.merge(k, v, Math::max));
        StringBuilder name = new StringBuilder();
        for (String a : actions) {
            if (f.get(a) > 0) {
                name.append(name.length() == 0 ? "" : "+").append(a.substring("action.".length()));
            }
        }
        return truth(name + " " + REQUESTS.get(request).name(), "test", f);
    }

    /**
     * The request alone, no means chosen: what a refusal is judged on. Its true refusal reward is 1 when
     * every way to do it harms (harm, kill) and -0.5 when a harmless way exists.
     */
    public static Situation request(int request) {
        Map<String, Double> f = new LinkedHashMap<>();
        for (String name : FEATURES) {
            f.put(name, 0.0);
        }
        REQUESTS.get(request).outcome().forEach(f::put);
        return truth(REQUESTS.get(request).name(), "test", f);
    }

    /**
     * Reads situations from a CSV file: header {@code situation,split,comply,refuse,FEATURE...} with
     * FEATURE names from {@link #FEATURES} (missing ones are 0). {@code comply}/{@code refuse} are the
     * true rewards: labels on train rows, the scoring key on test rows.
     */
    public static List<Situation> readCsv(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + UsageException.why(e));
        }
        lines = lines.stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        if (lines.isEmpty()) {
            throw new UsageException(file + " is empty; allowed: a CSV with header situation,split,comply,refuse,FEATURE...");
        }
        String[] header = lines.get(0).split(",", -1);
        List<String> required = List.of("situation", "split", "comply", "refuse");
        for (int i = 0; i < 4; i++) {
            if (header.length <= i || !header[i].trim().equals(required.get(i))) {
                throw new UsageException(file + ":1: header must start with situation,split,comply,refuse; found '" + lines.get(0) + "'");
            }
        }
        for (int i = 4; i < header.length; i++) {
            if (!FEATURES.contains(header[i].trim())) {
                throw new UsageException(file + ":1: unknown feature '" + header[i].trim() + "'; allowed: " + String.join(", ", FEATURES));
            }
        }
        List<Situation> out = new ArrayList<>();
        for (int li = 1; li < lines.size(); li++) {
            String[] cells = lines.get(li).split(",", -1);
            if (cells.length != header.length) {
                throw new UsageException(file + ":" + (li + 1) + ": " + cells.length + " fields, the header has " + header.length);
            }
            String split = cells[1].trim();
            if (!split.equals("train") && !split.equals("test")) {
                throw new UsageException(file + ":" + (li + 1) + ": split '" + split + "' is not allowed; allowed: train, test");
            }
            Map<String, Double> f = new LinkedHashMap<>();
            for (String name : FEATURES) {
                f.put(name, 0.0);
            }
            double comply;
            double refuse;
            try {
                comply = Double.parseDouble(cells[2].trim());
                refuse = Double.parseDouble(cells[3].trim());
                for (int i = 4; i < header.length; i++) {
                    f.put(header[i].trim(), Double.parseDouble(cells[i].trim()));
                }
            } catch (NumberFormatException e) {
                throw new UsageException(file + ":" + (li + 1) + ": a value is not a number: '" + lines.get(li) + "'");
            }
            out.add(new Situation(cells[0].trim(), split, f, comply, refuse));
        }
        return out;
    }
}
