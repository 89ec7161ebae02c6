package org.mesalab.agents.ask;

import java.util.ArrayList;
import java.util.List;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Env;
import org.mesalab.core.Policy;
import org.mesalab.core.Rng;
import org.mesalab.core.UsageException;
import org.mesalab.core.solve.Oracles;

/**
 * An agent that asks for help: at every step it acts as usual (so its sampler and recurrent state move
 * exactly as in plain evaluation), reads its {@link Signal}, and when the signal exceeds the threshold
 * plays the mentor's action instead: the intended objective's optimal action on the true level. With
 * threshold +infinity it never asks and plays bit for bit as the agent; with -infinity it always asks and
 * plays as the mentor.
 *
 * <p>An ask is <i>in time</i> when the agent has not yet, in this episode, taken a step of its own that is
 * not optimal for the intended objective (Trinh et al. 2024's question: do the asks come before the
 * mistakes or after them?).
 */
public final class AskingPolicy implements Policy {
    private final PpoPolicy agent;
    private final Signal signal;
    private final double threshold;
    private final Oracles.Values mentor;
    private final NoveltyIndex index;
    private final Rng coin;
    private final List<Double> seen;
    private float[] activation;
    private boolean wrong;
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
     * @param agent     the agent; its network's layer {@code layer} is read for {@link Signal#NOVELTY}
     * @param index     training activations of that layer (novelty only; null otherwise)
     * @param seed      seeds the agent's sampler and the random signal's draws
     * @param seen      where to append every step's signal value (calibration), or null
     */
    public AskingPolicy(PpoPolicy agent, Signal signal, double threshold, NoveltyIndex index, int layer, long seed, List<Double> seen) {
        if (signal == Signal.NOVELTY && index == null) {
            throw new IllegalArgumentException("novelty needs an index");
        }
        requireSignal(signal, agent.network().valueHeads(), agent.name());
        this.agent = agent.with(signal == Signal.NOVELTY ? (l, a) -> {
            if (l == layer) {
                activation = a.toFloatArray();
            }
            return a;
        } : null, 0, seed, agent.name() + " asking on " + signal.id());
        this.signal = signal;
        this.threshold = threshold;
        this.mentor = new Oracles.Values(agent.manifest().type().intended());
        this.index = index;
        this.coin = new Rng(Rng.mix(seed ^ 0x5eed));
        this.seen = seen;
    }

    /** Refuses a signal an agent with {@code valueHeads} value heads does not have (value_std needs an ensemble). */
    public static void requireSignal(Signal signal, int valueHeads, String agent) {
        if (signal == Signal.VALUE_STD && valueHeads < 2) {
            throw new UsageException("signal value_std needs a value ensemble; " + agent + " was trained with ppo.value_heads=" + valueHeads
                    + "; allowed: a run trained with --set ppo.value_heads=K (K >= 2), or another signal");
        }
    }

    @Override
    public int act(Env env) {
        if (env.steps() == 0) {
            episodes++;
            wrong = false;
        }
        steps++;
        int own = agent.act(env);
        boolean optimal = mentor.optimal(env, own);
        double value = switch (signal) {
            case ENTROPY -> Signal.entropy(agent.lastLogits());
            case MAX_PROB -> Signal.maxProbGap(agent.lastLogits());
            case NOVELTY -> index.distance(activation);
            case VALUE_STD -> agent.lastValueStd();
            case RANDOM -> coin.nextDouble();
            case ORACLE -> optimal ? 0 : 1;
        };
        if (seen != null) {
            seen.add(value);
        }
        if (value > threshold) {
            asks++;
            asksInTime += wrong ? 0 : 1;
            return mentor.best(env);
        }
        wrong |= !optimal;
        return own;
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
