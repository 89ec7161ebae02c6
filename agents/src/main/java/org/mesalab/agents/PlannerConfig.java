package org.mesalab.agents;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.mesalab.agents.mcts.Mcts;
import org.mesalab.core.UsageException;

/**
 * Every hyperparameter of the planner agent (MuZero family, Schrittwieser et al. 2020, with
 * EfficientZero's consistency loss, Ye et al. 2021), declared once with its default. The networks are
 * deliberately small (the essay's limited-capacity learned parts). Set from the CLI as
 * {@code --set planner.KEY=VALUE}.
 *
 * @param numEnvs          parallel self-play envs (one search tree each)
 * @param search           {@code gumbel} (Gumbel MuZero root, good at small budgets) or {@code puct}
 * @param simulations      simulations per search
 * @param rescaleQ         Gumbel: {@code true} min-max rescales completed Q over the actions (the paper), {@code false}
 *                         keeps reward units, so small value differences stay small preferences
 * @param width            hidden units of every network's hidden layer
 * @param latent           size of the hidden state s
 * @param unroll           K, dynamics steps unrolled in training
 * @param tdSteps          n of the n-step value targets
 * @param discount         per-step discount
 * @param batchSize        samples per gradient step
 * @param updatesPerStep   gradient steps per vector step (of numEnvs env steps); the default replay ratio, one
 *                         step of 256 samples per 4 env steps, is what made maze learnable: at one per 32 the
 *                         reward head never fit the rare cheese transition (greedy success 0% on 5x5 mazes
 *                         after 60k steps, 40% after 40k at one per 4)
 * @param learningRate     Adam step size (constant)
 * @param weightDecay      L2 term added to the gradient
 * @param maxGradNorm      global gradient-norm clip
 * @param valueCoef        value-loss weight (MuZero Reanalyze: 0.25)
 * @param consistencyCoef  EfficientZero's latent consistency weight: ||g(s,a) - h(o')||^2
 * @param replaySize       env steps kept in replay (per lane: replaySize / lanes)
 * @param warmup           env steps collected before the first gradient step
 * @param modelEnvs        extra envs with a uniformly random policy whose transitions train only the
 *                         world model (representation, dynamics, events): reward-free data
 * @param modelSplit       the split those extra envs play (e.g. test); ignored when modelEnvs = 0
 * @param checkpointEvery  vector steps between checkpoints
 */
