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
}
