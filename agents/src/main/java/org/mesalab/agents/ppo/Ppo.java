package org.mesalab.agents.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.mesalab.agents.Diverged;
import org.mesalab.agents.EpisodeWindow;
import org.mesalab.agents.Learner;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.agents.nn.Adam;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Rng;
import org.mesalab.core.Samplers;
import org.mesalab.core.UsageException;
import org.mesalab.core.VectorEnv;

/**
 * Proximal Policy Optimization (Schulman et al. 2017) with the details of CleanRL's {@code ppo.py},
 * readable top to bottom: {@link #train} runs updates; each update is a rollout ({@link #rollout}),
 * GAE ({@link #gae}), and epochs of shuffled minibatches ({@link #optimize}) minimizing
 * {@link PpoLoss}. Truncated episodes are bootstrapped: the reward of a step cut by the time limit
 * gets {@code gamma * V(final observation)} added, so the time limit is not mistaken for a terminal
 * state (terminated episodes bootstrap nothing).
 *
 * <p>Randomness: one master seed is split into the network initialization, the level stream, action
 * sampling and minibatch shuffling. With the same seed and thread count, every metric except wall
 * time is identical, and a run resumed from a checkpoint continues exactly as if uninterrupted.
 *
 * <p>With an LSTM core ({@code lstm_size > 0}), as CleanRL's {@code ppo_atari_lstm.py}: the state of each
 * env is carried through the rollout and zeroed where an episode starts; minibatches are groups of
 * whole env sequences, replayed from the rollout's initial state.
 *
 * <p>Memory: each forward pass and each minibatch step runs in a sub-{@link NDManager} and an
 * {@link NDScope}, so native memory stays flat however long the run is.
 */
public final class Ppo implements Learner<UpdateStats> {
    /** Episodes in the rolling window behind {@code mean_return} and {@code train_success}. */
    public static final int WINDOW = EpisodeWindow.SIZE;

    /** Called after each update (progress display). */
    private RunManifest manifest;
    /** Reward per event mask when the agent is trained against another objective than the env's ({@link #rewardedBy}); null: the env's reward. */
    private double[] rewardTable;
    private final PpoConfig cfg;
    private final Distribution train;
    private final long totalSteps;
    private final int updates;
    private final RunDir run;
    private final NDManager manager;
    private final PolicyNetwork net;
    private final Adam adam;
    /** The value ensemble's own optimizer (null without one), so its gradients never enter the agent's clip. */
    private final Adam ensembleAdam;
    /** Seeds the ensemble's bootstrap weights, drawn per minibatch from (seed, update, epoch, start): nothing to checkpoint. */
    private final long bootstrapSeed;
    private final VectorEnv envs;
    private final Rng actionRng;
    private final Rng shuffleRng;
    private final int n;
    private final int t;
    private final int obsSize;
    private final int numActions;

    // Rollout storage, [num_steps][num_envs] flattened (CleanRL's obs, actions, logprobs, rewards, dones, values).
    private final float[] obs;
    private final int[] actions;
    private final float[] logprobs;
    private final float[] rewards;
    private final float[] dones;
    private final float[] values;
    private final float[] advantages;
    private final float[] returns;
    private final float[] nextValue;
    private final float[] nextDone;
    // One minibatch, gathered from the rollout (CleanRL's mb_inds): [minibatch] or [minibatch][obs] flattened.
    private final float[] mbObs;
    private final float[] mbOneHot;
    private final float[] mbLogp;
    private final float[] mbAdv;
    private final float[] mbRet;
    private final float[] mbVal;
    private final float[] mbStarts;
    private final float[] mbH;
    private final float[] mbC;
    // Scratch for forward passes.
    private final float[] logitsOut;
    private final float[] valuesOut;
    private final float[] obsScratch;
    private final int[] stepActions;
    private final int[] truncatedSlots;
    // LSTM state per env [N][H]: current, at the rollout's start, and scratch (all empty without an LSTM).
    private final int lstm;
    private final float[] hState;
    private final float[] cState;
    private final float[] hInit;
    private final float[] cInit;
    private final float[] hScratch;
    private final float[] cScratch;

