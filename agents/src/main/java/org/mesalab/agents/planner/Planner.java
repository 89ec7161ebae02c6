package org.mesalab.agents.planner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.mesalab.agents.Diverged;
import org.mesalab.agents.EpisodeWindow;
import org.mesalab.agents.Learner;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.agents.mcts.Mcts;
import org.mesalab.agents.nn.Adam;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.VectorEnv;

/**
 * The essay's proposed agent: small learned networks (representation, dynamics, prediction) under a
 * hard-coded search, trained MuZero-style (Schrittwieser et al. 2020) by self-play. Read top to bottom:
 * <ol>
 *   <li>{@link #selfPlay}: one batched search per vector step (one tree per env), act, store the step
 *       with its search policy and value in {@link Replay}; optional reward-free lanes play a uniformly
 *       random policy on another split to give the world model broader data;</li>
 *   <li>{@link #update}: sample positions, unroll the dynamics K steps along the stored actions, and
 *       minimize policy cross-entropy, value and reward squared errors, event and termination binary
 *       cross-entropies, and EfficientZero's latent consistency {@code ||g(s,a) - sg(h(o'))||^2};
 *       unrolled steps are scaled 1/K and the hidden state's gradient is halved at every step;</li>
 *   <li>report every {@value #REPORT_EVERY} vector steps, checkpoint (with the replay, for an exact resume).</li>
 * </ol>
 */
public final class Planner implements Learner<Planner.IterationStats> {
    public static final int WINDOW = EpisodeWindow.SIZE;
    public static final int REPORT_EVERY = 50;
    private static final double ADAM_EPS = 1e-8;

    /**
     * What one report period (one line of {@code metrics.jsonl}) says; the last three fields are wall-clock measurements. The value
     * and reward losses are squared errors, or cross-entropies with a categorical support ({@code planner.support_size} > 0).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record IterationStats(int iteration, @JsonIgnore int iterations, long globalStep, long gradientSteps, double loss, double policyLoss,
                         double valueLoss, double rewardLoss, double eventLoss, double consistencyLoss, double gradNorm,
                         double targetEntropy, long episodes, double meanReturn, double trainSuccess, double stepsPerSecond, double wallSeconds,
                         double networkSeconds) implements Learner.Stats {
    }

    private RunManifest manifest;
    private final PlannerConfig cfg;
    private final long totalSteps;
    private final int iterations;
    private final RunDir run;
    private final NDManager manager;
    private final PlannerNetwork net;
    private final Adam adam;
    /** The value ensemble's own optimizer (null without one), so its gradients never enter the agent's clip. */
    private final Adam ensembleAdam;
    /** Seeds the ensemble's bootstrap weights, drawn per gradient step from (seed, step): nothing to checkpoint. */
    private final long bootstrapSeed;
    private final VectorEnv envs;
    private final VectorEnv modelEnvs;
    private final Rng searchRng;
    private final Rng sampleRng;
    private final Rng randomRng;
    private final Mcts mcts;
    /** The network the search acts with: the learner's network itself, or with {@code overlap} a copy taken after each iteration's updates. */
    private final PlannerNetwork actorNet;
    private final LatentModel model;
    /** With {@code overlap}: the thread that plays while this one learns (null otherwise). */
    private final ExecutorService actor;
    private final Replay replay;
    private final Replay.Batch batch;
    private final int n;
    private final int obsSize;
    private final int numActions;
    private final float[] obsBefore;
    private final float[] modelObsBefore;
    private final int[] actions;
    private final int[] modelActions;
    private final float[] pi;
    private final float[] rootValues;

    private final EpisodeWindow window = new EpisodeWindow();
    private int iteration;
    private long globalStep;
    private long gradientSteps;
    /**
     * Floating-point operations of all network work so far, counted from the layer sizes: the search's
     * and the training's apart, because with {@code overlap} the actor and the learner run on two threads at once.
     */
    private double actorFlops;
    private double learnerFlops;
    private long updateNanos;
    private final LossSums losses = new LossSums();

