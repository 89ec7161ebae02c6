package org.mesalab.agents;

import java.util.List;
import java.util.Map;
import org.mesalab.core.VectorEnv;

/**
 * The rolling window of the last {@value #SIZE} finished training episodes behind a learner's
 * {@code mean_return} and {@code train_success}, saved in and restored from its checkpoints.
 */
public final class EpisodeWindow {
    public static final int SIZE = 100;

    private final double[] returns = new double[SIZE];
    private final boolean[] success = new boolean[SIZE];
    private long episodes;

    /** Records env i's episode if it finished at the last step. */
    public void record(VectorEnv envs, int i) {
        if (envs.done(i)) {
            returns[(int) (episodes % SIZE)] = envs.finishedReturn[i];
            success[(int) (episodes % SIZE)] = envs.finishedSuccess[i];
            episodes++;
        }
    }

    public long episodes() {
        return episodes;
    }

    public double meanReturn() {
        int count = (int) Math.min(episodes, SIZE);
        double s = 0;
        for (int i = 0; i < count; i++) {
            s += returns[i];
        }
        return count == 0 ? Double.NaN : s / count;
    }

    public double successRate() {
        int count = (int) Math.min(episodes, SIZE);
        int s = 0;
        for (int i = 0; i < count; i++) {
            s += success[i] ? 1 : 0;
        }
        return count == 0 ? Double.NaN : (double) s / count;
    }

    public void save(Map<String, Object> state) {
        state.put("episodes", episodes);
        state.put("window_return", returns);
        state.put("window_success", success);
    }

    public void load(Map<String, Object> state) {
        episodes = ((Number) state.get("episodes")).longValue();
        List<?> wr = (List<?>) state.get("window_return");
        List<?> ws = (List<?>) state.get("window_success");
        for (int i = 0; i < SIZE; i++) {
            returns[i] = ((Number) wr.get(i)).doubleValue();
            success[i] = (Boolean) ws.get(i);
        }
    }
}
