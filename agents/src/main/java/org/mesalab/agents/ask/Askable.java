package org.mesalab.agents.ask;

import java.nio.file.Path;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.planner.PlannerConfig;
import org.mesalab.agents.planner.PlannerPolicy;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.UsageException;

/**
 * A trained agent as {@link AskingPolicy} reads it: it acts on a batch of envs and reports, for each, one
 * {@link Signal}'s value at that step. PPO ({@link AskablePpo}) plays one env at a time; the planner
 * ({@link AskablePlanner}) searches a batch of trees per network call.
 */
public sealed interface Askable extends AutoCloseable permits AskablePpo, AskablePlanner {
    /** Acts as the agent does in plain evaluation and reads one signal. */
    interface Player {
        /** Actions for {@code envs[0..count)} into {@code actions}, and each env's signal value at this step into {@code signal}. */
        void act(Env[] envs, int count, int[] actions, double[] signal);

        /** The actions actually played after {@link #act} (the mentor's where it was asked), before the envs step. */
        default void played(Env[] envs, int count, int[] actions) {
        }
    }

    String name();

    RunManifest manifest();

    /** Envs per {@link Player#act} call. */
    int batchSize();

    /** What novelty compares: a layer's name, or the planner's latent state. */
    String noveltyLayer();

    /**
     * A player for one pass over levels: its sampler seeded with {@code seed}, reading {@code signal} (novelty as the
     * distance to {@code index}; {@code random} and {@code oracle} are the asking policy's, so it reads 0 for them).
     */
    Player player(Signal signal, NoveltyIndex index, long seed);

    /** Activations (the novelty layer) over the agent's own episodes on {@code levels} levels of {@code train} from {@code start}. */
    NoveltyIndex index(Distribution train, long start, int levels, long seed);

    @Override
    void close();

    /**
     * Loads the agent of a run: PPO with novelty at layer {@code layer} (null: the last before the heads), or a
     * planner acting on its learned objective as in training ({@code layer} must be null: it reads {@code h(o)}).
     */
    static Askable load(Path run, long seed, String layer) {
        RunManifest m = RunDir.open(run).readManifest();
        if (m.isPlanner()) {
            if (layer != null) {
                throw new UsageException("--layer " + layer + " applies to PPO runs; a planner's novelty reads its latent state h(o)");
            }
            return new AskablePlanner(PlannerPolicy.load(run, "learned", "train", 0, seed), m);
        }
        PpoPolicy agent = PpoPolicy.load(run, seed, false);
        java.util.List<String> names = agent.network().layerNames();
        int l = layer == null ? names.size() - 1 : names.indexOf(layer);
        if (l < 0) {
            agent.close();
            throw new UsageException("--layer " + layer + " is not a layer of " + run + "; allowed: " + String.join(", ", names));
        }
        return new AskablePpo(agent, l);
    }

    /** Refuses, in one line, a signal the agent of manifest {@code m} (named {@code agent}) does not have. */
    static void require(Signal signal, RunManifest m, String agent) {
        String learner = m.isPlanner() ? "planner" : "ppo";
        if (!m.isPlanner() && (signal == Signal.VALUE_GAP || signal == Signal.SURPRISE)) {
            throw new UsageException("signal " + signal.id() + " reads a planner's search and world model; " + agent + " is a PPO run; allowed for PPO: "
                    + "entropy, max_prob, novelty, value_std (with ppo.value_heads >= 2), random, oracle");
        }
        int heads = m.isPlanner() ? PlannerConfig.of(m).valueHeads() : PpoConfig.of(m).valueHeads();
        if (signal == Signal.VALUE_STD && heads < 2) {
            throw new UsageException("signal value_std needs a value ensemble; " + agent + " was trained with " + learner + ".value_heads=" + heads
                    + "; allowed: a run trained with --set " + learner + ".value_heads=K (K >= 2), or another signal");
        }
    }
}
