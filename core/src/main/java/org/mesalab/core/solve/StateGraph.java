package org.mesalab.core.solve;

import java.util.HashMap;
import java.util.Map;
import org.mesalab.core.Env;

/**
 * The reachable state space of one level as an explicit deterministic transition table, built by
 * breadth-first search from the agent's start with {@link Env#restore(long, int)} and
 * {@link Env#step(int)}. Time is not part of the state: the graph is the level's MDP without the
 * step limit. Exact solvers ({@link ValueIteration}) and the oracles run on it.
 *
 * <p>Arrays are {@code [states * actions]}: {@code next} is the successor state index or
 * {@link #TERMINAL} when the transition ends the episode; {@code events} is the transition's event mask.
 */
public final class StateGraph {
    public static final int TERMINAL = -1;

    public final int states;
    public final int actions;
    public final long[] keys;
    public final int[] next;
    public final int[] events;
    /** Shortest number of steps from the start to each state. */
    public final int[] depth;
    private final Map<Long, Integer> index;

    private StateGraph(int states, int actions, long[] keys, int[] next, int[] events, int[] depth, Map<Long, Integer> index) {
        this.states = states;
        this.actions = actions;
        this.keys = keys;
        this.next = next;
        this.events = events;
        this.depth = depth;
        this.index = index;
    }

    /**
     * Explores from the env's current state. The env is left in its start state afterwards, at the
     * step count it had. Throws when more than {@code maxStates} states are reachable.
     */
    public static StateGraph explore(Env env, int maxStates) {
        Env.Snapshot start = env.save();
        int a = env.numActions();
        Map<Long, Integer> index = new HashMap<>();
        long[] keys = new long[64];
        int[] depth = new int[64];
        int[] next = new int[64 * a];
        int[] events = new int[64 * a];
        keys[0] = env.state();
        index.put(keys[0], 0);
        int count = 1;
        for (int head = 0; head < count; head++) {
            for (int act = 0; act < a; act++) {
                env.restore(keys[head], 0);
                int ev = env.step(act);
                int slot = head * a + act;
                if (next.length <= slot) {
                    next = java.util.Arrays.copyOf(next, next.length * 2);
                    events = java.util.Arrays.copyOf(events, events.length * 2);
                }
                events[slot] = ev;
                if (env.terminated()) {
                    next[slot] = TERMINAL;
                    continue;
                }
                long key = env.state();
                Integer known = index.get(key);
                if (known == null) {
                    if (count == maxStates) {
                        env.restore(start);
                        throw new IllegalStateException("more than " + maxStates + " reachable states");
                    }
                    if (count == keys.length) {
                        keys = java.util.Arrays.copyOf(keys, count * 2);
                        depth = java.util.Arrays.copyOf(depth, count * 2);
                    }
                    keys[count] = key;
                    depth[count] = depth[head] + 1;
                    index.put(key, count);
                    known = count++;
                }
                next[slot] = known;
            }
        }
        env.restore(start);
        return new StateGraph(count, a, java.util.Arrays.copyOf(keys, count), java.util.Arrays.copyOf(next, count * a),
                java.util.Arrays.copyOf(events, count * a), java.util.Arrays.copyOf(depth, count), index);
    }

    /** The index of a state key, or -1 if it is not in the graph. */
    public int indexOf(long key) {
        Integer i = index.get(key);
        return i == null ? -1 : i;
    }
}
