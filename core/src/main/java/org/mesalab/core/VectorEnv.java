package org.mesalab.core;

/**
 * N envs of one distribution stepped together into contiguous buffers, with auto-reset.
 *
 * <p>Autoreset mode (stated, as Gymnasium asks): <em>same-step</em>. When env {@code i} ends on a
 * step, {@link #finalObservations} receives its last observation, {@link #terminated}/{@link #truncated}
 * say how it ended, the finished episode's statistics are in {@code finished*}, and
 * {@link #observations} already holds the first observation of the next level. A learner bootstraps
 * truncated episodes from {@code finalObservations}.
 *
 * <p>Buffers are allocated once; {@link #step(int[])} allocates nothing. Level seeds are drawn from
 * one {@link Rng} seeded at construction, so the same seed gives the same sequence of levels.
 */
public final class VectorEnv {
    public final int n;
    public final int obsSize;
    public final Distribution distribution;
    private final Env[] envs;
    private final Rng rng;
    private final Objective intended;

    /** {@code [n][channels][height][width]} flattened. */
    public final float[] observations;
    /** Last observation of episodes that ended on the latest step; other slots are stale. */
    public final float[] finalObservations;
    public final float[] rewards;
    public final boolean[] terminated;
    public final boolean[] truncated;
    public final int[] events;

    private final double[] episodeReturn;
    private final int[] episodeLength;
    private final int[][] eventCounts;

    /** Statistics of the episode that ended on the latest step in slot i (valid where done(i)). */
    public final double[] finishedReturn;
    public final int[] finishedLength;
    public final boolean[] finishedSuccess;

    public VectorEnv(Distribution distribution, int n, long seed) {
        if (n <= 0) {
            throw new UsageException("envs=" + n + " is out of range; allowed: a positive integer");
        }
        this.n = n;
        this.distribution = distribution;
        this.rng = new Rng(seed);
        this.envs = new Env[n];
        this.intended = distribution.env().intended();
        Env first = distribution.create();
        this.obsSize = first.obsSize;
        this.observations = new float[n * obsSize];
        this.finalObservations = new float[n * obsSize];
        this.rewards = new float[n];
        this.terminated = new boolean[n];
        this.truncated = new boolean[n];
        this.events = new int[n];
        this.episodeReturn = new double[n];
        this.episodeLength = new int[n];
        this.eventCounts = new int[n][Event.COUNT];
        this.finishedReturn = new double[n];
        this.finishedLength = new int[n];
        this.finishedSuccess = new boolean[n];
        for (int i = 0; i < n; i++) {
            envs[i] = i == 0 ? first : distribution.create();
            envs[i].bindObservation(observations, i * obsSize);
        }
    }

    /** Starts a new level in every slot. */
    public void reset() {
        for (int i = 0; i < n; i++) {
            resetSlot(i);
            terminated[i] = false;
            truncated[i] = false;
            rewards[i] = 0;
            events[i] = 0;
        }
    }

    private void resetSlot(int i) {
        envs[i].reset(distribution.sampleLevelSeed(rng));
        episodeReturn[i] = 0;
        episodeLength[i] = 0;
        java.util.Arrays.fill(eventCounts[i], 0);
    }

    /** Steps every env with its action ({@code actions.length == n}). */
    public void step(int[] actions) {
        for (int i = 0; i < n; i++) {
            Env env = envs[i];
            int ev = env.step(actions[i]);
            float r = (float) env.reward();
            rewards[i] = r;
            events[i] = ev;
            terminated[i] = env.terminated();
            truncated[i] = env.truncated();
            episodeReturn[i] += r;
            episodeLength[i]++;
            Event.count(ev, eventCounts[i]);
            if (env.done()) {
                System.arraycopy(observations, i * obsSize, finalObservations, i * obsSize, obsSize);
                finishedReturn[i] = episodeReturn[i];
                finishedLength[i] = episodeLength[i];
                finishedSuccess[i] = intended.success().achieved(eventCounts[i], env);
                resetSlot(i);
            }
        }
    }

    public boolean done(int i) {
        return terminated[i] || truncated[i];
    }

    /** The env in slot i (for rendering and solvers; do not step it directly). */
    public Env env(int i) {
        return envs[i];
    }

    /** The level-sampling generator, for checkpoints. */
    public Rng rng() {
        return rng;
    }

    private static final int SLOT_WORDS = 7 + Event.COUNT;

    /**
     * Everything needed to continue exactly where this vector env is (for checkpoints): the level
     * stream, and per slot the level, the agent's state, the episode so far and the last done flags.
     */
    public long[] saveState() {
        long[] s = new long[1 + n * SLOT_WORDS];
        s[0] = rng.state();
        for (int i = 0; i < n; i++) {
            int o = 1 + i * SLOT_WORDS;
            Env e = envs[i];
            s[o] = e.levelSeed();
            s[o + 1] = e.state();
            s[o + 2] = e.steps();
            s[o + 3] = Double.doubleToLongBits(episodeReturn[i]);
            s[o + 4] = episodeLength[i];
            s[o + 5] = (terminated[i] ? 1 : 0) | (truncated[i] ? 2 : 0);
            s[o + 6] = Float.floatToIntBits(rewards[i]);
            for (int k = 0; k < Event.COUNT; k++) {
                s[o + 7 + k] = eventCounts[i][k];
            }
        }
        return s;
    }

    /** Inverse of {@link #saveState()} on a vector env of the same distribution and size. */
    public void restoreState(long[] s) {
        if (s.length != 1 + n * SLOT_WORDS) {
            throw new IllegalArgumentException("state is for " + (s.length - 1) / SLOT_WORDS + " envs, not " + n);
        }
        rng.setState(s[0]);
        for (int i = 0; i < n; i++) {
            int o = 1 + i * SLOT_WORDS;
            envs[i].reset(s[o]);
            envs[i].restore(s[o + 1], (int) s[o + 2]);
            episodeReturn[i] = Double.longBitsToDouble(s[o + 3]);
            episodeLength[i] = (int) s[o + 4];
            terminated[i] = (s[o + 5] & 1) != 0;
            truncated[i] = (s[o + 5] & 2) != 0;
            rewards[i] = Float.intBitsToFloat((int) s[o + 6]);
            for (int k = 0; k < Event.COUNT; k++) {
                eventCounts[i][k] = (int) s[o + 7 + k];
            }
        }
    }
}
