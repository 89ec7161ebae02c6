package org.mesalab.agents.planner;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.agents.mcts.Mcts;
import org.mesalab.agents.mcts.SearchModel;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.eval.Episode;

/**
 * A trained planner acting by search, with any objective in its slot ({@link ObjectiveSlot}), for many
 * envs at once, one tree each. By default it acts as in training (root noise: Gumbel sampling, or
 * Dirichlet noise and visit-count sampling), as PPO samples from its policy; {@code greedy} removes
 * the noise (the Gumbel root without noise is deterministic). An {@code events:EXPR} slot refits its value head on random-walk observations
 * of {@code refitSplit} (cached in the run directory under {@code objectives/}); the world model is
 * only read.
 */
public final class PlannerPolicy implements Episode.BatchPolicy, AutoCloseable {
    public static final int BATCH = 64;
    /** Random-walk episodes (levels) of refit data. */
    public static final int REFIT_LEVELS = 200;

    private final NDManager manager;
    private final ObjectiveSlot slot;
    private final Mcts mcts;
    private final SearchModel model;
    private final LatentModel latent;
    private final SimulatorModel simulator;
    private final PlannerNetwork net;
    private Rng rng;
    private final float[] obs;
    private final String name;
    private final String refitNote;
    private final boolean greedy;
    private final float discount;
    private final Env[] one = new Env[1];
    private final int[] oneAction = new int[1];

    private PlannerPolicy(NDManager manager, ObjectiveSlot slot, Mcts mcts, LatentModel latent, SimulatorModel simulator,
                          PlannerNetwork net, long seed, String refitNote, boolean greedy, float discount) {
        this.greedy = greedy;
        this.discount = discount;
        this.manager = manager;
        this.slot = slot;
        this.mcts = mcts;
        this.latent = latent;
        this.simulator = simulator;
        this.model = latent != null ? latent : simulator;
        this.net = net;
        this.rng = new Rng(seed);
        this.obs = new float[BATCH * net.obsSize()];
        this.name = "planner[" + slot.spec() + "]";
        this.refitNote = refitNote;
    }

    /**
     * Loads the planner of {@code runDir} with objective {@code slotSpec}. {@code simulations} 0 keeps
     * the training budget. {@code refitSplit} names the levels an {@code events:} value head is refit on.
     */
    public static PlannerPolicy load(Path runDir, String slotSpec, String refitSplit, int simulations, long seed) {
        return load(runDir, slotSpec, refitSplit, simulations, seed, false);
    }

