package org.mesalab.agents.ask;

import java.util.ArrayList;
import java.util.List;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.interp.Activations;
import org.mesalab.agents.interp.Trajectories;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Distribution;

/** A PPO agent asked one step at a time; novelty reads layer {@code layer} of its network. */
public final class AskablePpo implements Askable {
    private final PpoPolicy agent;
    private final int layer;

    /** Takes ownership of {@code agent} (closing this closes it). */
    public AskablePpo(PpoPolicy agent, int layer) {
        this.agent = agent;
        this.layer = layer;
    }

    @Override
    public String name() {
        return agent.name();
    }

    @Override
    public RunManifest manifest() {
        return agent.manifest();
    }

    @Override
    public int batchSize() {
        return 1;
    }

    @Override
    public String noveltyLayer() {
        return agent.network().layerNames().get(layer);
    }

    @Override
    public Player player(Signal signal, NoveltyIndex index, long seed) {
        float[][] activation = new float[1][];
        PpoPolicy p = agent.with(signal == Signal.NOVELTY ? (l, a) -> {
            if (l == layer) {
                activation[0] = a.toFloatArray();
            }
            return a;
        } : null, 0, seed, agent.name() + " asking on " + signal.id());
        return (envs, count, actions, values) -> {
            for (int b = 0; b < count; b++) {
                actions[b] = p.act(envs[b]);
                values[b] = switch (signal) {
                    case ENTROPY -> Signal.entropy(p.lastLogits());
                    case MAX_PROB -> Signal.maxProbGap(p.lastLogits());
                    case NOVELTY -> index.distance(activation[0]);
                    case VALUE_STD -> p.lastValueStd();
                    default -> 0;
                };
            }
        };
    }

    /** Activations of the layer over the agent's own episodes on training levels, consecutive repeats left out. */
    @Override
    public NoveltyIndex index(Distribution train, long start, int levels, long seed) {
        Trajectories t = Trajectories.collect(agent.with(null, 0, seed, agent.name()), train, start, levels, Integer.MAX_VALUE);
        float[][] acts = Activations.of(agent.network(), agent.manager(), t).values().get(layer);
        boolean[] repeats = t.repeats();
        List<float[]> keep = new ArrayList<>();
        for (int i = 0; i < acts.length; i++) {
            if (!repeats[i]) {
                keep.add(acts[i]);
            }
        }
        return new NoveltyIndex(keep);
    }

    @Override
    public void close() {
        agent.close();
    }
}