    private final EpisodeWindow window = new EpisodeWindow();

    private int update;
    private long globalStep;
    private long networkNanos;

    private Ppo(RunManifest m, RunDir run) {
        PpoConfig cfg = PpoConfig.of(m);
        this.cfg = cfg.validate(m.totalSteps());
        this.train = m.trainDistribution();
        this.totalSteps = m.totalSteps();
        this.updates = (int) (totalSteps / cfg.batchSize());
        this.run = run;
        this.manager = Torch.newManager(m.threads());
        Rng master = new Rng(m.seed());
        Rng initRng = master.split();
        long envSeed = master.nextLong();
        this.actionRng = master.split();
        this.shuffleRng = master.split();
        this.n = cfg.numEnvs();
        this.t = cfg.numSteps();
        this.envs = new VectorEnv(train, n, envSeed);
        Env probe = envs.env(0);
        this.obsSize = probe.obsSize;
        this.numActions = probe.numActions();
        this.net = new PolicyNetwork(manager, cfg, probe.channels, probe.height, probe.width, numActions, initRng);
        this.adam = new Adam(manager, net.agentParameters(), cfg.adamEps(), cfg.weightDecay());
        this.ensembleAdam = net.valueHeads() > 1 ? new Adam(manager, net.ensembleParameters(), cfg.adamEps(), cfg.weightDecay()) : null;
        this.bootstrapSeed = m.seed() ^ 0x5DEECE66DL;
        int batch = cfg.batchSize();
        obs = new float[batch * obsSize];
        actions = new int[batch];
        logprobs = new float[batch];
        rewards = new float[batch];
        dones = new float[batch];
        values = new float[batch];
        advantages = new float[batch];
        returns = new float[batch];
        nextValue = new float[n];
        nextDone = new float[n];
        logitsOut = new float[Math.max(n, cfg.minibatchSize()) * numActions];
        valuesOut = new float[Math.max(n, cfg.minibatchSize())];
        obsScratch = new float[n * obsSize];
        stepActions = new int[n];
        truncatedSlots = new int[n];
        lstm = cfg.lstmSize();
        int mb = cfg.minibatchSize();
        int envsPerMb = n / cfg.numMinibatches();
        mbObs = new float[mb * obsSize];
        mbOneHot = new float[mb * numActions];
        mbLogp = new float[mb];
        mbAdv = new float[mb];
        mbRet = new float[mb];
        mbVal = new float[mb];
        mbStarts = new float[mb];
        mbH = new float[envsPerMb * lstm];
        mbC = new float[envsPerMb * lstm];
        hState = new float[n * lstm];
        cState = new float[n * lstm];
        hInit = new float[n * lstm];
        cInit = new float[n * lstm];
        hScratch = new float[n * lstm];
        cScratch = new float[n * lstm];
    }

    /**
     * A new run in {@code run}, which gets its manifest ({@code config.json}) now: {@code m} with its
     * {@code ppo} hyperparameters set; the parameter and update counts are added here.
     */
    public static Ppo start(RunManifest m, RunDir run) {
        Ppo ppo = new Ppo(m, run);
        ppo.envs.reset();
        ppo.manifest = m.withLearner("ppo", m.ppo(), ppo.net.parameterCount(), ppo.updates);
        run.writeManifest(ppo.manifest);
        return ppo;
    }

    /** Continues {@code run} from its latest checkpoint (a fresh start if it has none yet). */
    public static Ppo resume(RunDir run) {
        RunManifest m = run.readManifest();
        if (m.isPlanner()) {
            throw new UsageException(run.path() + " is a planner run, not a PPO run");
        }
        Ppo ppo = new Ppo(m, run);
        ppo.manifest = m;
        ppo.envs.reset();
        run.loadNewestIntact(ppo::load);
        run.truncateMetrics(ppo.update);
        return ppo;
    }