public record PlannerConfig(
        int numEnvs,
        String search,
        int simulations,
        String rescaleQ,
        int width,
        int latent,
        int unroll,
        int tdSteps,
        double discount,
        int batchSize,
        int updatesPerStep,
        double learningRate,
        double weightDecay,
        double maxGradNorm,
        double valueCoef,
        double consistencyCoef,
        int replaySize,
        int warmup,
        int modelEnvs,
        String modelSplit,
        int checkpointEvery) {

    public static PlannerConfig defaults() {
        return new PlannerConfig(16, "gumbel", 16, "true", 128, 64, 5, 10, 0.97, 256, 4, 1e-3, 1e-4, 5.0, 0.25, 2.0,
                100_000, 2_000, 0, "test", 500);
    }

    public Mcts.Config searchConfig() {
        return Mcts.Config.defaults(search.equals("puct") ? Mcts.Kind.PUCT : Mcts.Kind.GUMBEL, simulations).withRescaleQ(rescaleQ.equals("true"));
    }

    public int lanes() {
        return numEnvs + modelEnvs;
    }

    /** A copy with one field changed; {@code key} is the snake_case name. */
    public PlannerConfig with(String key, String value) {
        Map<String, Object> m = toMap();
        if (!m.containsKey(key)) {
            throw new UsageException("planner: unknown hyperparameter '" + key + "'; allowed: " + String.join(", ", m.keySet()));
        }
        Object old = m.get(key);
        String v = value.trim();
        try {
            m.put(key, old instanceof Integer ? (Object) Integer.parseInt(v) : old instanceof Double ? (Object) Double.parseDouble(v) : v);
        } catch (NumberFormatException e) {
            throw new UsageException("planner: " + key + "=" + value + " is not a valid " + (old instanceof Integer ? "integer" : "number")
                    + "; allowed: " + allowed(key));
        }
        return fromMap(m);
    }

    /** Checks every value against its allowed range. */
    public PlannerConfig validate(long totalSteps, Iterable<String> splits) {
        range("num_envs", numEnvs, 1, 1024);
        range("simulations", simulations, 1, 4096);
        range("width", width, 1, 4096);
        range("latent", latent, 1, 4096);
        range("unroll", unroll, 1, 50);
        range("td_steps", tdSteps, 1, 1000);
        range("batch_size", batchSize, 1, 65536);
        range("updates_per_step", updatesPerStep, 0, 64);
        range("model_envs", modelEnvs, 0, 1024);
        range("checkpoint_every", checkpointEvery, 1, Integer.MAX_VALUE);
        range("replay_size", replaySize, (long) lanes() * (unroll + tdSteps + 1), 100_000_000);
        range("warmup", warmup, 0, Integer.MAX_VALUE);
        real("discount", discount, 0, 1, true);
        real("learning_rate", learningRate, 0, 1, false);
        real("weight_decay", weightDecay, 0, 10, true);
        real("max_grad_norm", maxGradNorm, 0, 1e6, false);
        real("value_coef", valueCoef, 0, 100, true);
        real("consistency_coef", consistencyCoef, 0, 100, true);
        if (!rescaleQ.equals("true") && !rescaleQ.equals("false")) {
            throw new UsageException("planner: rescale_q=" + rescaleQ + " is not known; allowed: true, false");
        }
        if (!search.equals("gumbel") && !search.equals("puct")) {
            throw new UsageException("planner: search=" + search + " is not known; allowed: " + allowed("search"));
        }
        boolean known = false;
        for (String s : splits) {
            known |= s.equals(modelSplit);
        }
        if (!known) {
            throw new UsageException("planner: model_split=" + modelSplit + " is not a split of this env; allowed: " + String.join(", ", splits));
        }
        if (totalSteps < numEnvs) {
            throw new UsageException("--steps=" + totalSteps + " is less than one vector step of " + numEnvs + " (num_envs); allowed: at least " + numEnvs);
        }
        return this;
    }

    private static void range(String name, long v, long lo, long hi) {
        if (v < lo || v > hi) {
            throw new UsageException("planner: " + name + "=" + v + " is out of range; allowed: an integer in [" + lo + ", " + hi + "]");
        }
    }

    private static void real(String name, double v, double lo, double hi, boolean loInclusive) {
        if (Double.isNaN(v) || v > hi || v < lo || (!loInclusive && v == lo)) {
            throw new UsageException("planner: " + name + "=" + v + " is out of range; allowed: " + allowed(name));
        }
    }

    private static String allowed(String name) {
        return switch (name) {
            case "search" -> "gumbel, puct";
            case "discount" -> "a number in [0, 1]";
            case "learning_rate" -> "a number in (0, 1]";
            case "weight_decay" -> "a number in [0, 10]";
            case "value_coef", "consistency_coef" -> "a number in [0, 100]";
            case "max_grad_norm" -> "a positive number";
            case "model_split" -> "a split of the env";
            default -> "a positive integer";
        };
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_envs", numEnvs);
        m.put("search", search);
        m.put("simulations", simulations);
        m.put("rescale_q", rescaleQ);
        m.put("width", width);
        m.put("latent", latent);
        m.put("unroll", unroll);
        m.put("td_steps", tdSteps);
        m.put("discount", discount);
        m.put("batch_size", batchSize);
        m.put("updates_per_step", updatesPerStep);
        m.put("learning_rate", learningRate);
        m.put("weight_decay", weightDecay);
        m.put("max_grad_norm", maxGradNorm);
        m.put("value_coef", valueCoef);
        m.put("consistency_coef", consistencyCoef);
        m.put("replay_size", replaySize);
        m.put("warmup", warmup);
        m.put("model_envs", modelEnvs);
        m.put("model_split", modelSplit);
        m.put("checkpoint_every", checkpointEvery);
        return m;
    }

    public static PlannerConfig fromMap(Map<String, Object> given) {
        Map<String, Object> m = defaults().toMap();
        for (String k : given.keySet()) {
            if (!m.containsKey(k)) {
                throw new UsageException("planner: unknown hyperparameter '" + k + "'; allowed: " + String.join(", ", m.keySet()));
            }
        }
        m.putAll(given);
        return new PlannerConfig(i(m, "num_envs"), s(m, "search"), i(m, "simulations"), s(m, "rescale_q"), i(m, "width"), i(m, "latent"),
                i(m, "unroll"), i(m, "td_steps"), d(m, "discount"), i(m, "batch_size"), i(m, "updates_per_step"),
                d(m, "learning_rate"), d(m, "weight_decay"), d(m, "max_grad_norm"), d(m, "value_coef"),
                d(m, "consistency_coef"), i(m, "replay_size"), i(m, "warmup"), i(m, "model_envs"), s(m, "model_split"),
                i(m, "checkpoint_every"));
    }

    private static int i(Map<String, Object> m, String k) {
        return ((Number) m.get(k)).intValue();
    }

    private static double d(Map<String, Object> m, String k) {
        return ((Number) m.get(k)).doubleValue();
    }

    private static String s(Map<String, Object> m, String k) {
        return m.get(k).toString().toLowerCase(Locale.ROOT);
    }
}
