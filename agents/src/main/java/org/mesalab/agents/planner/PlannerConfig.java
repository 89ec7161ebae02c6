package org.mesalab.agents.planner;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.mcts.Mcts;
import org.mesalab.core.Param;
import org.mesalab.core.Settings;
import org.mesalab.core.UsageException;

/**
 * Every hyperparameter of the planner agent (MuZero family, Schrittwieser et al. 2020, with
 * EfficientZero's consistency loss, Ye et al. 2021), declared once with its default, range and
 * description in {@link #SETTINGS}. The networks are deliberately small (the essay's limited-capacity
 * learned parts). Set from the CLI as {@code --set planner.KEY=VALUE}.
 *
 * <p>The default replay ratio, {@code updates_per_step} 4 (one gradient step of 256 samples per 4 env
 * steps), is what made maze learnable: at one per 32 the reward head never fit the rare cheese
 * transition (greedy success 0% on 5x5 mazes after 60k steps, 40% after 40k at one per 4).
 * {@code rescale_q} true min-max rescales completed Q over the actions, as the Gumbel MuZero paper
 * does; false keeps reward units, so small value differences stay small preferences.
 */
public record PlannerConfig(
        int numEnvs,
        String search,
        int simulations,
        boolean rescaleQ,
        double qFloor,
        double cScale,
        double actEpsilon,
        String network,
        int width,
        int latent,
        int channels,
        int supportSize,
        double supportStep,
        int unroll,
        int tdSteps,
        boolean reanalyze,
        double discount,
        int batchSize,
        int updatesPerStep,
        double learningRate,
        double weightDecay,
        double maxGradNorm,
        double valueCoef,
        double consistencyCoef,
        double valueConsistencyCoef,
        double entropyCoef,
        double eventWeight,
        int valueHeads,
        int replaySize,
        int warmup,
        int modelEnvs,
        String modelSplit,
        boolean overlap,
        int checkpointEvery) {

    /** The declarations, in component order. */
    public static final Settings<PlannerConfig> SETTINGS = new Settings<>("planner", PlannerConfig.class, List.of(
            Param.ofInt("num_envs", 16, 1, 1024, "parallel self-play envs (one search tree each)"),
            Param.ofChoice("search", "gumbel", List.of("gumbel", "puct"), "Gumbel MuZero root (good at small budgets) or MuZero's pUCT"),
            Param.ofInt("simulations", 16, 1, 4096, "simulations per search"),
            Param.ofBool("rescale_q", true, "Gumbel: min-max rescale completed Q over the actions (the paper); false keeps reward units"),
            Param.ofDouble("q_floor", 1e-8, 0, 10, "Gumbel, rescaled: smallest Q range stretched to full scale (the paper: 1e-8)"),
            Param.ofPositive("c_scale", 0.1, 100, "Gumbel: scale of sigma(q) = (50 + max visits) x c_scale x q, the push the policy target"
                    + " gets towards the best completed Q (mctx's value_scale: 0.1)"),
            Param.ofDouble("act_epsilon", 0.0, 0, 1, "share of self-play steps that take a uniformly random action instead of the search's"
                    + " (LightZero's eps-greedy collection; the step still stores the search's policy target); evaluation never does"),
            Param.ofChoice("network", "mlp", List.of("mlp", "conv"), "the networks' prior: MLPs, or convolutions over the planes (translation-equivariant)"),
            Param.ofInt("width", 128, 1, 4096, "hidden units of every network's hidden layer (conv: of the prediction's dense layer)"),
            Param.ofInt("latent", 64, 1, 4096, "size of the hidden state s (mlp)"),
            Param.ofInt("channels", 16, 1, 256, "conv: hidden-state planes"),
            Param.ofInt("support_size", 0, 0, 300, "N > 0: the reward and value heads predict a categorical distribution over the 2N + 1 points"
                    + " -N x support_step .. N x support_step of MuZero's transformed scale h(x) = sign(x)(sqrt(|x| + 1) - 1) + 0.001x, trained by"
                    + " cross-entropy on two-hot targets, read as h^-1 of the mean (MuZero: N 300, step 1); 0: one unit each, squared error"),
            Param.ofPositive("support_step", 1.0, 100, "spacing of the support's points on h's scale (maze and coinrun values stay within h = 0.42)"),
            Param.ofInt("unroll", 5, 1, 50, "K, dynamics steps unrolled in training"),
            Param.ofInt("td_steps", 10, 1, 1000, "n of the n-step value targets"),
            Param.ofBool("reanalyze", false, "bootstrap value targets with the current value network at sampling time (MuZero Reanalyze's value"
                    + " targets), not the search value stored when the step was played"),
            Param.ofDouble("discount", 0.97, 0, 1, "per-step discount"),
            Param.ofInt("batch_size", 256, 1, 65536, "samples per gradient step"),
            Param.ofInt("updates_per_step", 4, 0, 64, "gradient steps per vector step (of num_envs env steps)"),
            Param.ofPositive("learning_rate", 1e-3, 1, "Adam step size (constant)"),
            Param.ofDouble("weight_decay", 1e-4, 0, 10, "L2 term added to the gradient"),
            Param.ofPositive("max_grad_norm", 5.0, 1e6, "global gradient-norm clip"),
            Param.ofDouble("value_coef", 0.25, 0, 100, "value-loss weight (MuZero Reanalyze: 0.25)"),
            Param.ofDouble("consistency_coef", 2.0, 0, 100, "EfficientZero's latent consistency weight: ||g(s,a) - h(o')||^2"),
            Param.ofDouble("value_consistency_coef", 0.0, 0, 100, "weight of (v(g(s, a)) - v(h(o')))^2 at every unrolled step whose next state is"
                    + " real, model lanes included, the target without gradient: the value through the model's step is trained to agree with the"
                    + " value of the true next observation (0: not computed)"),
            Param.ofDouble("entropy_coef", 0.0, 0, 10, "weight of the policy head's entropy, subtracted from the loss (LightZero's"
                    + " policy_entropy_weight): keeps the policy from collapsing onto noise in the search's Q"),
            Param.ofDouble("event_weight", 1.0, 1, 10_000, "weight of an event's positive class in the world model's event loss (events are rare: ~0.1% of maze transitions)"),
            Param.ofInt("value_heads", 1, 1, 64, "K > 1: K extra value heads on the prediction's detached features, each fitted on its own bootstrap of"
                    + " every batch (the agent learns exactly as with 1); their spread is the value_std signal of mesalab ask"),
            Param.ofInt("replay_size", 100_000, 1, 100_000_000, "env steps kept in replay (per lane: replay_size / lanes)"),
            Param.ofInt("warmup", 2_000, 0, Integer.MAX_VALUE, "env steps collected before the first gradient step"),
            Param.ofInt("model_envs", 0, 0, 1024, "extra envs playing uniformly at random whose transitions train only the world model"),
            Param.ofChoice("model_split", "test", List.of("train", "test"), "the split the model envs play"),
            Param.ofBool("overlap", false, "play on a second thread while learning (the actor acts with the parameters of the previous iteration)"),
            Param.ofInt("checkpoint_every", 500, 1, Integer.MAX_VALUE, "vector steps between checkpoints")));

    public static PlannerConfig defaults() {
        return SETTINGS.defaults();
    }

    public Mcts.Config searchConfig() {
        return Mcts.Config.defaults(search.equals("puct") ? Mcts.Kind.PUCT : Mcts.Kind.GUMBEL, simulations).withRescaleQ(rescaleQ, (float) qFloor)
                .withCScale((float) cScale);
    }

    /** How the reward and value heads say a number. */
    Support support() {
        return new Support(supportSize, supportStep);
    }

    public int lanes() {
        return numEnvs + modelEnvs;
    }

    /** A copy with one field changed; {@code key} is the snake_case name. */
    public PlannerConfig with(String key, String value) {
        return SETTINGS.with(this, key, value);
    }

    /** Checks what single declarations cannot: the replay must hold a full unroll per lane, the model split must be the env's, the budget one vector step. */
    public PlannerConfig validate(long totalSteps, Iterable<String> splits) {
        long minReplay = (long) lanes() * (unroll + tdSteps + 1);
        if (replaySize < minReplay) {
            throw new UsageException("planner: replay_size=" + replaySize + " is out of range; allowed: an integer in [" + minReplay
                    + ", 100000000] (lanes x (unroll + td_steps + 1))");
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

    /** The hyperparameters of a {@code planner} run's manifest, typed and checked. */
    public static PlannerConfig of(RunManifest m) {
        if (m.planner() == null) {
            throw new UsageException("the run of " + m.env() + " is a " + m.algo() + " run, not a planner run");
        }
        return fromMap(m.planner());
    }

    /** {@code m} with these hyperparameters (the learner adds its sizes when it starts). */
    public RunManifest into(RunManifest m) {
        return m.withLearner("planner", toMap(), 0, 0);
    }

    @JsonValue
    public Map<String, Object> toMap() {
        return SETTINGS.toMap(this);
    }

    /** From a config file's map: missing keys take their defaults, every value is checked. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static PlannerConfig fromMap(Map<String, ?> given) {
        return SETTINGS.fromMap(given);
    }
}