    /**
     * Trains against {@code objective} instead of the env's reward (RL against a proxy: the Goodhart
     * curve's strongest optimizer). Episodes still end by the env's rules, and the logged return and train
     * success stay the intended objective's, so the metrics show what the proxy costs. Not recorded in
     * {@code config.json}: the caller ({@code mesalab goodhart --optimizer rl}) records it with its curve.
     */
    public Ppo rewardedBy(org.mesalab.core.Objective objective) {
        this.rewardTable = objective.rewardTable();
        return this;
    }

    @Override
    public RunManifest manifest() {
        return manifest;
    }

    @Override
    public int completedIterations() {
        return update;
    }

    public int totalUpdates() {
        return updates;
    }

    @Override
    public long globalStep() {
        return globalStep;
    }

    public PolicyNetwork network() {
        return net;
    }

    /** Live native arrays under the engine's system manager (all of them): flat over a healthy run. */
    public int liveArrays() {
        return manager.getParentManager().getManagedArrays().size();
    }

    /** Runs the remaining updates, checkpointing every {@code checkpoint_every} and at the end. */
    @Override
    public void train(Consumer<? super UpdateStats> listener) {
        while (update < updates) {
            update++;
            long start = System.nanoTime();
            networkNanos = 0;
            // Linear annealing to 0 over the run, as CleanRL: frac = 1 - (update - 1) / num_updates.
            double frac = 1.0 - (update - 1.0) / updates;
            double lr = cfg.annealLr() ? frac * cfg.learningRate() : cfg.learningRate();

            rollout();
            gae(rewards, values, dones, nextValue, nextDone, t, n, cfg.gamma(), cfg.gaeLambda(), advantages, returns);
            Optimization o = optimize(lr);
            globalStep += cfg.batchSize();

            double wall = (System.nanoTime() - start) / 1e9;
            UpdateStats stats = new UpdateStats(update, updates, globalStep, lr, o.policyLoss(), o.valueLoss(), o.entropy(), o.approxKl(),
                    o.oldApproxKl(), o.clipFraction(), explainedVariance(values, returns), o.gradNorm(), window.episodes(), window.meanReturn(),
                    window.successRate(), cfg.batchSize() / wall, wall, networkNanos / 1e9);
            run.appendMetrics(stats.toMap());
            if (update % cfg.checkpointEvery() == 0 || update == updates) {
                save();
            }
            listener.accept(stats);
        }
        RunDir.writeVerified(run.path().resolve("policy.bin"), net::save);
    }

