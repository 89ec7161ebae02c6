package org.mesalab.core;

import java.util.Arrays;

/**
 * A reward over events, with the test of whether an episode achieved it.
 *
 * <p>The reward of a step is {@code stepReward + sum_e weight[e] * [e happened at this step]}.
 * It is precomputed for all {@code 2^Event.COUNT} event masks, so scoring a step is one array
 * read. Success is judged on an episode's event counts and the level it was played on (heist needs
 * the number of chests that could be opened at all).
 *
 * @param name       the id used on the command line ({@code cheese}, {@code corner}, ...)
 * @param description one line for {@code mesalab envs}
 * @param weights    reward per occurrence, indexed by {@link Event#ordinal()}
 * @param stepReward reward added to every step (negative for a time cost)
 * @param success    whether an episode with these event counts achieved the objective
 */
public record Objective(String name, String description, double[] weights, double stepReward, Success success) {

    /** Whether an episode achieved an objective, from its event counts on the level it ended on. */
    @FunctionalInterface
    public interface Success {
        boolean achieved(int[] eventCounts, Env env);
    }

    public Objective {
        if (weights.length != Event.COUNT) {
            throw new IllegalArgumentException("weights must have one entry per event");
        }
        weights = weights.clone();
    }

    /** An objective paying {@code weight} for each occurrence of {@code event}, achieved when it occurred. */
    public static Objective of(String name, String description, Event event, double weight) {
        double[] w = new double[Event.COUNT];
        w[event.ordinal()] = weight;
        return new Objective(name, description, w, 0.0, (counts, env) -> counts[event.ordinal()] > 0);
    }

    public double weight(Event e) {
        return weights[e.ordinal()];
    }

    /** The reward of a step on which the events in {@code mask} happened. */
    public double reward(int mask) {
        double r = stepReward;
        while (mask != 0) {
            int i = Integer.numberOfTrailingZeros(mask);
            r += weights[i];
            mask &= mask - 1;
        }
        return r;
    }

    /** Rewards for every mask, for hot loops: {@code table[mask]}. */
    public double[] rewardTable() {
        double[] table = new double[1 << Event.COUNT];
        for (int m = 0; m < table.length; m++) {
            table[m] = reward(m);
        }
        return table;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Objective other && name.equals(other.name) && Arrays.equals(weights, other.weights)
                && stepReward == other.stepReward;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(weights);
    }

    @Override
    public String toString() {
        return name;
    }
}
