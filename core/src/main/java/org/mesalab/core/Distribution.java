package org.mesalab.core;

import java.util.Objects;

/**
 * A named split of an env's levels plus the generator parameters that decide which levels appear.
 *
 * <p>Level seeds: level {@code i} of split number {@code k} has seed {@code k * 2^40 + startLevel + i}.
 * Seeds of different splits therefore never overlap, whatever their parameters; {@code numLevels}
 * restricts a split to a finite set of levels (Procgen's {@code num_levels}), and held-out levels of
 * the same split start where they end. Immutable.
 */
public final class Distribution {
    /** Number of level indices each split owns. */
    public static final long LEVELS_PER_SPLIT = 1L << 40;

    private final EnvType env;
    private final String split;
    private final Params params;
    private final long startLevel;
    private final long numLevels;
    private final long seedBase;

    /** @param numLevels 0 for every level of the split */
    public Distribution(EnvType env, String split, Params params, long startLevel, long numLevels) {
        if (startLevel < 0 || startLevel >= LEVELS_PER_SPLIT) {
            throw new UsageException("start_level=" + startLevel + " is out of range; allowed: [0, 2^40)");
        }
        if (numLevels < 0 || startLevel + numLevels > LEVELS_PER_SPLIT) {
            throw new UsageException("num_levels=" + numLevels + " is out of range; allowed: 0 (unbounded) or [1, 2^40 - start_level]");
        }
        this.env = env;
        this.split = split;
        this.params = params;
        this.startLevel = startLevel;
        this.numLevels = numLevels;
        this.seedBase = env.splitIndex(split) * LEVELS_PER_SPLIT + startLevel;
    }

    public EnvType env() {
        return env;
    }

    public String split() {
        return split;
    }

    public Params params() {
        return params;
    }

    public long startLevel() {
        return startLevel;
    }

    public long numLevels() {
        return numLevels;
    }

    /** The seed of level {@code index} of this distribution. */
    public long levelSeed(long index) {
        if (index < 0 || (numLevels > 0 && index >= numLevels) || startLevel + index >= LEVELS_PER_SPLIT) {
            throw new UsageException("level index " + index + " is out of range for split " + split
                    + (numLevels > 0 ? "; allowed: [0, " + numLevels + ")" : "; allowed: [0, 2^40 - start_level)"));
        }
        return seedBase + index;
    }

    /** Draws the seed of a level of this distribution. One draw from {@code rng}; allocates nothing. */
    public long sampleLevelSeed(Rng rng) {
        long range = numLevels > 0 ? numLevels : LEVELS_PER_SPLIT - startLevel;
        return seedBase + rng.nextLong(range);
    }

    /** A new env with this distribution's parameters (no level yet: call {@link Env#reset(long)}). */
    public Env create() {
        return env.create(params);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Distribution d && d.env.name().equals(env.name()) && d.split.equals(split)
                && d.params.equals(params) && d.startLevel == startLevel && d.numLevels == numLevels;
    }

    @Override
    public int hashCode() {
        return Objects.hash(env.name(), split, params, startLevel, numLevels);
    }

    @Override
    public String toString() {
        return env.name() + "/" + split + " " + params + (numLevels > 0 ? " num_levels=" + numLevels : "");
    }
}
