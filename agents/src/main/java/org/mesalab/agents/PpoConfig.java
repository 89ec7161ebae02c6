package org.mesalab.agents;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mesalab.core.UsageException;

/**
 * Every PPO hyperparameter, declared once with its default. Names and defaults follow CleanRL's
 * {@code ppo.py} (GAE lambda 0.95, gamma 0.99, clip 0.2, entropy 0.01, value coefficient 0.5,
 * grad-norm 0.5, Adam eps 1e-5 with linear annealing, advantage normalization, clipped value loss);
 * batch sizes are chosen for a 2-core machine. The network fields are the priors the essay names:
 * {@code network} (mlp or IMPALA-style conv), {@code width} and {@code depth} (capacity),
 * {@code weight_decay} (a simplicity prior). Set from the CLI as {@code --set ppo.KEY=VALUE}.
 *
 * @param numEnvs         parallel envs in the rollout
 * @param numSteps        steps per env per rollout; batch = numEnvs * numSteps
 * @param learningRate    Adam step size at the start (annealed linearly to 0 when annealLr)
 * @param annealLr        linear learning-rate annealing
 * @param gamma           discount
 * @param gaeLambda       GAE lambda
 * @param numMinibatches  minibatches per epoch
 * @param updateEpochs    passes over the batch per update
 * @param normAdv         normalize advantages per minibatch
 * @param clipCoef        surrogate clipping epsilon
 * @param clipVloss       clip the value loss like the policy (CleanRL default)
 * @param entCoef         entropy bonus
 * @param vfCoef          value-loss coefficient
 * @param maxGradNorm     global gradient-norm clip
 * @param targetKl        stop the update's epochs early above this approx KL; 0 disables
 * @param adamEps         Adam epsilon (CleanRL: 1e-5)
 * @param weightDecay     L2 penalty added to the gradient (PyTorch Adam's weight_decay)
 * @param network         {@code mlp} or {@code conv}
 * @param width           hidden units per MLP layer, and the conv trunk's final dense layer
 * @param depth           MLP hidden layers (conv: residual blocks per stage)
 * @param channels        conv stage channels, e.g. {@code 16-32}
 * @param lstmSize        LSTM core units after the trunk (statefulness prior); 0: none
 * @param checkpointEvery updates between checkpoints (a final one is always written)
 */