    /** Collects num_steps x num_envs transitions with one batched forward pass per step. */
    private void rollout() {
        System.arraycopy(hState, 0, hInit, 0, hState.length);
        System.arraycopy(cState, 0, cInit, 0, cState.length);
        for (int step = 0; step < t; step++) {
            int base = step * n;
            System.arraycopy(envs.observations, 0, obs, base * obsSize, n * obsSize);
            System.arraycopy(nextDone, 0, dones, base, n);
            if (lstm > 0) {
                resetStarted(hState, cState);
                forwardRecurrent(envs.observations, n, hState, cState);
                System.arraycopy(hScratch, 0, hState, 0, hState.length);
                System.arraycopy(cScratch, 0, cState, 0, cState.length);
            } else {
                forward(envs.observations, n);
            }
            for (int i = 0; i < n; i++) {
                int a = Samplers.categorical(logitsOut, i * numActions, numActions, actionRng);
                stepActions[i] = a;
                actions[base + i] = a;
                logprobs[base + i] = Samplers.logSoftmaxAt(logitsOut, i * numActions, numActions, a);
                values[base + i] = valuesOut[i];
            }
            envs.step(stepActions);
            int truncated = 0;
            for (int i = 0; i < n; i++) {
                rewards[base + i] = rewardTable == null ? envs.rewards[i] : (float) rewardTable[envs.events[i]];
                nextDone[i] = envs.done(i) ? 1f : 0f;
                window.record(envs, i);
                if (envs.truncated[i]) {
                    truncatedSlots[truncated++] = i;
                }
            }
            if (truncated > 0) { // bootstrap time-limit cuts from the value of the final observation
                for (int k = 0; k < truncated; k++) {
                    System.arraycopy(envs.finalObservations, truncatedSlots[k] * obsSize, obsScratch, k * obsSize, obsSize);
                }
                if (lstm > 0) { // the final observation continues from the state after this step's input
                    float[] hs = new float[truncated * lstm];
                    float[] cs = new float[truncated * lstm];
                    for (int k = 0; k < truncated; k++) {
                        System.arraycopy(hState, truncatedSlots[k] * lstm, hs, k * lstm, lstm);
                        System.arraycopy(cState, truncatedSlots[k] * lstm, cs, k * lstm, lstm);
                    }
                    forwardRecurrent(obsScratch, truncated, hs, cs);
                } else {
                    forward(obsScratch, truncated);
                }
                for (int k = 0; k < truncated; k++) {
                    rewards[base + truncatedSlots[k]] += (float) (cfg.gamma() * valuesOut[k]);
                }
            }
        }
        if (lstm > 0) {
            float[] h = hState.clone();
            float[] c = cState.clone();
            resetStarted(h, c);
            forwardRecurrent(envs.observations, n, h, c);
        } else {
            forward(envs.observations, n);
        }
        System.arraycopy(valuesOut, 0, nextValue, 0, n);
    }

    /** Zeroes the LSTM state of envs whose next observation starts an episode. */
    private void resetStarted(float[] h, float[] c) {
        for (int i = 0; i < n; i++) {
            if (nextDone[i] != 0f) {
                java.util.Arrays.fill(h, i * lstm, (i + 1) * lstm, 0f);
                java.util.Arrays.fill(c, i * lstm, (i + 1) * lstm, 0f);
            }
        }
    }

    /** A recurrent forward pass over {@code count} observations with state h, c: fills logits, values, hScratch, cScratch. */
    private void forwardRecurrent(float[] src, int count, float[] h, float[] c) {
        long t0 = System.nanoTime();
        float[] input = src.length == count * obsSize ? src : java.util.Arrays.copyOf(src, count * obsSize);
        try (NDManager sub = manager.newSubManager()) {
            NDList o = net.step(sub.create(input, new Shape(count, obsSize)),
                    sub.create(java.util.Arrays.copyOf(h, count * lstm), new Shape(count, lstm)),
                    sub.create(java.util.Arrays.copyOf(c, count * lstm), new Shape(count, lstm)), false);
            float[] l = o.get(0).toFloatArray();
            float[] v = o.get(1).toFloatArray();
            System.arraycopy(l, 0, logitsOut, 0, l.length);
            System.arraycopy(v, 0, valuesOut, 0, v.length);
            float[] h2 = o.get(2).toFloatArray();
            float[] c2 = o.get(3).toFloatArray();
            System.arraycopy(h2, 0, hScratch, 0, h2.length);
            System.arraycopy(c2, 0, cScratch, 0, c2.length);
        }
        networkNanos += System.nanoTime() - t0;
    }

    /**
     * Generalized advantage estimation (Schulman et al. 2016), CleanRL's loop in the paper's symbols.
     * Arrays are {@code [T][N]}; {@code dones[t]} marks observations that start a new episode.
     */
    static void gae(float[] rewards, float[] values, float[] dones, float[] nextValue, float[] nextDone, int steps, int envs,
                    double gamma, double lambda, float[] advantages, float[] returns) {
        for (int i = 0; i < envs; i++) {
            double lastgaelam = 0;
            for (int s = steps - 1; s >= 0; s--) {
                double nextnonterminal;
                double nextvalues;
                if (s == steps - 1) {
                    nextnonterminal = 1.0 - nextDone[i];
                    nextvalues = nextValue[i];
                } else {
                    nextnonterminal = 1.0 - dones[(s + 1) * envs + i];
                    nextvalues = values[(s + 1) * envs + i];
                }
                int k = s * envs + i;
                double delta = rewards[k] + gamma * nextvalues * nextnonterminal - values[k];
                lastgaelam = delta + gamma * lambda * nextnonterminal * lastgaelam;
                advantages[k] = (float) lastgaelam;
                returns[k] = (float) (lastgaelam + values[k]);
            }
        }
    }

