package org.mesalab.agents.planner;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.mesalab.core.Rng;
import org.mesalab.core.Samplers;

/**
 * The planner's replay: one ring buffer per env lane, so a sampled step's next K steps are the same
 * env's next steps. Each step stores the observation before the action (one-hot planes, kept as
 * bytes), the action, the intended reward, the event mask, how the step ended the episode (if it
 * did), the search's policy target and root value. Lanes flagged {@code modelOnly} hold reward-free
 * data: they train only the world model (representation, dynamics, events).
 *
 * <p>{@link #sample} fills a {@link Batch} of MuZero unroll targets (appendix G): for K unrolled
 * steps, the actions, rewards, events and terminations of the transitions, n-step value targets
 * {@code z = sum_i gamma^i r_{t+i} + gamma^n v_{t+n}} (no bootstrap after a termination; after a
 * time-limit truncation the truncated step's own search value stands in for the unseen next state),
 * and masks for steps beyond the episode (absorbing states after a termination keep value 0).
 */
public final class Replay {
    static final byte RUNNING = 0;
    static final byte TERMINATED = 1;
    static final byte TRUNCATED = 2;

    final int lanes;
    final int capacity;
    final int obsSize;
    final int actions;
    final boolean[] modelOnly;
    private final byte[] obs;
    private final int[] action;
    private final float[] reward;
    private final int[] events;
    private final byte[] end;
    private final float[] policy;
    private final float[] rootValue;
    /** Steps ever written per lane. */
    private final long[] written;

    public Replay(int lanes, int capacityPerLane, int obsSize, int actions, boolean[] modelOnly) {
        this.lanes = lanes;
        this.capacity = capacityPerLane;
        this.obsSize = obsSize;
        this.actions = actions;
        this.modelOnly = modelOnly.clone();
        obs = new byte[lanes * capacity * obsSize];
        action = new int[lanes * capacity];
        reward = new float[lanes * capacity];
        events = new int[lanes * capacity];
        end = new byte[lanes * capacity];
        policy = new float[lanes * capacity * actions];
        rootValue = new float[lanes * capacity];
        written = new long[lanes];
    }

    private int slot(int lane, long step) {
        return lane * capacity + (int) (step % capacity);
    }

    /** Appends one step to {@code lane}: observation from {@code obsSrc[obsOff ..]}, policy target from {@code pi[piOff ..]} (null for model-only lanes). */
    public void add(int lane, float[] obsSrc, int obsOff, int a, float r, int eventMask, byte how, float[] pi, int piOff, float value) {
        int s = slot(lane, written[lane]);
        int o = s * obsSize;
        for (int i = 0; i < obsSize; i++) {
            obs[o + i] = (byte) obsSrc[obsOff + i];
        }
        action[s] = a;
        reward[s] = r;
        events[s] = eventMask;
        end[s] = how;
        if (pi != null) {
            System.arraycopy(pi, piOff, policy, s * actions, actions);
        }
        rootValue[s] = value;
        written[lane]++;
    }

    /** The actions stored in {@code lane}, oldest first (what self-play did there, for tests). */
    int[] actions(int lane) {
        long first = Math.max(0, written[lane] - capacity);
        int[] out = new int[(int) (written[lane] - first)];
        for (int i = 0; i < out.length; i++) {
            out[i] = action[slot(lane, first + i)];
        }
        return out;
    }

    public long size() {
        long n = 0;
        for (long w : written) {
            n += Math.min(w, capacity);
        }
        return n;
    }

    /** Preallocated arrays of one training batch, laid out {@code [k][b]} (k = 0..K for states, 1..K for transitions stored at k-1). */
    public static final class Batch {
        final int size;
        final int unroll;
        final float[] obs0;
        final float[] nextObs;
        final int[] actions;
        final float[] policy;
        final float[] value;
        final float[] reward;
        final float[] events;
        final float[] terminal;
        final float[] stateMask;
        final float[] valueMask;
        final float[] transMask;
        final float[] rewardMask;
        /**
         * Reanalysis ({@link #sample} with {@code reanalyze}): {@link #value} holds only the n-step
         * rewards, and the bootstrap term is {@code bootCoef * v(bootObs)} with the learner's current
         * value network; {@code bootCoef} is 0 where no bootstrap applies. Null otherwise.
         */
        final float[] bootObs;
        final float[] bootCoef;

