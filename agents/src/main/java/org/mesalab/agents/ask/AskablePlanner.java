package org.mesalab.agents.ask;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.planner.PlannerPolicy;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Samplers;
import org.mesalab.core.eval.Episode;

/**
 * A planner asked a batch of envs at a time (one search per batch, as in plain evaluation). Its policy signals read
 * the search's improved policy, novelty the latent state {@code h(o)}, {@link Signal#VALUE_STD} the value ensemble's spread
 * at {@code h(o)} (runs trained with {@code planner.value_heads} > 1), {@link Signal#VALUE_GAP} the root's values
 * before and after the search, and {@link Signal#SURPRISE} the world model's prediction of the next latent.
 */
public final class AskablePlanner implements Askable {
    private final PlannerPolicy planner;
    private final RunManifest manifest;

    /** Takes ownership of {@code planner} (closing this closes it). */
    public AskablePlanner(PlannerPolicy planner, RunManifest manifest) {
        this.planner = planner;
        this.manifest = manifest;
    }

    @Override
    public String name() {
        return planner.name();
    }

    @Override
    public RunManifest manifest() {
        return manifest;
    }

    @Override
    public int batchSize() {
        return planner.batchSize();
    }

    @Override
    public String noveltyLayer() {
        return "latent h(o)";
    }

    @Override
    public Player player(Signal signal, NoveltyIndex index, long seed) {
        planner.reseed(seed);
        return new Player() {
            private final float[] policy = new float[manifest.type().actions().size()];
            // surprise: the latent each env's last step predicted for this one (episodes in a batch are distinct env objects)
            private final Map<Env, float[]> predicted = new IdentityHashMap<>();
            private float[][] latents;

            @Override
            public void act(Env[] envs, int count, int[] actions, double[] values) {
                planner.act(envs, count, actions);
                latents = signal == Signal.NOVELTY || signal == Signal.SURPRISE || signal == Signal.VALUE_STD ? planner.represent(envs, count) : null;
                float[][] ensemble = signal == Signal.VALUE_STD ? planner.ensembleValues(latents, count) : null;
                for (int b = 0; b < count; b++) {
                    values[b] = switch (signal) {
                        case ENTROPY -> {
                            planner.searchPolicy(b, policy);
                            yield Samplers.entropy(policy, 0, policy.length);
                        }
                        case MAX_PROB -> {
                            planner.searchPolicy(b, policy);
                            yield Signal.maxProbGapOf(policy);
                        }
                        case VALUE_GAP -> Math.abs(planner.searchValue(b) - planner.headValue(b));
                        case VALUE_STD -> org.mesalab.core.stats.Stats.std(ensemble[b]);
                        case NOVELTY -> index.distance(latents[b]);
                        case SURPRISE -> {
                            float[] p = envs[b].steps() == 0 ? null : predicted.get(envs[b]);
                            yield p == null ? 0 : meanSquare(p, latents[b]);
                        }
                        default -> 0;
                    };
                }
            }

            /** Surprise predicts the next latent from the action played, which is the mentor's where the agent asked. */
            @Override
            public void played(Env[] envs, int count, int[] actions) {
                if (signal == Signal.SURPRISE) {
                    float[][] next = planner.predict(latents, actions, count).next();
                    for (int b = 0; b < count; b++) {
                        predicted.put(envs[b], next[b]);
                    }
                }
            }
        };
    }

    /**
     * Latents of the observations the planner meets in its own episodes on training levels (each distinct observation
     * once: equal observations have equal latents).
     */
    @Override
    public NoveltyIndex index(Distribution train, long start, int levels, long seed) {
        planner.reseed(seed);
        Set<FloatBuffer> seen = new HashSet<>();
        List<float[]> observations = new ArrayList<>();
        // Acting reads the observations without changing them, so recording them after the planner acts records what it saw.
        Episode.BatchPolicy recording = planner.observed((envs, count, actions) -> {
            for (int b = 0; b < count; b++) {
                float[] o = envs[b].observation().clone();
                if (seen.add(FloatBuffer.wrap(o))) {
                    observations.add(o);
                }
            }
        });
        Episode.playAll(train, recording, start, levels, (e, env) -> { });
        List<float[]> latents = new ArrayList<>();
        int d = observations.get(0).length;
        for (int from = 0; from < observations.size(); from += 1024) {
            int n = Math.min(1024, observations.size() - from);
            float[] flat = new float[n * d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(observations.get(from + i), 0, flat, i * d, d);
            }
            latents.addAll(List.of(planner.represent(flat, n)));
        }
        return new NoveltyIndex(latents);
    }

    private static double meanSquare(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s / a.length;
    }

    @Override
    public void close() {
        planner.close();
    }
}