    /**
     * What optimizing one update reports, as CleanRL logs it: the last minibatch's policy loss, value
     * loss, entropy, approx KL and old approx KL (http://joschu.net/blog/kl-approx.html), the clip
     * fraction (mean over minibatches when it sums an update) and the last gradient norm.
     */
    record Optimization(double policyLoss, double valueLoss, double entropy, double approxKl, double oldApproxKl, double clipFraction,
                        double gradNorm) {
    }

    /**
     * Epochs of shuffled minibatches. Without an LSTM a minibatch is shuffled transitions; with one it is
     * the whole sequences of {@code n / num_minibatches} shuffled envs, laid out time-major for the replay.
     */
    private Optimization optimize(double lr) {
        int envsPerMb = n / cfg.numMinibatches();
        int[] inds = new int[lstm > 0 ? n : cfg.batchSize()];
        for (int i = 0; i < inds.length; i++) {
            inds[i] = i;
        }
        Optimization last = null;
        double clipSum = 0;
        int clipCount = 0;
        for (int epoch = 0; epoch < cfg.updateEpochs(); epoch++) {
            shuffle(inds, shuffleRng);
            int stride = lstm > 0 ? envsPerMb : cfg.minibatchSize();
            for (int start = 0; start < inds.length; start += stride) {
                gatherMinibatch(inds, start, envsPerMb);
                long t0 = System.nanoTime();
                last = minibatchStep(lr, envsPerMb, epoch, start);
                networkNanos += System.nanoTime() - t0;
                clipSum += last.clipFraction();
                clipCount++;
            }
            if (cfg.targetKl() > 0 && last.approxKl() > cfg.targetKl()) {
                break;
            }
        }
        return new Optimization(last.policyLoss(), last.valueLoss(), last.entropy(), last.approxKl(), last.oldApproxKl(),
                clipSum / clipCount, last.gradNorm());
    }

    /** Copies the minibatch starting at {@code inds[start]} into the {@code mb*} arrays (CleanRL's {@code mb_inds} gather). */
    private void gatherMinibatch(int[] inds, int start, int envsPerMb) {
        java.util.Arrays.fill(mbOneHot, 0f);
        for (int j = 0; j < mbLogp.length; j++) {
            int k;
            if (lstm > 0) { // j = step * envsPerMb + e: env inds[start + e] at that step
                int env = inds[start + j % envsPerMb];
                k = (j / envsPerMb) * n + env;
                mbStarts[j] = dones[k];
                if (j < envsPerMb) {
                    System.arraycopy(hInit, env * lstm, mbH, j * lstm, lstm);
                    System.arraycopy(cInit, env * lstm, mbC, j * lstm, lstm);
                }
            } else {
                k = inds[start + j];
            }
            System.arraycopy(obs, k * obsSize, mbObs, j * obsSize, obsSize);
            mbOneHot[j * numActions + actions[k]] = 1f;
            mbLogp[j] = logprobs[k];
            mbAdv[j] = advantages[k];
            mbRet[j] = returns[k];
            mbVal[j] = values[k];
        }
        if (cfg.normAdv()) {
            normalize(mbAdv);
        }
    }

