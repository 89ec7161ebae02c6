package org.mesalab.agents.ppo;

import java.util.function.Consumer;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.Samplers;
import org.mesalab.core.goodhart.Gold;
import org.mesalab.core.goodhart.Rollout;
import org.mesalab.core.goodhart.Scored;

/**
 * RL against a proxy, the Goodhart curve's strongest optimizer: PPO from a fresh initialization with the
 * proxy as its reward ({@link Ppo#rewardedBy}); pressure is env steps of training. At each pressure the
 * policy of that moment plays the curve's levels (sampling, as it acts), each episode scored under the
 * proxy and the gold, with its KL from the initial policy measured along the episode: the sum over its
 * steps of KL(pi(s) || pi_0(s)), the divergence of the two policies' trajectory distributions.
 */
public final class ProxyRl {
    /** The global steps the pressures were measured at (training moves in batches), and the scored episodes per pressure. */
    public record Result(long[] steps, Scored[][] main, Scored[][] holdout) {
    }

    /** The levels a pressure is scored on: {@code levels} from index {@code first} of {@code dist}, then {@code holdout} more. */
    public record Levels(Distribution dist, long first, int levels, int holdout) {
    }

    /** The optimizer's name on a curve. */
    public static final String RL = "rl";

    private ProxyRl() {
    }

    /**
     * The manifest of an rl run on {@code dist}: PPO with {@code cfg}, a budget of whole batches that reaches the
     * last pressure, one engine thread count ({@code threads}), the env's training levels of the split.
     */
    public static RunManifest manifest(Distribution dist, java.util.Map<String, Double> overrides, PpoConfig cfg, long[] pressures, long seed, int threads,
                                       java.util.Map<String, Object> versions, String gitCommit, String command) {
        long last = pressures[pressures.length - 1];
        long total = (last + cfg.batchSize() - 1) / cfg.batchSize() * cfg.batchSize();
        RunManifest m = RunManifest.of("ppo", dist.env().name(), dist.split(), overrides, 0, 0, seed, total, threads, null, gitCommit,
                java.time.Instant.now().toString(), command);
        return cfg.validate(total).into(m).withVersions(versions);
    }

    /**
     * The curve: {@link #run}, then one point per distinct step reached (pressures that fell in the same
     * training batch were scored once), Gao et al.'s fits against the measured KL, early stopping on the holdout.
     */
    public static org.mesalab.core.goodhart.Curve curve(RunManifest m, RunDir run, java.nio.file.Path baseParams, Objective proxy, String proxySpec, Gold gold,
                                                         Levels on, long[] pressures, long seed, Consumer<String> progress) {
        Result r = run(m, run, baseParams, proxy, gold, on, pressures, seed, progress);
        java.util.List<Integer> keep = new java.util.ArrayList<>();
        for (int i = 0; i < pressures.length; i++) {
            if (i == 0 || r.steps()[i] != r.steps()[i - 1]) {
                keep.add(i);
            }
        }
        long[] steps = keep.stream().mapToLong(i -> r.steps()[i]).toArray();
        Scored[][] main = keep.stream().map(i -> r.main()[i]).toArray(Scored[][]::new);
        Scored[][] held = keep.stream().map(i -> r.holdout()[i]).toArray(Scored[][]::new);
        return org.mesalab.core.goodhart.Curve.of(RL, proxySpec, gold, "steps", steps, main, null, on.holdout() > 0 ? held : null, seed);
    }

    /**
     * Trains a PPO run described by {@code m} in {@code run} against {@code proxy} for {@code m.totalSteps()}
     * env steps, scoring the policy at each of {@code pressures} (increasing env steps; 0 is the initial
     * policy). The initial policy is a fresh initialization, or the parameters in {@code baseParams}
     * (a trained run's {@code policy.bin}, of the same network: fine-tuning, as Gao et al. start from a
     * pretrained policy). The engine must be started. {@code progress} hears one line per scored pressure.
     */
    public static Result run(RunManifest m, RunDir run, java.nio.file.Path baseParams, Objective proxy, Gold gold, Levels on, long[] pressures, long seed,
                             Consumer<String> progress) {
        Ppo ppo = Ppo.start(m, run).rewardedBy(proxy);
        if (baseParams != null) {
            RunDir.readVerified(baseParams, ppo.network()::load);
        }
        RunDir.writeVerified(run.path().resolve("policy.bin"), ppo.network()::save);
        long[] steps = new long[pressures.length];
        Scored[][] main = new Scored[pressures.length][];
        Scored[][] held = new Scored[pressures.length][];
        int[] next = {0};
        try (PpoPolicy initial = PpoPolicy.load(run.path(), seed, false)) {
            java.util.function.BiConsumer<Long, Boolean> score = (at, last) -> {
                RunDir.writeVerified(run.path().resolve("policy.bin"), ppo.network()::save);
                Scored[][] s;
                try (PpoPolicy now = PpoPolicy.load(run.path(), seed, false)) {
                    s = new Scored[][] {play(now, initial, proxy, gold, on.dist(), on.first(), on.levels()),
                        play(now, initial, proxy, gold, on.dist(), on.first() + on.levels(), on.holdout())};
                }
                // Pressures this moment has reached share its episodes (training moves a batch at a time).
                while (next[0] < pressures.length && (pressures[next[0]] <= at || last)) {
                    steps[next[0]] = at;
                    main[next[0]] = s[0];
                    held[next[0]] = s[1];
                    next[0]++;
                }
                double gold0 = 0;
                for (Scored x : s[0]) {
                    gold0 += x.gold() / s[0].length;
                }
                progress.accept(String.format(java.util.Locale.ROOT, "rl: %,d env steps against the proxy: gold %.4f on %d levels", at, gold0, s[0].length));
            };
            if (pressures[0] == 0) {
                score.accept(0L, false);
            }
            ppo.train(stats -> {
                boolean last = stats.iteration() == stats.iterations();
                if (next[0] < pressures.length && (stats.globalStep() >= pressures[next[0]] || last)) {
                    score.accept(stats.globalStep(), last); // the last update scores every pressure left (the budget rounds to whole batches)
                }
            });
        }
        return new Result(steps, main, held);
    }

    /** The policy {@code now} on {@code count} levels from {@code from}, one sampled episode each, with its KL from {@code initial}. */
    private static Scored[] play(PpoPolicy now, PpoPolicy initial, Objective proxy, Gold gold, Distribution dist, long from, int count) {
        Scored[] out = new Scored[count];
        Rollout rollout = new Rollout(new org.mesalab.core.goodhart.Proxy.Events(proxy), gold);
        for (int i = 0; i < count; i++) {
            Env env = dist.create();
            env.reset(dist.levelSeed(from + i));
            double[] kl = {0};
            Policy tracked = new Policy() {
                @Override
                public int act(Env e) {
                    initial.act(e); // its logits on the same observation (its sampled action is not used)
                    int a = now.act(e);
                    kl[0] += kl(now.lastLogits(), initial.lastLogits());
                    return a;
                }

                @Override
                public String name() {
                    return now.name();
                }
            };
            out[i] = rollout.play(env, env.save(), tracked, () -> kl[0]);
        }
        return out;
    }

    /** KL(softmax(p) || softmax(q)) in nats. */
    static double kl(float[] p, float[] q) {
        double lp = Samplers.logSumExp(p, 0, p.length);
        double lq = Samplers.logSumExp(q, 0, q.length);
        double k = 0;
        for (int i = 0; i < p.length; i++) {
            double a = p[i] - lp;
            k += Math.exp(a) * (a - (q[i] - lq));
        }
        return Math.max(0, k);
    }
}
