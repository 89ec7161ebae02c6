package org.mesalab.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One played episode: the level, what happened, and the agent's path (enough to replay it).
 *
 * @param eventCounts occurrences per {@link Event} (by ordinal)
 * @param firstStep   step (1-based) at which each event first happened, 0 if never
 * @param positions   agent cells visited, {@code [x0, y0, x1, y1, ...]}, start included
 * @param actions     actions taken
 * @param states      the env's state ({@link Env#state()}) before each action, for exact replay and diagnosis
 */
public record Episode(long levelSeed, int steps, double intendedReturn, boolean terminated, boolean truncated,
                      int[] eventCounts, int[] firstStep, int[] positions, int[] actions, long[] states) {

    /**
     * Plays {@code policy} on level {@code levelSeed} until the episode ends; {@code onStep} sees the
     * env before the first step and after every step (for frames), or is null.
     */
    public static Episode play(Env env, Policy policy, long levelSeed, Consumer<Env> onStep) {
        env.reset(levelSeed);
        int[] counts = new int[Event.COUNT];
        int[] first = new int[Event.COUNT];
        List<Integer> pos = new ArrayList<>();
        List<Integer> acts = new ArrayList<>();
        List<Long> states = new ArrayList<>();
        pos.add(env.agentX());
        pos.add(env.agentY());
        if (onStep != null) {
            onStep.accept(env);
        }
        double ret = 0;
        while (!env.done()) {
            states.add(env.state());
            int a = policy.act(env);
            int ev = env.step(a);
            ret += env.reward();
            acts.add(a);
            Event.count(ev, counts);
            for (Event e : Event.values()) {
                if (e.in(ev) && first[e.ordinal()] == 0) {
                    first[e.ordinal()] = env.steps();
                }
            }
            pos.add(env.agentX());
            pos.add(env.agentY());
            if (onStep != null) {
                onStep.accept(env);
            }
        }
        return new Episode(levelSeed, env.steps(), ret, env.terminated(), env.truncated(), counts, first,
                pos.stream().mapToInt(Integer::intValue).toArray(), acts.stream().mapToInt(Integer::intValue).toArray(),
                states.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * Why the episode ended: {@code timeout} (truncated by the step limit), {@code death}, or
     * {@code terminal} (the level ended it: goal reached, nothing left to do).
     */
    public String cause() {
        if (truncated) {
            return "timeout";
        }
        return eventCounts[Event.DEATH.ordinal()] > 0 ? "death" : "terminal";
    }

    /** Whether this episode achieved {@code objective}; {@code env} must still hold the episode's level. */
    public boolean achieved(Objective objective, Env env) {
        return objective.success().achieved(eventCounts, env);
    }
}