    /** One gradient step on the gathered minibatch; its arrays live in a sub-manager and scope closed with the step. */
    @SuppressWarnings("try") // the NDScope frees every array created in the minibatch step; it is used only for that
    private Optimization minibatchStep(double lr, int envsPerMb, int epoch, int mbStart) {
        int mb = mbLogp.length;
        try (NDManager sub = manager.newSubManager(); NDScope scope = new NDScope()) {
            PpoLoss loss;
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDArray x = sub.create(mbObs, new Shape(mb, obsSize));
                NDList o = lstm > 0
                        ? net.sequence(x, sub.create(mbStarts, new Shape(t, envsPerMb)), sub.create(mbH, new Shape(envsPerMb, lstm)),
                                sub.create(mbC, new Shape(envsPerMb, lstm)), t, envsPerMb, true)
                        : net.forward(x, true);
                NDArray returns = sub.create(mbRet);
                loss = PpoLoss.compute(o.get(0), o.get(1), sub.create(mbOneHot, new Shape(mb, numActions)),
                        sub.create(mbLogp), sub.create(mbAdv), returns, sub.create(mbVal), cfg);
                // The ensemble's heads read detached features: their loss reaches only their own weights.
                gc.backward(ensembleAdam == null ? loss.loss() : loss.loss().add(ensembleLoss(o.get(2), returns, epoch, mbStart, sub)));
            }
            double total = loss.loss().getFloat();
            if (!Double.isFinite(total)) {
                Path last = run.latestCheckpoint();
                throw new Diverged("the loss became " + total + " at update " + update + " (epoch " + (epoch + 1)
                        + "); training stopped; the last good checkpoint is " + (last == null ? "none (no update finished)" : last)
                        + "; try a smaller ppo.learning_rate");
            }
            double oldKl = 0;
            double kl = 0;
            int clipped = 0;
            for (float lrat : loss.logRatio().toFloatArray()) {
                double ratio = Math.exp(lrat);
                oldKl += -lrat;
                kl += (ratio - 1) - lrat; // http://joschu.net/blog/kl-approx.html
                if (Math.abs(ratio - 1) > cfg.clipCoef()) {
                    clipped++;
                }
            }
            double pg = loss.pgLoss().getFloat();
            double v = loss.valueLoss().getFloat();
            double entropy = loss.entropy().getFloat();
            double gradNorm = adam.step(lr, cfg.maxGradNorm());
            if (ensembleAdam != null) {
                ensembleAdam.step(lr, cfg.maxGradNorm());
            }
            return new Optimization(pg, v, entropy, kl / mb, oldKl / mb, (double) clipped / mb, gradNorm);
        }
    }

    /**
     * The value ensemble's loss on a minibatch: head k regresses the returns on its own bootstrap of the samples
     * (weights 2 x Bernoulli(1/2), mean 1, Osband et al. 2016's masks), so the heads disagree where the data are thin.
     * vf_coef x 0.5 x mean over heads and samples of w (V_k - R)^2, unclipped.
     */
    private NDArray ensembleLoss(NDArray heads, NDArray returns, int epoch, int mbStart, NDManager sub) {
        int mb = mbLogp.length;
        int k = net.valueHeads();
        Rng rng = new Rng(bootstrapSeed + 1_000_003L * update + 10_007L * epoch + mbStart);
        float[] w = new float[mb * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextDouble() < 0.5 ? 2f : 0f;
        }
        NDArray err = heads.sub(returns.reshape(mb, 1)).square().mul(sub.create(w, new Shape(mb, k)));
        return org.mesalab.agents.nn.Ops.scale(err.mean(), 0.5 * cfg.vfCoef());
    }

    /** One batched forward pass over the first {@code count} observations of {@code src}: fills logitsOut and valuesOut. */
    private void forward(float[] src, int count) {
        long t0 = System.nanoTime();
        float[] input = src;
        if (src.length != count * obsSize) {
            input = java.util.Arrays.copyOf(src, count * obsSize);
        }
        try (NDManager sub = manager.newSubManager()) {
            NDList o = net.forward(sub.create(input, new Shape(count, obsSize)), false);
            float[] l = o.get(0).toFloatArray();
            float[] v = o.get(1).toFloatArray();
            System.arraycopy(l, 0, logitsOut, 0, l.length);
            System.arraycopy(v, 0, valuesOut, 0, v.length);
        }
        networkNanos += System.nanoTime() - t0;
    }

    /** (x - mean) / (std + 1e-8) with the unbiased std, as torch's {@code Tensor.std()}. */
    static void normalize(float[] x) {
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (float v : x) {
            var += (v - mean) * (v - mean);
        }
        double std = x.length > 1 ? Math.sqrt(var / (x.length - 1)) : 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((x[i] - mean) / (std + 1e-8));
        }
    }

    /** 1 - Var(returns - values) / Var(returns); NaN when the returns do not vary. */
    static double explainedVariance(float[] pred, float[] target) {
        double mt = 0;
        double md = 0;
        for (int i = 0; i < target.length; i++) {
            mt += target[i];
            md += target[i] - pred[i];
        }
        mt /= target.length;
        md /= target.length;
        double vt = 0;
        double vd = 0;
        for (int i = 0; i < target.length; i++) {
            vt += (target[i] - mt) * (target[i] - mt);
            double d = target[i] - pred[i] - md;
            vd += d * d;
        }
        return vt == 0 ? Double.NaN : 1 - vd / vt;
    }

    private static void shuffle(int[] a, Rng rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
    }



    // ---- checkpoints ----------------------------------------------------------------------------

    private void save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("update", update);
        state.put("global_step", globalStep);
        window.save(state);
        state.put("action_rng", actionRng.state());
        state.put("shuffle_rng", shuffleRng.state());
        state.put("next_done", nextDone);
        state.put("vector_env", envs.saveState());
        state.put("lstm_h", hState);
        state.put("lstm_c", cState);
        run.saveCheckpoint(update, dir -> {
            RunDir.writeAtomically(dir.resolve("params.bin"), net::save);
            RunDir.writeAtomically(dir.resolve("optimizer.bin"), adam::save);
            if (ensembleAdam != null) {
                RunDir.writeAtomically(dir.resolve("optimizer-ensemble.bin"), ensembleAdam::save);
            }
            RunDir.writeAtomically(dir.resolve("state.json"), o -> o.write(RunDir.JSON.writeValueAsBytes(state)));
        });
    }

    private void load(Path ckpt) {
        try {
            RunDir.read(ckpt.resolve("params.bin"), net::load);
            RunDir.read(ckpt.resolve("optimizer.bin"), adam::load);
            if (ensembleAdam != null) {
                RunDir.read(ckpt.resolve("optimizer-ensemble.bin"), ensembleAdam::load);
            }
            Map<String, Object> s = RunDir.JSON.readValue(ckpt.resolve("state.json").toFile(), new TypeReference<Map<String, Object>>() { });
            update = ((Number) s.get("update")).intValue();
            globalStep = ((Number) s.get("global_step")).longValue();
            window.load(s);
            actionRng.setState(((Number) s.get("action_rng")).longValue());
            shuffleRng.setState(((Number) s.get("shuffle_rng")).longValue());
            List<?> nd = (List<?>) s.get("next_done");
            for (int i = 0; i < n; i++) {
                nextDone[i] = ((Number) nd.get(i)).floatValue();
            }
            List<?> ve = (List<?>) s.get("vector_env");
            long[] vs = new long[ve.size()];
            for (int i = 0; i < vs.length; i++) {
                vs[i] = ((Number) ve.get(i)).longValue();
            }
            envs.restoreState(vs);
            List<?> lh = (List<?>) s.get("lstm_h");
            List<?> lc = (List<?>) s.get("lstm_c");
            for (int i = 0; i < hState.length; i++) {
                hState[i] = ((Number) lh.get(i)).floatValue();
                cState[i] = ((Number) lc.get(i)).floatValue();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof UsageException u) {
                throw u;
            }
            throw new UsageException("cannot resume from " + ckpt + ": " + UsageException.why(e));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