        /**
         * Mean entropy (nats) of the search's policy targets at the sampled roots that have one (a
         * model lane's sample has none): how far from a deterministic choice the search tells the policy
         * network to move. Its fall towards 0 while the value is still noise is the signature of a
         * policy that collapses onto noise. NaN when no sampled root has a target.
         */
        public double rootTargetEntropy(int actions) {
            double h = 0;
            int roots = 0;
            for (int off = 0; off < size * actions; off += actions) {
                boolean target = false;
                for (int a = off; a < off + actions; a++) {
                    target |= policy[a] > 0;
                }
                if (target) {
                    h += Samplers.entropy(policy, off, actions);
                    roots++;
                }
            }
            return roots == 0 ? Double.NaN : h / roots;
        }

        public Batch(int size, int unroll, int obsSize, int actions, int eventCount) {
            this(size, unroll, obsSize, actions, eventCount, false);
        }

        public Batch(int size, int unroll, int obsSize, int actions, int eventCount, boolean reanalyze) {
            this.size = size;
            this.unroll = unroll;
            obs0 = new float[size * obsSize];
            nextObs = new float[unroll * size * obsSize];
            this.actions = new int[unroll * size];
            policy = new float[(unroll + 1) * size * actions];
            value = new float[(unroll + 1) * size];
            reward = new float[unroll * size];
            events = new float[unroll * size * eventCount];
            terminal = new float[unroll * size];
            stateMask = new float[(unroll + 1) * size];
            valueMask = new float[(unroll + 1) * size];
            transMask = new float[unroll * size];
            rewardMask = new float[unroll * size];
            bootObs = reanalyze ? new float[(unroll + 1) * size * obsSize] : null;
            bootCoef = reanalyze ? new float[(unroll + 1) * size] : null;
        }
    }

    /** Fills {@code batch} with uniformly sampled steps and their unroll targets; draws 2 numbers per sample from {@code rng}. */
    public void sample(Batch batch, int tdSteps, double discount, Rng rng) {
        int B = batch.size;
        int K = batch.unroll;
        int E = batch.events.length / (K * B);
        Arrays.fill(batch.nextObs, 0f);
        Arrays.fill(batch.policy, 0f);
        Arrays.fill(batch.events, 0f);
        boolean reanalyze = batch.bootCoef != null;
        if (reanalyze) {
            Arrays.fill(batch.bootObs, 0f);
            Arrays.fill(batch.bootCoef, 0f);
        }
        for (int b = 0; b < B; b++) {
            int lane;
            do {
                lane = rng.nextInt(lanes);
            } while (written[lane] == 0);
            long first = Math.max(0, written[lane] - capacity);
            long t = first + rng.nextLong(written[lane] - first);
            boolean model = modelOnly[lane];
            copyObs(lane, t, batch.obs0, b * obsSize);
            boolean real = true;
            for (int k = 0; k <= K; k++) {
                int sk = k * B + b;
                if (k > 0) {
                    long prev = t + k - 1;
                    boolean trans = real && prev < written[lane];
                    int tk = (k - 1) * B + b;
                    batch.transMask[tk] = trans ? 1f : 0f;
                    batch.rewardMask[tk] = trans && !model ? 1f : 0f;
                    batch.actions[tk] = trans ? action[slot(lane, prev)] : 0;
                    batch.reward[tk] = trans ? reward[slot(lane, prev)] : 0f;
                    batch.terminal[tk] = trans && end[slot(lane, prev)] == TERMINATED ? 1f : 0f;
                    if (trans) {
                        int m = events[slot(lane, prev)];
                        for (int e = 0; e < E; e++) {
                            batch.events[tk * E + e] = (m >> e & 1);
                        }
                    }
                    boolean absorbing = trans && end[slot(lane, prev)] == TERMINATED;
                    real = trans && end[slot(lane, prev)] == RUNNING && t + k < written[lane];
                    batch.valueMask[sk] = (real || absorbing) && !model ? 1f : 0f;
                    if (real) {
                        copyObs(lane, t + k, batch.nextObs, tk * obsSize);
                    }
                } else {
                    batch.valueMask[sk] = model ? 0f : 1f;
                }
                batch.stateMask[sk] = real ? 1f : 0f;
                if (real && !model && reanalyze) {
                    Target z = valueParts(lane, t + k, tdSteps, discount);
                    batch.value[sk] = (float) z.rewards;
                    batch.bootCoef[sk] = (float) z.coef;
                    if (z.coef != 0) {
                        copyObs(lane, z.bootStep, batch.bootObs, sk * obsSize);
                    }
                } else {
                    batch.value[sk] = real && !model ? (float) valueTarget(lane, t + k, tdSteps, discount) : 0f;
                }
                if (real && !model) {
                    System.arraycopy(policy, slot(lane, t + k) * actions, batch.policy, sk * actions, actions);
                }
            }
        }
    }