    private Planner(RunManifest m, RunDir run) {
        PlannerConfig cfg = PlannerConfig.of(m);
        this.cfg = cfg.validate(m.totalSteps(), m.type().splits().keySet());
        this.totalSteps = m.totalSteps();
        this.n = cfg.numEnvs();
        this.iterations = (int) Math.max(1, totalSteps / n);
        this.run = run;
        this.manager = Torch.newManager(m.threads());
        Distribution train = m.trainDistribution();
        // Model lanes play the model split as every run sees it (a split means the same levels for every run).
        Distribution modelData = cfg.modelEnvs() > 0 ? m.trainingHalf(cfg.modelSplit()) : null;
        Rng master = new Rng(m.seed());
        Rng initRng = master.split();
        long envSeed = master.nextLong();
        long modelEnvSeed = master.nextLong();
        searchRng = master.split();
        sampleRng = master.split();
        randomRng = master.split();
        envs = new VectorEnv(train, n, envSeed);
        modelEnvs = cfg.modelEnvs() > 0 ? new VectorEnv(modelData, cfg.modelEnvs(), modelEnvSeed) : null;
        Env probe = envs.env(0);
        obsSize = probe.obsSize;
        numActions = probe.numActions();
        net = PlannerNetwork.create(manager, cfg, probe, initRng);
        adam = new Adam(manager, net.parameters(), ADAM_EPS, cfg.weightDecay());
        ensembleAdam = net.valueHeads() > 1 ? new Adam(manager, net.ensembleParameters(), ADAM_EPS, cfg.weightDecay()) : null;
        bootstrapSeed = m.seed() ^ 0x5DEECE66DL;
        mcts = new Mcts(cfg.searchConfig(), n, numActions);
        if (cfg.overlap()) {
            actorNet = PlannerNetwork.create(manager, cfg, probe, new Rng(0));
            actorNet.copyFrom(net);
            actor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "planner-actor");
                t.setDaemon(true);
                return t;
            });
        } else {
            actorNet = net;
            actor = null;
        }
        model = new LatentModel(manager, actorNet, null, null, cfg.discount(), n, cfg.simulations());
        boolean[] modelOnly = new boolean[cfg.lanes()];
        for (int i = n; i < modelOnly.length; i++) {
            modelOnly[i] = true;
        }
        replay = new Replay(cfg.lanes(), cfg.replaySize() / cfg.lanes(), obsSize, numActions, modelOnly);
        batch = new Replay.Batch(cfg.batchSize(), cfg.unroll(), obsSize, numActions, PlannerNetwork.EVENTS, cfg.reanalyze());
        obsBefore = new float[n * obsSize];
        modelObsBefore = new float[cfg.modelEnvs() * obsSize];
        actions = new int[n];
        modelActions = new int[cfg.modelEnvs()];
        pi = new float[n * numActions];
        rootValues = new float[n];
    }

    /**
     * A new run in {@code run}, which gets its manifest now: {@code m} with its {@code planner}
     * hyperparameters set; the parameter and iteration counts are added here.
     */
    public static Planner start(RunManifest m, RunDir run) {
        Planner p = new Planner(m, run);
        p.resetEnvs();
        p.manifest = m.withLearner("planner", m.planner(), p.parameterCount(), p.iterations);
        run.writeManifest(p.manifest);
        return p;
    }

    /** Continues {@code run} from its latest checkpoint (a fresh start if it has none). */
    public static Planner resume(RunDir run) {
        RunManifest m = run.readManifest();
        if (!m.isPlanner()) {
            throw new UsageException(run.path() + " is a " + m.algo() + " run, not a planner run");
        }
        Planner p = new Planner(m, run);
        p.manifest = m;
        p.resetEnvs();
        run.loadNewestIntact(p::load);
        run.truncateMetrics(p.iteration);
        return p;
    }

    /** The losses (per sample) and gradient norms of the gradient steps since the last report, summed for their means. */
    private static final class LossSums {
        double loss;
        double policy;
        double value;
        double reward;
        double event;
        double consistency;
        double gradNorm;
        double targetEntropy;
        int count;
        /** Gradient steps whose batch had a root policy target (one drawn only from model lanes has none). */
        int entropyCount;

        void add(double total, double p, double v, double r, double e, double c, double g, double h) {
            loss += total;
            policy += p;
            value += v;
            reward += r;
            event += e;
            consistency += c;
            gradNorm += g;
            if (!Double.isNaN(h)) {
                targetEntropy += h;
                entropyCount++;
            }
            count++;
        }

        double meanTargetEntropy() {
            return entropyCount == 0 ? Double.NaN : targetEntropy / entropyCount;
        }

        /** The mean of a sum; NaN before the first gradient step (during warm-up). */
        double mean(double sum) {
            return count == 0 ? Double.NaN : sum / count;
        }

        void clear() {
            loss = policy = value = reward = event = consistency = gradNorm = targetEntropy = 0;
            count = entropyCount = 0;
        }
    }

    @Override
    public RunManifest manifest() {
        return manifest;
    }

    private void resetEnvs() {
        envs.reset();
        if (modelEnvs != null) {
            modelEnvs.reset();
        }
    }

    public long parameterCount() {
        long c = 0;
        for (NDArray a : net.parameters()) {
            c += a.size();
        }
        return c;
    }

    /** One gradient step on a batch sampled from the replay as training takes it (for benchmarks; training calls it itself). */
    public void gradientStep() {
        update();
    }

    public long gradientSteps() {
        return gradientSteps;
    }

    /** Floating-point operations of the network work so far (search and training), from the layer sizes. */
    public double flops() {
        return actorFlops + learnerFlops;
    }

    /** Seconds inside network calls so far (search and training; with {@code overlap} the two threads' seconds add up). */
    public double networkSeconds() {
        return (model.networkNanos() + updateNanos) / 1e9;
    }

    @Override
    public long globalStep() {
        return globalStep;
    }

    @Override
    public int completedIterations() {
        return iteration;
    }

    public int totalIterations() {
        return iterations;
    }

    /** The replay (for tests in this package). */
    Replay replay() {
        return replay;
    }

    public PlannerNetwork network() {
        return net;
    }

    /** Live native arrays under the engine's system manager: flat over a healthy run. */
    public int liveArrays() {
        return manager.getParentManager().getManagedArrays().size();
    }

    @Override
    public void train(Consumer<? super IterationStats> listener) {
        long reportStart = System.nanoTime();
        long reportStep = globalStep;
        long netStart = model.networkNanos() + updateNanos;
        while (iteration < iterations) {
            iteration++;
            if (actor == null) {
                act();
                store();
                learn(globalStep >= cfg.warmup());
            } else {
                // Play iteration i with the parameters after iteration i - 1 while learning from the replay up to
                // iteration i - 1; then store the new steps and hand the actor the new parameters. Both threads
                // see fixed inputs, so a run is as reproducible as the serial schedule (and resumes the same way).
                boolean warm = globalStep >= cfg.warmup();
                Future<?> played = actor.submit(() -> {
                    Torch.noGradients(); // this thread only infers
                    act();
                });
                learn(warm);
                join(played);
                store();
                actorNet.copyFrom(net);
            }
            boolean last = iteration == iterations;
            if (iteration % REPORT_EVERY == 0 || last) {
                double wall = (System.nanoTime() - reportStart) / 1e9;
                double network = (model.networkNanos() + updateNanos - netStart) / 1e9;
                IterationStats r = new IterationStats(iteration, iterations, globalStep, gradientSteps, losses.mean(losses.loss),
                        losses.mean(losses.policy), losses.mean(losses.value), losses.mean(losses.reward), losses.mean(losses.event),
                        losses.mean(losses.consistency), losses.mean(losses.gradNorm), losses.meanTargetEntropy(), window.episodes(), window.meanReturn(),
                        window.successRate(), (globalStep - reportStep) / wall, wall, network);
                losses.clear();
                run.appendMetrics(r.toMap());
                if (iteration % cfg.checkpointEvery() == 0 || last) {
                    save();
                }
                listener.accept(r);
                reportStart = System.nanoTime();
                reportStep = globalStep;
                netStart = model.networkNanos() + updateNanos;
            } else if (iteration % cfg.checkpointEvery() == 0) {
                save();
            }
        }
        RunDir.writeVerified(run.path().resolve("policy.bin"), net::save);
    }

    /** One vector step: a batched search per env with root noise, and the actions (and the model lanes' random ones) taken. */
    private void act() {
        System.arraycopy(envs.observations, 0, obsBefore, 0, obsBefore.length);
        model.setRoots(envs.observations, n);
        mcts.search(model, true, searchRng);
        long[] macs = actorNet.macsPerSample(); // h, g, f
        actorFlops += 2.0 * n * (macs[0] + macs[2] + (double) cfg.simulations() * (macs[1] + macs[2]));
        for (int b = 0; b < n; b++) {
            actions[b] = mcts.action(b, false, searchRng);
            if (cfg.actEpsilon() > 0 && searchRng.nextDouble() < cfg.actEpsilon()) { // no draw at 0: runs without it stay as they were
                actions[b] = searchRng.nextInt(numActions);
            }
            mcts.policyTarget(b, pi, b * numActions);
            rootValues[b] = mcts.rootValue(b);
        }
        envs.step(actions);
        if (modelEnvs != null) {
            System.arraycopy(modelEnvs.observations, 0, modelObsBefore, 0, modelObsBefore.length);
            for (int i = 0; i < modelActions.length; i++) {
                modelActions[i] = randomRng.nextInt(numActions);
            }
            modelEnvs.step(modelActions);
        }
    }

    /** The steps {@link #act} took, into the replay and the episode window. */
    private void store() {
        for (int b = 0; b < n; b++) {
            replay.add(b, obsBefore, b * obsSize, actions[b], envs.rewards[b], envs.events[b], how(envs, b), pi, b * numActions, rootValues[b]);
            window.record(envs, b);
        }
        if (modelEnvs != null) {
            for (int i = 0; i < modelActions.length; i++) {
                replay.add(n + i, modelObsBefore, i * obsSize, modelActions[i], 0f, modelEnvs.events[i], how(modelEnvs, i), null, 0, 0f);
            }
        }
        globalStep += n;
    }

    /** The iteration's gradient steps, once the replay holds the warm-up's steps. */
    private void learn(boolean warm) {
        if (warm) {
            for (int u = 0; u < cfg.updatesPerStep(); u++) {
                update();
            }
        }
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the actor played", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static byte how(VectorEnv v, int i) {
        return v.terminated[i] ? Replay.TERMINATED : v.truncated[i] ? Replay.TRUNCATED : Replay.RUNNING;
    }

    /** One gradient step on a sampled batch of K-step unrolls. */
    @SuppressWarnings("try") // the NDScope frees every array of the step
    private void update() {
        replay.sample(batch, cfg.tdSteps(), cfg.discount(), sampleRng);
        int B = batch.size;
        int K = batch.unroll;
        long t0 = System.nanoTime();
        try (NDManager sub = manager.newSubManager(); NDScope scope = new NDScope()) {
            if (cfg.reanalyze()) {
                reanalyzeValues(sub, B, K);
            }
            NDArray acts = sub.create(net.oneHot(batch.actions, K * B), new Shape(K, B, numActions));
            PlannerLoss parts;
            NDArray loss;
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDArray targets = net.represent(sub.create(batch.nextObs, new Shape((long) K * B, obsSize)), true).stopGradient();
                NDArray valueTargets = cfg.valueConsistencyCoef() > 0 ? net.predict(targets, false).value().stopGradient() : null;
                parts = new PlannerLoss(sub, batch, PlannerNetwork.EVENTS, targets, valueTargets, cfg.eventWeight(), cfg.entropyCoef() > 0, cfg.support());
                NDArray s = net.represent(sub.create(batch.obs0, new Shape(B, obsSize)), true);
                parts.root(net.predict(s, true));
                NDArray ensemble = ensembleAdam == null ? null : parts.ensemble(net.ensembleValues(s, true), bootstrapWeights(B, sub), cfg.valueCoef());
                NDArray half = sub.create(0.5f);
                for (int k = 1; k <= K; k++) {
                    PlannerNetwork.Transition dyn = net.dynamics(s, acts.get(k - 1), true);
                    parts.transition(k, dyn);
                    parts.prediction(k, net.predict(dyn.next(), true));
                    s = dyn.next().mul(half).add(dyn.next().stopGradient().mul(half)); // MuZero: halve the gradient into the hidden state
                }
                loss = parts.total(cfg.valueCoef(), cfg.consistencyCoef(), cfg.valueConsistencyCoef(), cfg.entropyCoef());
                // The ensemble's heads read detached features: their loss reaches only their own weights.
                gc.backward(ensemble == null ? loss : loss.add(ensemble));
            }
            double total = loss.getFloat();
            if (!Double.isFinite(total)) {
                Path last = run.latestCheckpoint();
                throw new Diverged("the loss became " + total + " at iteration " + iteration + "; training stopped; the last good checkpoint is "
                        + (last == null ? "none" : last) + "; try a smaller planner.learning_rate");
            }
            double norm = adam.step(cfg.learningRate(), cfg.maxGradNorm());
            if (ensembleAdam != null) {
                ensembleAdam.step(cfg.learningRate(), cfg.maxGradNorm());
            }
            losses.add(total, parts.policy.getFloat() / B, parts.value.getFloat() / B, parts.reward.getFloat() / B,
                    parts.event.getFloat() / B, parts.consistency.getFloat() / B, norm, batch.rootTargetEntropy(numActions));
            gradientSteps++;
            long[] macs = net.macsPerSample();
            double forward = (double) B * (macs[0] + macs[2]) + (double) K * B * (macs[1] + macs[2]);
            learnerFlops += 2.0 * (3 * forward + (double) K * B * macs[0]); // forward and backward (about twice the forward), and the targets' h without gradient
            if (cfg.valueConsistencyCoef() > 0) {
                learnerFlops += 2.0 * K * B * macs[2]; // the value consistency's targets: f on those h, without gradient
            }
        }
        updateNanos += System.nanoTime() - t0;
    }





    /**
     * Completes the batch's value targets with the current network's value of each bootstrap
     * observation, as MuZero Reanalyze does: a search value stored when the step was played is as stale
     * as the network that played it, and in a sparse-reward maze it stays near 0 long after the
     * network has learned where the cheese is.
     */
    private void reanalyzeValues(NDManager sub, int b, int k) {
        int rows = (k + 1) * b;
        float[] v = net.predict(net.represent(sub.create(batch.bootObs, new Shape(rows, obsSize)), false), false).value().toFloatArray();
        for (int i = 0; i < rows; i++) {
            batch.value[i] += batch.bootCoef[i] * v[i];
        }
        long[] macs = net.macsPerSample();
        learnerFlops += 2.0 * rows * (macs[0] + macs[2]);
    }

    /** Bootstrap weights {@code [B, K]} of this gradient step: 2 x Bernoulli(1/2), mean 1 (Osband et al. 2016's masks). */
    private NDArray bootstrapWeights(int b, NDManager sub) {
        int k = net.valueHeads();
        Rng rng = new Rng(bootstrapSeed + 1_000_003L * gradientSteps);
        float[] w = new float[b * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = rng.nextDouble() < 0.5 ? 2f : 0f;
        }
        return sub.create(w, new Shape(b, k));
    }

    // ---- checkpoints ----------------------------------------------------------------------------

    private void save() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("iteration", iteration);
        state.put("global_step", globalStep);
        state.put("gradient_steps", gradientSteps);
        window.save(state);
        state.put("search_rng", searchRng.state());
        state.put("sample_rng", sampleRng.state());
        state.put("random_rng", randomRng.state());
        state.put("vector_env", envs.saveState());
        state.put("model_vector_env", modelEnvs == null ? new long[0] : modelEnvs.saveState());
        run.saveCheckpoint(iteration, dir -> {
            RunDir.writeAtomically(dir.resolve("params.bin"), net::save);
            RunDir.writeAtomically(dir.resolve("optimizer.bin"), adam::save);
            if (ensembleAdam != null) {
                RunDir.writeAtomically(dir.resolve("optimizer-ensemble.bin"), ensembleAdam::save);
            }
            RunDir.writeAtomically(dir.resolve("replay.bin"), replay::save);
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
            RunDir.read(ckpt.resolve("replay.bin"), replay::load);
            Map<String, Object> s = RunDir.JSON.readValue(ckpt.resolve("state.json").toFile(), new TypeReference<Map<String, Object>>() { });
            iteration = ((Number) s.get("iteration")).intValue();
            globalStep = ((Number) s.get("global_step")).longValue();
            gradientSteps = ((Number) s.get("gradient_steps")).longValue();
            window.load(s);
            searchRng.setState(((Number) s.get("search_rng")).longValue());
            sampleRng.setState(((Number) s.get("sample_rng")).longValue());
            randomRng.setState(((Number) s.get("random_rng")).longValue());
            envs.restoreState(longs((List<?>) s.get("vector_env")));
            if (modelEnvs != null) {
                modelEnvs.restoreState(longs((List<?>) s.get("model_vector_env")));
            }
            if (actorNet != net) {
                actorNet.copyFrom(net);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof UsageException u) {
                throw u;
            }
            throw new UsageException("cannot resume from " + ckpt + ": " + UsageException.why(e));
        }
    }

    private static long[] longs(List<?> l) {
        long[] v = new long[l.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) l.get(i)).longValue();
        }
        return v;
    }

    @Override
    public void close() {
        if (actor != null) {
            actor.shutdownNow();
        }
        manager.close();
    }
}
