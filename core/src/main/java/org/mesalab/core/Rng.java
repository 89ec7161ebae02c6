package org.mesalab.core;

/**
 * SplitMix64 (Steele, Lea and Flood 2014): a small, fast generator whose whole state is one long,
 * so it can be saved in a checkpoint and restored exactly. Randomness is always injected; each
 * component gets its own stream split from a master seed with {@link #split()}.
 */
public final class Rng {
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    public long state() {
        return state;
    }

    public void setState(long state) {
        this.state = state;
    }

    /** The SplitMix64 finalizer: a good 64-bit mix of {@code z}. Used to derive level seeds. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One draw. */
    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** A uniform int in {@code [0, bound)}; one draw (Lemire's multiply-shift, bias below 2^-32 for our bounds). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    /** A uniform long in {@code [0, bound)}; one draw. */
    public long nextLong(long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive: " + bound);
        }
        return Math.floorMod(nextLong() >>> 1, bound);
    }

    /** A uniform double in {@code [0, 1)}; one draw. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** A new generator for a sub-component; one draw. */
    public Rng split() {
        return new Rng(nextLong());
    }
}
