package org.mesalab.agents.ppo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.core.Param;
import org.mesalab.core.Settings;
import org.mesalab.core.UsageException;

/**
 * Every PPO hyperparameter, declared once with its default. Names and defaults follow CleanRL's
 * {@code ppo.py} (GAE lambda 0.95, gamma 0.99, clip 0.2, entropy 0.01, value coefficient 0.5,
 * grad-norm 0.5, Adam eps 1e-5 with linear annealing, advantage normalization, clipped value loss);
 * batch sizes are chosen for a 2-core machine. The network fields are the priors the essay names:
 * {@code network} (mlp or IMPALA-style conv), {@code width} and {@code depth} (capacity),
 * {@code weight_decay} (a simplicity prior). Set from the CLI as {@code --set ppo.KEY=VALUE}; every
 * key's default, range and description is declared once in {@link #SETTINGS}.
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
        int valueHeads,
        int checkpointEvery) {

    /** The declarations, in component order. */
    public static final Settings<PpoConfig> SETTINGS = new Settings<>("ppo", PpoConfig.class, List.of(
            Param.ofInt("num_envs", 32, 1, 4096, "parallel envs in the rollout"),
            Param.ofInt("num_steps", 128, 1, 1 << 20, "steps per env per rollout; batch = num_envs * num_steps"),
            Param.ofPositive("learning_rate", 5e-4, 1, "Adam step size at the start"),
            Param.ofBool("anneal_lr", true, "anneal the learning rate linearly to 0"),
            Param.ofDouble("gamma", 0.99, 0, 1, "discount"),
            Param.ofDouble("gae_lambda", 0.95, 0, 1, "GAE lambda"),
            Param.ofInt("num_minibatches", 4, 1, 1 << 20, "minibatches per epoch (or set minibatch_size)"),
            Param.ofInt("update_epochs", 4, 1, 1000, "passes over the batch per update"),
            Param.ofBool("norm_adv", true, "normalize advantages per minibatch"),
            Param.ofPositive("clip_coef", 0.2, 10, "surrogate clipping epsilon"),
            Param.ofBool("clip_vloss", true, "clip the value loss like the policy (CleanRL default)"),
            Param.ofDouble("ent_coef", 0.01, 0, 10, "entropy bonus"),
            Param.ofDouble("vf_coef", 0.5, 0, 100, "value-loss coefficient"),
            Param.ofPositive("max_grad_norm", 0.5, 1e6, "global gradient-norm clip"),
            Param.ofDouble("target_kl", 0.0, 0, 100, "stop an update's epochs early above this approx KL; 0: off"),
            Param.ofPositive("adam_eps", 1e-5, 1, "Adam epsilon"),
            Param.ofDouble("weight_decay", 0.0, 0, 10, "simplicity prior: L2 term added to the gradient (PyTorch Adam's weight_decay)"),
            Param.ofChoice("network", "mlp", List.of("mlp", "conv"), "trunk: MLP with tanh (CleanRL) or IMPALA-style residual conv stages"),
            Param.ofInt("width", 256, 1, 4096, "capacity prior: hidden units per MLP layer, and the conv trunk's dense layer"),
            Param.ofInt("depth", 2, 1, 64, "capacity prior: MLP hidden layers (conv: residual blocks per stage)"),
            Param.ofIntList("channels", "16-32", 1, 1024, "conv stage channels"),
            Param.ofInt("lstm_size", 0, 0, 4096, "statefulness prior: LSTM core units after the trunk; 0: none"),
            Param.ofInt("value_heads", 1, 1, 64, "K > 1: K extra value heads on the trunk's features (detached: the agent learns exactly as with 1),"
                    + " each fitted on its own bootstrap of every minibatch; their spread is the value_std signal of mesalab ask"),
            Param.ofInt("checkpoint_every", 10, 1, Integer.MAX_VALUE, "updates between checkpoints (a final one is always written)")));

    public static PpoConfig defaults() {
        return SETTINGS.defaults();
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
        return SETTINGS.with(this, key, value);
    }

    /** Checks what single declarations cannot: sizes that must divide each other; {@code totalSteps} must cover a batch. */
    public PpoConfig validate(long totalSteps) {
        if (valueHeads > 1 && lstmSize > 0) {
            throw new UsageException("ppo: value_heads=" + valueHeads + " does not apply with lstm_size=" + lstmSize + "; allowed: value_heads=1 with an LSTM");
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
        if (totalSteps < batchSize()) {
            throw new UsageException("--steps=" + totalSteps + " is less than one batch of " + batchSize()
                    + " (num_envs * num_steps); allowed: at least " + batchSize());
        }
        return this;
    }

    /** The hyperparameters of a {@code ppo} run's manifest, typed and checked. */
    public static PpoConfig of(RunManifest m) {
        if (m.ppo() == null) {
            throw new UsageException("the run of " + m.env() + " is a " + m.algo() + " run, not a ppo run");
        }
        return fromMap(m.ppo());
    }

    /** {@code m} with these hyperparameters (the learner adds its sizes when it starts). */
    public RunManifest into(RunManifest m) {
        return m.withLearner("ppo", toMap(), 0, 0);
    }

    @JsonValue
    public Map<String, Object> toMap() {
        return SETTINGS.toMap(this);
    }

    /** From a config file's map: missing keys take their defaults, every value is checked. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static PpoConfig fromMap(Map<String, ?> m) {
        return SETTINGS.fromMap(m);
    }
}