    /** As {@link #load(Path, String, String, int, long)}; {@code greedy} takes the search's most visited action instead of sampling. */
    public static PlannerPolicy load(Path runDir, String slotSpec, String refitSplit, int simulations, long seed, boolean greedy) {
        RunDir run = RunDir.open(runDir);
        RunManifest m = run.readManifest();
        if (!m.isPlanner()) {
            throw new UsageException(runDir + " is not a planner run (algo=" + m.algo() + "); --objective applies to planner runs");
        }
        EnvType type = m.type();
        ObjectiveSlot slot = ObjectiveSlot.parse(slotSpec, type);
        if (!type.splits().containsKey(refitSplit)) {
            throw new UsageException("--refit-split=" + refitSplit + " is not a split of " + type.name() + "; allowed: " + String.join(", ", type.splits().keySet()));
        }
        if (simulations < 0 || simulations > 4096) {
            throw new UsageException("--simulations=" + simulations + " is out of range; allowed: 0 (as trained) or [1, 4096]");
        }
        PlannerConfig cfg = PlannerConfig.of(m);
        int sims = simulations > 0 ? simulations : cfg.simulations();
        Env probe = m.trainDistribution().create();
        NDManager manager = Torch.newEvaluationManager(m.threads());
        PlannerNetwork net = PlannerNetwork.create(manager, cfg, probe, new Rng(0));
        RunDir.PolicyFile params;
        try {
            params = run.policyFile(m.plannedIterations());
            RunDir.readVerified(params.params(), net::load);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        Mcts mcts = new Mcts(cfg.searchConfig().withSimulations(sims), BATCH, probe.numActions());
        String note = null;
        LatentModel latent = null;
        SimulatorModel simulator = null;
        switch (slot.kind()) {
            case LEARNED -> latent = new LatentModel(manager, net, null, null, cfg.discount(), BATCH, sims);
            case TRUE -> simulator = new SimulatorModel(slot.objective(), cfg.discount(), BATCH, sims, probe.numActions());
            case EVENTS -> {
                Distribution data = m.trainingHalf(refitSplit);
                // The data's parameters are part of the name: a refit on other levels is another head.
                Path cache = runDir.resolve("objectives").resolve(slot.slug() + "--" + refitSplit + "-"
                        + Integer.toHexString(data.params().hashCode()) + ".bin");
                PlannerNetwork.ObjectiveValue head = new PlannerNetwork.ObjectiveValue(manager, net.latent(), cfg.width(), new Rng(0));
                if (Files.exists(cache)) {
                    try {
                        RunDir.read(cache, head::load);
                    } catch (IOException e) {
                        manager.close();
                        throw new UsageException("cannot read " + cache + ": " + e.getMessage() + " (delete it to refit)");
                    }
                    note = "value head for " + slot.spec() + " refit on " + refitSplit + "-split random-walk data (cached: " + cache + ")";
                } else {
                    Rng refitRng = new Rng(Rng.mix(seed ^ 0x5eed));
                    float[][] observations = ValueRefit.collect(data, 0, REFIT_LEVELS, refitRng);
                    head = ValueRefit.fit(manager, net, slot.objective(), cfg.discount(), observations, cfg.width(), refitRng);
                    try {
                        Files.createDirectories(cache.getParent());
                    } catch (IOException e) {
                        throw new UsageException("cannot create " + cache.getParent() + ": " + org.mesalab.core.UsageException.why(e));
                    }
                    RunDir.writeAtomically(cache, head::save);
                    note = "value head for " + slot.spec() + " refit on " + refitSplit + "-split random-walk data ("
                            + REFIT_LEVELS + " training-half levels, " + observations.length + " states); cached in " + cache;
                }
                latent = new LatentModel(manager, net, slot.objective(), head, cfg.discount(), BATCH, sims);
            }
            default -> throw new IllegalStateException();
        }
        return new PlannerPolicy(manager, slot, mcts, latent, simulator, net, seed, note, greedy, (float) cfg.discount());
    }

    /** What the slot's value head was fit on, for the command to print; null when nothing was refit. */
    public String refitNote() {
        return refitNote;
    }

    public ObjectiveSlot slot() {
        return slot;
    }

    public PlannerNetwork network() {
        return net;
    }

    public LatentModel latentModel() {
        return latent;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * What the slot's objective says about situations: the value of each env's current state into
     * {@code values[count]}, and the reward it predicts for each action from there into
     * {@code rewards[count * A]}. At most {@link #BATCH} envs per call.
     */
    public void judge(Env[] envs, int count, float[] values, float[] rewards) {
        int A = model.actions();
        SearchModel.Expansion out = new SearchModel.Expansion(BATCH, A);
        if (simulator != null) {
            simulator.setRoots(envs, count);
        } else {
            for (int b = 0; b < count; b++) {
                envs[b].observe(obs, b * net.obsSize());
            }
            latent.setRoots(obs, count);
        }
        model.root(out);
        System.arraycopy(out.value, 0, values, 0, count);
        int[] parents = new int[BATCH];
        int[] acts = new int[BATCH];
        for (int a = 0; a < A; a++) {
            java.util.Arrays.fill(acts, a);
            model.recurrent(parents, acts, 1, out);
            for (int b = 0; b < count; b++) {
                rewards[b * A + a] = out.reward[b];
            }
        }
    }

    /** How well the world model predicts one event: counts over transitions, a prediction being p > 0.5. */
    public record EventAccuracy(String event, long transitions, long positives, long predicted, long truePositives) {
        public double recall() {
            return positives == 0 ? Double.NaN : (double) truePositives / positives;
        }

        public double precision() {
            return predicted == 0 ? Double.NaN : (double) truePositives / predicted;
        }

        /** The row {@code eval --world-model --json} prints and the store keeps, with snake_case names. */
        public java.util.Map<String, Object> asJson() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("event", event);
            m.put("transitions", transitions);
            m.put("positives", positives);
            m.put("predicted", predicted);
            m.put("true_positives", truePositives);
            m.put("recall", recall());
            m.put("precision", precision());
            return m;
        }
    }

    /**
     * The world model's event predictions {@code g(h(o), a)} against what the true env does, over the
     * transitions of uniformly random-walk episodes on {@code episodes} levels of {@code dist} from
     * {@code start}: a learned model can misgeneralize too.
     */
    public java.util.List<EventAccuracy> eventAccuracy(Distribution dist, long start, int episodes, long seed) {
        EnvType type = dist.env();
        Rng walk = new Rng(seed);
        int E = PlannerNetwork.EVENTS;
        long[] pos = new long[E];
        long[] pred = new long[E];
        long[] tp = new long[E];
        long transitions = 0;
        Env env = dist.create();
        int d = net.obsSize();
        java.util.List<float[]> obsBuf = new java.util.ArrayList<>();
        java.util.List<Integer> actBuf = new java.util.ArrayList<>();
        java.util.List<Integer> evBuf = new java.util.ArrayList<>();
        for (int i = 0; i < episodes; i++) {
            env.reset(dist.levelSeed(start + i));
            while (!env.done()) {
                obsBuf.add(env.observation().clone());
                int a = walk.nextInt(env.numActions());
                actBuf.add(a);
                evBuf.add(env.step(a));
            }
        }
        int n = obsBuf.size();
        float[] flat = new float[n * d];
        int[] acts = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(obsBuf.get(i), 0, flat, i * d, d);
            acts[i] = actBuf.get(i);
        }
        try (NDManager sub = manager.newSubManager()) {
            ai.djl.ndarray.NDArray s = net.represent(sub.create(flat, new ai.djl.ndarray.types.Shape(n, d)), false);
            float[] logits = net.dynamics(s, sub.create(net.oneHot(acts, n), new ai.djl.ndarray.types.Shape(n, net.actions())), false)
                    .eventLogits().toFloatArray();
            for (int i = 0; i < n; i++) {
                transitions++;
                for (int e = 0; e < E; e++) {
                    boolean actual = (evBuf.get(i) >> e & 1) != 0;
                    boolean predicted = logits[i * E + e] > 0;
                    pos[e] += actual ? 1 : 0;
                    pred[e] += predicted ? 1 : 0;
                    tp[e] += actual && predicted ? 1 : 0;
                }
            }
        }
        java.util.List<EventAccuracy> out = new java.util.ArrayList<>();
        for (org.mesalab.core.Event e : type.events()) {
            int k = e.ordinal();
            out.add(new EventAccuracy(e.id(), transitions, pos[k], pred[k], tp[k]));
        }
        return out;
    }

    /** A fresh sampler for the search's root noise and action draws, as if loaded with {@code seed}. */
    public void reseed(long seed) {
        rng = new Rng(seed);
    }

    /** The search's policy for tree {@code b} of the last {@link #act} into {@code dst} (the improved policy it trains towards). */
    public void searchPolicy(int b, float[] dst) {
        mcts.policyTarget(b, dst, 0);
    }

    /** The search's backed-up value of tree {@code b}'s root at the last {@link #act}. */
    public float searchValue(int b) {
        return mcts.rootValue(b);
    }

    /** The slot's value head on tree {@code b}'s root at the last {@link #act}, before any simulation. */
    public float headValue(int b) {
        return mcts.rootModelValue(b);
    }

    /** The representation {@code h(o)} of each env's current observation, {@code [count][latent]}. */
    public float[][] represent(Env[] envs, int count) {
        int d = net.obsSize();
        float[] flat = new float[count * d];
        for (int b = 0; b < count; b++) {
            envs[b].observe(flat, b * d);
        }
        return represent(flat, count);
    }

    /** {@code h(o)} of {@code count} observations laid end to end in {@code flat}. */
    public float[][] represent(float[] flat, int count) {
        try (NDManager sub = manager.newSubManager()) {
            return rows(net.represent(sub.create(flat, new ai.djl.ndarray.types.Shape(count, net.obsSize())), false).toFloatArray(), count);
        }
    }

    /** The value ensemble's K estimates of each of {@code count} latents, {@code [count][K]}; the network must have an ensemble. */
    public float[][] ensembleValues(float[][] latents, int count) {
        try (NDManager sub = manager.newSubManager()) {
            return rows(net.ensembleValues(latents(sub, latents, count), false).toFloatArray(), count);
        }
    }

    /** The run's per-step discount (what the search discounts with). */
    public float discount() {
        return discount;
    }

    /** The learned value head on each of {@code count} latents (the agent's own value, whatever objective is in the slot). */
    public float[] learnedValues(float[][] latents, int count) {
        try (NDManager sub = manager.newSubManager()) {
            return net.predict(latents(sub, latents, count), false).value().toFloatArray();
        }
    }

    /** One dynamics step from given latents: the next latents, the learned reward of each transition and its probability of going on (1 - p(termination)). */
    public record Step(float[][] next, float[] reward, float[] continues) {
    }

    /** The world model's step {@code g(s, a)} for each of {@code count} latents and actions. */
    public Step predict(float[][] latents, int[] actions, int count) {
        try (NDManager sub = manager.newSubManager()) {
            ai.djl.ndarray.NDArray s = latents(sub, latents, count);
            ai.djl.ndarray.NDArray a = sub.create(net.oneHot(actions, count), new ai.djl.ndarray.types.Shape(count, net.actions()));
            PlannerNetwork.Transition t = net.dynamics(s, a, false);
            float[] continues = t.terminalLogit().toFloatArray();
            for (int b = 0; b < count; b++) {
                continues[b] = 1f - LatentModel.sigmoid(continues[b]);
            }
            return new Step(rows(t.next().toFloatArray(), count), t.reward().toFloatArray(), continues);
        }
    }

    /** The log-probability of every action under the policy head's prior at tree {@code b}'s root in the last {@link #act}, into {@code dst}. */
    public void priorLogProbs(int b, double[] dst) {
        float[] logits = new float[net.actions()];
        mcts.rootPriorLogits(b, logits);
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double z = 0;
        for (float v : logits) {
            z += Math.exp(v - max);
        }
        double log = Math.log(z);
        for (int a = 0; a < logits.length; a++) {
            dst[a] = logits[a] - max - log;
        }
    }

    /** Called once the planner has chosen a batch's actions, before the envs step. */
    public interface AfterAct {
        void acted(Env[] envs, int count, int[] actions);
    }

    /** This planner playing as plain evaluation does, with {@code after} called on every batch it acts on (to record or score it). */
    public Episode.BatchPolicy observed(AfterAct after) {
        PlannerPolicy planner = this;
        return new Episode.BatchPolicy() {
            @Override
            public int batchSize() {
                return planner.batchSize();
            }

            @Override
            public void act(Env[] envs, int count, int[] actions) {
                planner.act(envs, count, actions);
                after.acted(envs, count, actions);
            }

            @Override
            public int act(Env env) {
                throw new UnsupportedOperationException("plays in batches");
            }

            @Override
            public String name() {
                return planner.name();
            }
        };
    }

    /** {@code count} latents as the networks take them, {@code [count, L]} in {@code sub}. */
    private ai.djl.ndarray.NDArray latents(NDManager sub, float[][] latents, int count) {
        int L = net.latent();
        float[] flat = new float[count * L];
        for (int b = 0; b < count; b++) {
            System.arraycopy(latents[b], 0, flat, b * L, L);
        }
        return sub.create(flat, new ai.djl.ndarray.types.Shape(count, L));
    }

    private static float[][] rows(float[] flat, int count) {
        int w = flat.length / count;
        float[][] out = new float[count][];
        for (int b = 0; b < count; b++) {
            out[b] = java.util.Arrays.copyOfRange(flat, b * w, (b + 1) * w);
        }
        return out;
    }

    @Override
    public int batchSize() {
        return BATCH;
    }

    @Override
    public void act(Env[] envs, int count, int[] actions) {
        if (simulator != null) {
            simulator.setRoots(envs, count);
        } else {
            int d = net.obsSize();
            for (int b = 0; b < count; b++) {
                envs[b].observe(obs, b * d);
            }
            latent.setRoots(obs, count);
        }
        mcts.search(model, !greedy, rng, count);
        for (int b = 0; b < count; b++) {
            actions[b] = mcts.action(b, greedy, rng);
        }
    }

    @Override
    public int act(Env env) {
        one[0] = env;
        act(one, 1, oneAction);
        return oneAction[0];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        manager.close();
    }
}
