package org.mesalab.agents.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.Torch;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Policy;
import org.mesalab.core.Rng;
import org.mesalab.core.Samplers;
import org.mesalab.core.UsageException;

/**
 * A trained PPO policy loaded from a run directory ({@code policy.bin}, or the latest checkpoint of a
 * run that has not finished), acting by sampling from its action distribution (or greedily).
 */
public final class PpoPolicy implements Policy, AutoCloseable {
    private final NDManager manager;
    private final PolicyNetwork net;
    private final Rng rng;
    private final boolean greedy;
    private final float[] obs;
    private final String name;
    private final PolicyNetwork.Hook hook;
    private final int thinking;
    private final boolean owner;
    private final RunManifest manifest;
    private float[] h;
    private float[] c;
    private float[] logits;
    private float[] ensemble;

    private PpoPolicy(NDManager manager, PolicyNetwork net, RunManifest manifest, long seed, boolean greedy, String name, PolicyNetwork.Hook hook,
                      int thinking, boolean owner) {
        this.manager = manager;
        this.net = net;
        this.manifest = manifest;
        this.rng = new Rng(seed);
        this.greedy = greedy;
        this.obs = new float[net.inputSize()];
        this.name = name;
        this.hook = hook;
        this.thinking = thinking;
        this.owner = owner;
        this.h = new float[net.lstmSize()];
        this.c = new float[net.lstmSize()];
    }

    /**
     * This policy's network with {@code hook} on its layers (steering, recording) and, for a recurrent
     * network, {@code thinking} extra recurrent steps on an episode's first observation before it acts
     * (Guez et al. 2019's "thinking time"); a fresh action sampler seeded with {@code seed}. The returned
     * policy shares the network: close this one, not it.
     */
    public PpoPolicy with(PolicyNetwork.Hook hook, int thinking, long seed, String name) {
        if (thinking < 0) {
            throw new IllegalArgumentException("thinking=" + thinking);
        }
        return new PpoPolicy(manager, net, manifest, seed, greedy, name, hook, thinking, false);
    }

    public PolicyNetwork network() {
        return net;
    }

    /** The manager the network lives in; callers make sub-managers of it for their arrays. */
    public NDManager manager() {
        return manager;
    }

    public RunManifest manifest() {
        return manifest;
    }

    /**
     * The standard deviation of the value ensemble's K estimates at the last {@link #act} (the agent's disagreement with
     * itself about how good the situation is); NaN for an agent without an ensemble ({@code ppo.value_heads} 1).
     */
    public double lastValueStd() {
        return ensemble == null ? Double.NaN : org.mesalab.core.stats.Stats.std(ensemble);
    }

    /** The action logits of the last {@link #act} (null before the first). */
    public float[] lastLogits() {
        return logits;
    }

    /** Loads the policy of {@code runDir}, on an engine with the run's thread count where it can (as in training, for identical results). */
    public static PpoPolicy load(Path runDir, long seed, boolean greedy) {
        RunDir run = RunDir.open(runDir);
        RunManifest m = run.readManifest();
        if (m.isPlanner()) {
            throw new UsageException(runDir + " is not a PPO run (algo=" + m.algo() + ")");
        }
        EnvType type = m.type();
        PpoConfig cfg = PpoConfig.of(m);
        int threads = m.threads();
        Env probe = m.trainDistribution().create();
        RunDir.PolicyFile params = run.policyFile(m.plannedIterations());
        NDManager manager = Torch.newEvaluationManager(threads);
        PolicyNetwork net = new PolicyNetwork(manager, cfg, probe.channels, probe.height, probe.width, type.actions().size(), new Rng(0));
        try {
            RunDir.readVerified(params.params(), net::load);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        return new PpoPolicy(manager, net, m, seed, greedy, "ppo:" + runDir, null, 0, true);
    }

    @Override
    public int act(Env env) {
        env.observe(obs, 0);
        try (NDManager sub = manager.newSubManager()) {
            NDList out;
            if (net.lstmSize() > 0) { // the state lives through an episode and starts at zero
                if (env.steps() == 0) {
                    java.util.Arrays.fill(h, 0f);
                    java.util.Arrays.fill(c, 0f);
                }
                NDArray x = sub.create(obs, new Shape(1, obs.length));
                NDArray hs = sub.create(h, new Shape(1, h.length));
                NDArray cs = sub.create(c, new Shape(1, c.length));
                for (int k = env.steps() == 0 ? thinking : 0; k > 0; k--) { // think: the cell runs on the same observation
                    NDList s = net.step(x, hs, cs, hook, false);
                    hs = s.get(2);
                    cs = s.get(3);
                }
                out = net.step(x, hs, cs, hook, false);
                h = out.get(2).toFloatArray();
                c = out.get(3).toFloatArray();
            } else {
                out = net.forward(sub.create(obs, new Shape(1, obs.length)), hook, false);
            }
            logits = out.get(0).toFloatArray();
            ensemble = out.size() > 2 && net.lstmSize() == 0 ? out.get(2).toFloatArray() : null;
            if (greedy) {
                int best = 0;
                for (int i = 1; i < logits.length; i++) {
                    if (logits[i] > logits[best]) {
                        best = i;
                    }
                }
                return best;
            }
            return Samplers.categorical(logits, 0, logits.length, rng);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        if (owner) {
            manager.close();
        }
    }
}
