package org.mesalab.core;

import java.util.Map;

/**
 * One environment instance: a level, an agent on it, and the rules of a step. Gymnasium's contract
 * in Java: {@link #reset(long)} with a level seed, {@link #step(int)} returning the step's events,
 * {@link #terminated()} and {@link #truncated()} kept apart, and a fixed-shape observation of one-hot
 * planes {@code [channels][height][width]} written into a float buffer the caller may bind
 * ({@link #bindObservation}), so a {@link VectorEnv} gets all observations in one contiguous array.
 *
 * <p>Subclasses update the observation incrementally in {@link #move(int)} (only cells that change are
 * written) and allocate nothing there: steady-state stepping is allocation-free. The whole dynamic
 * state except the step counter fits in one long ({@link #state()}), which is what exact solvers
 * enumerate and what search agents save and restore. (0, 0) is the top-left cell.
 */
public abstract class Env {
    protected final EnvType type;
    protected final Params params;
    public final int channels;
    public final int height;
    public final int width;
    public final int obsSize;
    protected final int maxSteps;

    protected float[] obs;
    protected int obsOffset;

    /** Agent position. */
    protected int x;
    protected int y;

    private int steps;
    private boolean terminated;
    private boolean truncated;
    private int events;
    private long levelSeed = -1;
    private final double[] rewardTable;

    protected Env(EnvType type, Params params, int channels, int height, int width, int maxSteps) {
        this.type = type;
        this.params = params;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.obsSize = channels * height * width;
        this.maxSteps = maxSteps;
        this.obs = new float[obsSize];
        this.rewardTable = type.intended().rewardTable();
    }

    // ---- the contract -------------------------------------------------------------------------

    /** Generates the level of {@code levelSeed} and places the agent at its start. */
    public final void reset(long levelSeed) {
        this.levelSeed = levelSeed;
        generate(levelSeed);
        steps = 0;
        terminated = false;
        truncated = false;
        events = 0;
        writeObservation();
    }

    /**
     * Applies {@code action} and returns the bit mask of the {@link Event}s of this step. After the
     * episode ended ({@link #done()}), call {@link #reset(long)} first.
     */
    public final int step(int action) {
        if (terminated || truncated) {
            throw new IllegalStateException("the episode is over: reset first");
        }
        if (action < 0 || action >= numActions()) {
            throw new IllegalArgumentException("action " + action + " is out of range [0, " + numActions() + ")");
        }
        terminated = false;
        events = move(action);
        steps++;
        if (!terminated && steps >= maxSteps) {
            truncated = true;
        }
        return events;
    }

    /** Reward of the last step under the env's intended objective (the base objective in training). */
    public double reward() {
        return rewardTable[events];
    }

    public int events() {
        return events;
    }

    /** The episode reached a terminal state of the level (goal, death, nothing left to do). */
    public boolean terminated() {
        return terminated;
    }

    /** The episode was cut by the step limit, not by the level: bootstrap from the last state. */
    public boolean truncated() {
        return truncated;
    }

    public boolean done() {
        return terminated || truncated;
    }

    public int steps() {
        return steps;
    }

    public int maxSteps() {
        return maxSteps;
    }

    public long levelSeed() {
        return levelSeed;
    }

    public int agentX() {
        return x;
    }

    public int agentY() {
        return y;
    }

    public EnvType type() {
        return type;
    }

    public Params params() {
        return params;
    }

    public int numActions() {
        return type.actions().size();
    }

    // ---- observation ------------------------------------------------------------------------

    /** Makes the env write its observation into {@code buffer[offset .. offset + obsSize)}. */
    public void bindObservation(float[] buffer, int offset) {
        this.obs = buffer;
        this.obsOffset = offset;
        writeObservation();
    }

    /** Copies the current observation into {@code dst[offset ..]}. */
    public void observe(float[] dst, int offset) {
        System.arraycopy(obs, obsOffset, dst, offset, obsSize);
    }

    public float[] observation() {
        float[] o = new float[obsSize];
        observe(o, 0);
        return o;
    }

    /** Sets plane {@code c} at cell (x, y) to {@code v}. */
    protected final void put(int c, int px, int py, float v) {
        obs[obsOffset + (c * height + py) * width + px] = v;
    }

    /** Writes the whole observation (on reset and restore). */
    protected final void writeObservation() {
        java.util.Arrays.fill(obs, obsOffset, obsOffset + obsSize, 0f);
        drawObservation();
    }

    // ---- save and restore ------------------------------------------------------------------

    /** Snapshot of everything that changes within an episode. */
    public record Snapshot(long state, int steps, boolean terminated, boolean truncated, int events) {
    }

    public Snapshot save() {
        return new Snapshot(state(), steps, terminated, truncated, events);
    }

    /** Restores a snapshot taken on the current level. */
    public void restore(Snapshot s) {
        restore(s.state(), s.steps());
        terminated = s.terminated();
        truncated = s.truncated();
        events = s.events();
    }

    /** Puts the agent in dynamic state {@code state} (from {@link #state()}) at step {@code steps}; the episode is running. */
    public final void restore(long state, int steps) {
        loadState(state);
        this.steps = steps;
        terminated = false;
        truncated = false;
        events = 0;
        writeObservation();
    }

    // ---- what each env defines -----------------------------------------------------------------

    /** Generates the level for {@code levelSeed} into preallocated fields and sets the agent's start. */
    protected abstract void generate(long levelSeed);

    /** Applies an action, updates the observation incrementally, returns the step's events; calls {@link #terminate()} when the level ends. */
    protected abstract int move(int action);

    /** Draws every nonzero plane entry into a zeroed observation. */
    protected abstract void drawObservation();

    /** The whole dynamic state (agent, items taken, velocities) as one long, unique per state on this level. */
    public abstract long state();

    /** The agent's cell as a state, {@code y * width + x}: the whole state of envs where nothing else changes. */
    protected final long position() {
        return (long) y * width + x;
    }

    /** Restores what {@link #position()} encoded. */
    protected final void loadPosition(long state) {
        x = (int) (state % width);
        y = (int) (state / width);
    }

    /** Inverse of {@link #state()}. Must not touch the observation; {@link #restore} redraws it. */
    protected abstract void loadState(long state);

    /** The symbol of the cell's static contents, for ASCII rendering and the JSON grid (agent excluded). */
    public abstract char cell(int cx, int cy);

    /** Symbol to legend name, for renderers (wall, cheese, ...). */
    public abstract Map<Character, String> legend();

    /** Goal items and their positions for {@code mesalab level --json}, e.g. {@code "cheese": [x, y]}. */
    public abstract Map<String, Object> items();

    protected final void terminate() {
        terminated = true;
    }
}
