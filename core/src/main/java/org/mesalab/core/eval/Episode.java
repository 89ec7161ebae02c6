package org.mesalab.core.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;

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
        return play(env, policy, levelSeed, onStep, null);
    }

    /** As above; {@code events}, when not null, gets the env and the event mask of every step just taken. */
    private static Episode play(Env env, Policy policy, long levelSeed, Consumer<Env> onStep, ObjIntConsumer<Env> events) {
        env.reset(levelSeed);
        Recorder r = new Recorder(env);
        if (onStep != null) {
            onStep.accept(env);
        }
        while (!env.done()) {
            long state = env.state();
            int a = policy.act(env);
            int ev = env.step(a);
            r.record(env, state, a, ev);
            if (events != null) {
                events.accept(env, ev);
            }
            if (onStep != null) {
                onStep.accept(env);
            }
        }
        return r.finish(env);
    }

    /** A policy that acts for many envs at once (one batched network call per step), e.g. a search over a learned model. */
    public interface BatchPolicy extends Policy {
        /** How many episodes it plays side by side. */
        int batchSize();

        /** Actions for the first {@code count} envs (all running) into {@code actions}. */
        void act(Env[] envs, int count, int[] actions);
    }

    /**
     * Plays {@code episodes} episodes on levels {@code startIndex, startIndex + 1, ...} of {@code dist}
     * and hands each, in level order, to {@code sink} together with an env that still holds its level.
     * A {@link BatchPolicy} plays {@code batchSize()} episodes side by side; the episodes are the same
     * as if played one by one only when its actions do not depend on the batch (true for a greedy search).
     */
    public static void playAll(Distribution dist, Policy policy, long startIndex, int episodes, java.util.function.BiConsumer<Episode, Env> sink) {
        playAll(dist, policy, startIndex, episodes, null, sink);
    }

    /**
     * As above; {@code events}, when not null, gets the env and the event mask of every step just taken (what an
     * episode's record keeps only as counts), e.g. to score it under a discounted objective as it goes.
     */
    public static void playAll(Distribution dist, Policy policy, long startIndex, int episodes, ObjIntConsumer<Env> events,
                               java.util.function.BiConsumer<Episode, Env> sink) {
        if (!(policy instanceof BatchPolicy bp) || bp.batchSize() <= 1) {
            Env env = dist.create();
            for (int i = 0; i < episodes; i++) {
                sink.accept(play(env, policy, dist.levelSeed(startIndex + i), null, events), env);
            }
            return;
        }
        for (int from = 0; from < episodes; from += bp.batchSize()) {
            int n = Math.min(bp.batchSize(), episodes - from);
            Env[] all = new Env[n];
            Recorder[] rec = new Recorder[n];
            for (int i = 0; i < n; i++) {
                all[i] = dist.create();
                all[i].reset(dist.levelSeed(startIndex + from + i));
                rec[i] = new Recorder(all[i]);
            }
            Env[] running = new Env[n];
            int[] index = new int[n];
            int[] actions = new int[n];
            while (true) {
                int count = 0;
                for (int i = 0; i < n; i++) {
                    if (!all[i].done()) {
                        running[count] = all[i];
                        index[count++] = i;
                    }
                }
                if (count == 0) {
                    break;
                }
                bp.act(running, count, actions);
                for (int k = 0; k < count; k++) {
                    Env e = running[k];
                    long state = e.state();
                    int ev = e.step(actions[k]);
                    rec[index[k]].record(e, state, actions[k], ev);
                    if (events != null) {
                        events.accept(e, ev);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                sink.accept(rec[i].finish(all[i]), all[i]);
            }
        }
    }

    /** Accumulates one episode's record step by step. */
    private static final class Recorder {
        private final long levelSeed;
        private final int[] counts = new int[Event.COUNT];
        private final int[] first = new int[Event.COUNT];
        private final List<Integer> pos = new ArrayList<>();
        private final List<Integer> acts = new ArrayList<>();
        private final List<Long> states = new ArrayList<>();
        private double ret;

        Recorder(Env env) {
            levelSeed = env.levelSeed();
            pos.add(env.agentX());
            pos.add(env.agentY());
        }

        /** After {@code env.step(a)} from state {@code stateBefore} returned {@code ev}. */
        void record(Env env, long stateBefore, int a, int ev) {
            states.add(stateBefore);
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
        }

        Episode finish(Env env) {
            return new Episode(levelSeed, env.steps(), ret, env.terminated(), env.truncated(), counts, first,
                    pos.stream().mapToInt(Integer::intValue).toArray(), acts.stream().mapToInt(Integer::intValue).toArray(),
                    states.stream().mapToLong(Long::longValue).toArray());
        }
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