public record PpoConfig(
        int numEnvs,
        int numSteps,
        double learningRate,
        boolean annealLr,
        double gamma,
        double gaeLambda,
        int numMinibatches,
        int updateEpochs,
        boolean normAdv,
        double clipCoef,
        boolean clipVloss,
        double entCoef,
        double vfCoef,
        double maxGradNorm,
        double targetKl,
        double adamEps,
        double weightDecay,
        String network,
        int width,
        int depth,
        String channels,
        int lstmSize,
        int checkpointEvery) {

    public static PpoConfig defaults() {
        return new PpoConfig(32, 128, 5e-4, true, 0.99, 0.95, 4, 4, true, 0.2, true, 0.01, 0.5, 0.5, 0.0, 1e-5, 0.0,
                "mlp", 256, 2, "16-32", 0, 10);
    }

    public int batchSize() {
        return numEnvs * numSteps;
    }

    public int minibatchSize() {
        return batchSize() / numMinibatches;
    }

    public int[] channelList() {
        String[] parts = channels.split("-");
        int[] c = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            c[i] = Integer.parseInt(parts[i].trim());
        }
        return c;
    }

    /**
     * A copy with one field changed; {@code key} is the snake_case name. {@code minibatch_size} is
     * accepted too and sets {@code num_minibatches = batch / minibatch_size}.
     */
    public PpoConfig with(String key, String value) {
        if (key.equals("minibatch_size")) {
            int size;
            try {
                size = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("ppo: minibatch_size=" + value + " is not a valid integer; allowed: a divisor of the batch of " + batchSize());
            }
            if (size <= 0 || size > batchSize() || batchSize() % size != 0) {
                throw new UsageException("ppo: minibatch_size=" + size + (size > batchSize() ? " is larger than the batch of " : " does not divide the batch of ")
                        + batchSize() + " (num_envs * num_steps); allowed: a divisor of " + batchSize() + " (set num_envs and num_steps first)");
            }
            return with("num_minibatches", Integer.toString(batchSize() / size));
        }
        Map<String, Object> m = toMap();
        if (!m.containsKey(key)) {
            throw new UsageException("ppo: unknown hyperparameter '" + key + "'; allowed: " + String.join(", ", m.keySet()));
        }
        Object old = m.get(key);
        try {
            if (old instanceof Integer) {
                m.put(key, Integer.parseInt(value.trim()));
            } else if (old instanceof Double) {
                m.put(key, Double.parseDouble(value.trim()));
            } else if (old instanceof Boolean) {
                String v = value.trim().toLowerCase(java.util.Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    throw new NumberFormatException();
                }
                m.put(key, Boolean.parseBoolean(v));
            } else {
                m.put(key, value.trim());
            }
        } catch (NumberFormatException e) {
            throw new UsageException("ppo: " + key + "=" + value + " is not a valid " + kind(old) + "; allowed: " + allowed(key));
        }
        return fromMap(m);
    }

    private static String kind(Object o) {
        return o instanceof Integer ? "integer" : o instanceof Double ? "number" : o instanceof Boolean ? "boolean (true or false)" : "value";
    }

    /** Checks every value; {@code totalSteps} must cover at least one batch. */
    public PpoConfig validate(long totalSteps) {
        positive("num_envs", numEnvs);
        positive("num_steps", numSteps);
        positive("num_minibatches", numMinibatches);
        positive("update_epochs", updateEpochs);
        positive("width", width);
        positive("depth", depth);
        positive("checkpoint_every", checkpointEvery);
        if (numEnvs > 4096) {
            bad("num_envs", numEnvs);
        }
        if (lstmSize < 0 || lstmSize > 4096) {
            bad("lstm_size", lstmSize);
        }
        if (lstmSize > 0 && numEnvs % numMinibatches != 0) {
            throw new UsageException("ppo: num_minibatches=" + numMinibatches + " does not divide num_envs=" + numEnvs
                    + "; with an LSTM, minibatches are groups of whole env sequences; allowed: a divisor of " + numEnvs);
        }
        if (numMinibatches > batchSize()) {
            throw new UsageException("ppo: num_minibatches=" + numMinibatches + " exceeds the batch of " + batchSize()
                    + " samples (num_envs * num_steps); allowed: [1, " + batchSize() + "]");
        }
        if (batchSize() % numMinibatches != 0) {
            throw new UsageException("ppo: num_minibatches=" + numMinibatches + " does not divide the batch of " + batchSize()
                    + " (num_envs * num_steps); allowed: a divisor of " + batchSize());
        }
        range("learning_rate", learningRate, 0, 1, false);
        range("gamma", gamma, 0, 1, true);
        range("gae_lambda", gaeLambda, 0, 1, true);
        range("clip_coef", clipCoef, 0, 10, false);
        range("ent_coef", entCoef, 0, 10, true);
        range("vf_coef", vfCoef, 0, 100, true);
        range("max_grad_norm", maxGradNorm, 0, 1e6, false);
        range("target_kl", targetKl, 0, 100, true);
        range("adam_eps", adamEps, 0, 1, false);
        range("weight_decay", weightDecay, 0, 10, true);
        if (!network.equals("mlp") && !network.equals("conv")) {
            throw new UsageException("ppo: network=" + network + " is not known; allowed: mlp, conv");
        }
        try {
            for (int c : channelList()) {
                if (c <= 0 || c > 1024) {
                    throw new NumberFormatException();
                }
            }
        } catch (NumberFormatException e) {
            throw new UsageException("ppo: channels=" + channels + " is malformed; allowed: positive integers joined by '-', e.g. 16-32");
        }
        if (totalSteps < batchSize()) {
            throw new UsageException("--steps=" + totalSteps + " is less than one batch of " + batchSize()
                    + " (num_envs * num_steps); allowed: at least " + batchSize());
        }
        return this;
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            bad(name, v);
        }
    }

    private static void bad(String name, Object v) {
        throw new UsageException("ppo: " + name + "=" + v + " is out of range; allowed: " + allowed(name));
    }

    private static void range(String name, double v, double lo, double hi, boolean loInclusive) {
        if (Double.isNaN(v) || v > hi || v < lo || (!loInclusive && v == lo)) {
            bad(name, v);
        }
    }

    private static String allowed(String name) {
        return switch (name) {
            case "num_envs" -> "an integer in [1, 4096]";
            case "learning_rate", "adam_eps" -> "a number in (0, 1]";
            case "gamma", "gae_lambda" -> "a number in [0, 1]";
            case "clip_coef" -> "a number in (0, 10]";
            case "ent_coef", "weight_decay" -> "a number in [0, 10]";
            case "vf_coef" -> "a number in [0, 100]";
            case "max_grad_norm" -> "a positive number";
            case "target_kl" -> "0 (off) or a positive number";
            case "anneal_lr", "norm_adv", "clip_vloss" -> "true or false";
            case "network" -> "mlp, conv";
            case "lstm_size" -> "0 (none) or an integer in [1, 4096]";
            case "channels" -> "positive integers joined by '-', e.g. 16-32";
            default -> "a positive integer";
        };
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("num_envs", numEnvs);
        m.put("num_steps", numSteps);
        m.put("learning_rate", learningRate);
        m.put("anneal_lr", annealLr);
        m.put("gamma", gamma);
        m.put("gae_lambda", gaeLambda);
        m.put("num_minibatches", numMinibatches);
        m.put("update_epochs", updateEpochs);
        m.put("norm_adv", normAdv);
        m.put("clip_coef", clipCoef);
        m.put("clip_vloss", clipVloss);
        m.put("ent_coef", entCoef);
        m.put("vf_coef", vfCoef);
        m.put("max_grad_norm", maxGradNorm);
        m.put("target_kl", targetKl);
        m.put("adam_eps", adamEps);
        m.put("weight_decay", weightDecay);
        m.put("network", network);
        m.put("width", width);
        m.put("depth", depth);
        m.put("channels", channels);
        m.put("lstm_size", lstmSize);
        m.put("checkpoint_every", checkpointEvery);
        return m;
    }

    public static PpoConfig fromMap(Map<String, Object> m) {
        PpoConfig d = defaults();
        Map<String, Object> base = d.toMap();
        for (String k : m.keySet()) {
            if (!base.containsKey(k)) {
                throw new UsageException("ppo: unknown hyperparameter '" + k + "'; allowed: " + String.join(", ", base.keySet()));
            }
        }
        base.putAll(m);
        return new PpoConfig(
                num(base, "num_envs").intValue(), num(base, "num_steps").intValue(), num(base, "learning_rate").doubleValue(),
                (Boolean) base.get("anneal_lr"), num(base, "gamma").doubleValue(), num(base, "gae_lambda").doubleValue(),
                num(base, "num_minibatches").intValue(), num(base, "update_epochs").intValue(), (Boolean) base.get("norm_adv"),
                num(base, "clip_coef").doubleValue(), (Boolean) base.get("clip_vloss"), num(base, "ent_coef").doubleValue(),
                num(base, "vf_coef").doubleValue(), num(base, "max_grad_norm").doubleValue(), num(base, "target_kl").doubleValue(),
                num(base, "adam_eps").doubleValue(), num(base, "weight_decay").doubleValue(), (String) base.get("network"),
                num(base, "width").intValue(), num(base, "depth").intValue(), (String) base.get("channels"),
                num(base, "lstm_size").intValue(), num(base, "checkpoint_every").intValue());
    }

    private static Number num(Map<String, Object> m, String k) {
        return (Number) m.get(k);
    }
}
