package org.mesalab.agents.ask;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Env;
import org.mesalab.core.Rng;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.solve.Oracles;

/**
 * An agent that asks for help: at every step it acts as usual (so its sampler, recurrent state and search move
 * exactly as in plain evaluation), reads its {@link Signal}, and when the signal exceeds the threshold
 * plays the mentor's action instead: the intended objective's optimal action on the true level. With
 * threshold +infinity it never asks and plays bit for bit as the agent; with -infinity it always asks and
 * plays as the mentor. It plays as many envs side by side as the agent does ({@link Askable#batchSize()}).
 *
 * <p>An ask is <i>in time</i> when the agent has not yet, in this episode, taken a step of its own that is
 * not optimal for the intended objective (Trinh et al. 2024's question: do the asks come before the
 * mistakes or after them?).
 */
public final class AskingPolicy implements Episode.BatchPolicy {
    private final Askable agent;
    private final Askable.Player player;
    private final Signal signal;
    private final double threshold;
    private final Oracles.Values mentor;
    private final Rng coin;
    private final List<Double> seen;
    /** Per episode (env): whether the agent has taken a non-optimal step of its own yet. */
    private final Map<Env, Boolean> wrong = new IdentityHashMap<>();
    private final int[] own;
    private final double[] values;
    private int episodes;
    private long steps;
    private long asks;
    private long asksInTime;

    /** What the asks added up to over the episodes played. */
    public record Tally(int episodes, long steps, long asks, long asksInTime) {
        public double askRate() {
            return steps == 0 ? Double.NaN : (double) asks / steps;
        }

        public double asksPerEpisode() {
            return episodes == 0 ? Double.NaN : (double) asks / episodes;
        }

        /** Share of asks made before the agent's first own non-optimal step (NaN without asks). */
        public double inTime() {
            return asks == 0 ? Double.NaN : (double) asksInTime / asks;
        }
    }

    /**
     * @param index     training activations of the agent's novelty layer (novelty only; null otherwise)
     * @param seed      seeds the agent's sampler and the random signal's draws
     * @param seen      where to append every step's signal value (calibration), or null
     */
    public AskingPolicy(Askable agent, Signal signal, double threshold, NoveltyIndex index, long seed, List<Double> seen) {
        if (signal == Signal.NOVELTY && index == null) {
            throw new IllegalArgumentException("novelty needs an index");
        }
        Askable.require(signal, agent.manifest(), agent.name());
        this.agent = agent;
        this.player = agent.player(signal, index, seed);
        this.signal = signal;
        this.threshold = threshold;
        this.mentor = new Oracles.Values(agent.manifest().type().intended());
        this.coin = new Rng(Rng.mix(seed ^ 0x5eed));
        this.seen = seen;
        this.own = new int[agent.batchSize()];
        this.values = new double[agent.batchSize()];
    }

    @Override
    public int batchSize() {
        return agent.batchSize();
    }

    @Override
    public void act(Env[] envs, int count, int[] actions) {
        player.act(envs, count, own, values);
        for (int b = 0; b < count; b++) {
            Env env = envs[b];
            if (env.steps() == 0) {
                episodes++;
                wrong.put(env, false);
            }
            steps++;
            boolean optimal = mentor.optimal(env, own[b]);
            double value = switch (signal) {
                case RANDOM -> coin.nextDouble();
                case ORACLE -> optimal ? 0 : 1;
                default -> values[b];
            };
            if (seen != null) {
                seen.add(value);
            }
            if (value > threshold) {
                asks++;
                asksInTime += wrong.get(env) ? 0 : 1;
                actions[b] = mentor.best(env);
            } else {
                if (!optimal) {
                    wrong.put(env, true);
                }
                actions[b] = own[b];
            }
        }
        player.played(envs, count, actions);
    }

    @Override
    public int act(Env env) {
        int[] action = new int[1];
        act(new Env[] {env}, 1, action);
        return action[0];
    }

    public Tally tally() {
        return new Tally(episodes, steps, asks, asksInTime);
    }

    @Override
    public String name() {
        return agent.name();
    }

    /** The threshold above which a share {@code rate} of {@code values} lies (values ask when strictly above). */
    public static double threshold(List<Double> values, double rate) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int above = (int) Math.round(rate * sorted.size());
        if (above <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (above >= sorted.size()) {
            return Double.NEGATIVE_INFINITY;
        }
        return sorted.get(sorted.size() - above - 1);
    }
}