    private void copyObs(int lane, long step, float[] dst, int off) {
        int o = slot(lane, step) * obsSize;
        for (int i = 0; i < obsSize; i++) {
            dst[off + i] = obs[o + i];
        }
    }

    /** n-step return from step j of a lane, bootstrapped from the search value n steps later. */
    double valueTarget(int lane, long j, int n, double gamma) {
        Target z = valueParts(lane, j, n, gamma);
        return z.rewards + (z.coef == 0 ? 0 : z.coef * rootValue[slot(lane, z.bootStep)]);
    }

    /** An n-step value target in parts: {@code rewards + coef * v(observation at bootStep)}; {@code coef} 0: no bootstrap (a termination). */
    record Target(double rewards, double coef, long bootStep) { }

    Target valueParts(int lane, long j, int n, double gamma) {
        double z = 0;
        double g = 1;
        for (int i = 0; i < n; i++) {
            long idx = j + i;
            if (idx >= written[lane]) { // the future is not stored yet: bootstrap from the newest stored step
                return new Target(z, g, written[lane] - 1);
            }
            int s = slot(lane, idx);
            z += g * reward[s];
            if (end[s] == TERMINATED) {
                return new Target(z, 0, idx);
            }
            if (end[s] == TRUNCATED) { // the unseen next state: the truncated step's own value stands in
                return new Target(z, g * gamma, idx);
            }
            g *= gamma;
        }
        return new Target(z, g, Math.min(j + n, written[lane] - 1));
    }

    public void save(DataOutputStream out) throws IOException {
        out.writeInt(lanes);
        out.writeInt(capacity);
        for (long w : written) {
            out.writeLong(w);
        }
        out.write(obs);
        for (int i = 0; i < action.length; i++) {
            out.writeInt(action[i]);
            out.writeFloat(reward[i]);
            out.writeInt(events[i]);
            out.writeByte(end[i]);
            out.writeFloat(rootValue[i]);
        }
        for (float p : policy) {
            out.writeFloat(p);
        }
    }

    public void load(DataInputStream in) throws IOException {
        if (in.readInt() != lanes || in.readInt() != capacity) {
            throw new IOException("replay shape differs from the configuration");
        }
        for (int i = 0; i < lanes; i++) {
            written[i] = in.readLong();
        }
        in.readFully(obs);
        for (int i = 0; i < action.length; i++) {
            action[i] = in.readInt();
            reward[i] = in.readFloat();
            events[i] = in.readInt();
            end[i] = in.readByte();
            rootValue[i] = in.readFloat();
        }
        for (int i = 0; i < policy.length; i++) {
            policy[i] = in.readFloat();
        }
    }
}
