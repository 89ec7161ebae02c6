package org.mesalab.agents;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What every learner offers the command line and the experiment runner: it starts from a manifest in
 * a new run directory or resumes one from its latest checkpoint (static factories of PPO and the
 * planner), trains to the end of its budget reporting after every iteration, and says where it stands.
 * A resumed run equals an uninterrupted one; the same seed and thread count give the same metrics.
 *
 * @param <S> what one iteration reports (one line of {@code metrics.jsonl})
 */
public interface Learner<S extends Learner.Stats> extends AutoCloseable {

    /**
     * What one iteration (a PPO update, a planner report period) reports. The wall-clock fields
     * ({@code stepsPerSecond}, {@code networkSeconds}) differ between identical runs; the rest is reproducible.
     */
    interface Stats {
        int iteration();

        int iterations();

        long globalStep();

        /** Mean intended return of the last (up to) {@value EpisodeWindow#SIZE} finished training episodes. */
        double meanReturn();

        /** Intended-objective success over the same episodes. */
        double trainSuccess();

        double stepsPerSecond();

        /** Seconds inside network calls (forward, backward, optimizer) during this iteration. */
        double networkSeconds();

        /** The line written to {@code metrics.jsonl}: the record's fields by snake_case name. */
        default Map<String, Object> toMap() {
            return RunDir.JSON.convertValue(this, new TypeReference<Map<String, Object>>() { });
        }
    }

    /** Runs the remaining iterations, checkpointing as configured and at the end, then writes {@code policy.bin}. */
    void train(Consumer<? super S> listener);

    RunManifest manifest();

    long globalStep();

    int completedIterations();

    @Override
    void close();
}
