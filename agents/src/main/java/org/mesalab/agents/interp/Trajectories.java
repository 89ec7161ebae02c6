package org.mesalab.agents.interp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Policy;

/**
 * What an agent saw and did on a set of levels, step by step: each observation with its labels (the
 * level, the step, the agent's cell, every goal item's cell, the action taken). Probes and activation files
 * are computed from these, so a trained network and its randomly initialised control read the very same
 * observations.
 *
 * @param width        the observation's width in cells (a cell's class is {@code y * width + x})
 * @param observations one flattened observation per step
 */
public record Trajectories(int width, int height, List<Step> steps, List<float[]> observations) {

    /** One step: {@code level} counts the levels of this set from 0; {@code items} maps a goal item to its cell. */
    public record Step(int level, long levelSeed, int t, int agentX, int agentY, Map<String, int[]> items, int action) {
    }

    /**
     * Plays {@code policy} on levels {@code start, start + 1, ...} of {@code dist} ({@code levels} of them),
     * recording at most {@code maxSteps} steps of each (1: the first observation only).
     */
    public static Trajectories collect(Policy policy, Distribution dist, long start, int levels, int maxSteps) {
        Env env = dist.create();
        List<Step> steps = new ArrayList<>();
        List<float[]> obs = new ArrayList<>();
        for (int i = 0; i < levels; i++) {
            long seed = dist.levelSeed(start + i);
            env.reset(seed);
            Map<String, int[]> items = items(env);
            for (int t = 0; t < maxSteps && !env.done(); t++) {
                float[] o = env.observation();
                int ax = env.agentX();
                int ay = env.agentY();
                int action = policy.act(env);
                obs.add(o);
                steps.add(new Step(i, seed, t, ax, ay, items, action));
                env.step(action);
            }
        }
        return new Trajectories(env.width, env.height, List.copyOf(steps), List.copyOf(obs));
    }

    /** The level's goal items that sit in one cell ({@link Env#items} entries whose value is {@code [x, y]}). */
    public static Map<String, int[]> items(Env env) {
        Map<String, int[]> m = new LinkedHashMap<>();
        env.items().forEach((k, v) -> {
            if (v instanceof int[] xy && xy.length == 2) {
                m.put(k, xy.clone());
            }
        });
        return m;
    }

    /**
     * Steps whose observation equals the previous step's on the same level (an agent standing still, or
     * waiting in a corner until the step limit): probes skip them, so a level's idle tail does not outvote
     * the steps where something happens.
     */
    public boolean[] repeats() {
        boolean[] r = new boolean[steps.size()];
        for (int i = 1; i < r.length; i++) {
            r[i] = steps.get(i).level() == steps.get(i - 1).level() && java.util.Arrays.equals(observations.get(i), observations.get(i - 1));
        }
        return r;
    }

    public int size() {
        return steps.size();
    }
}
