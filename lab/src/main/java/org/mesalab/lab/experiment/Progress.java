package org.mesalab.lab.experiment;

import java.io.PrintStream;
import org.mesalab.agents.Learner;

/**
 * Training telemetry on standard error: on a terminal, one live line rewritten in place; otherwise a
 * plain line at most every {@code intervalSeconds} (and always for the last update), so logs stay
 * readable. Shows steps, steps/s, mean episodic return, train success and the ETA.
 */
public final class Progress {
    private final PrintStream err;
    private final boolean terminal;
    private final double intervalSeconds;
    private final long start = System.nanoTime();
    private long lastPrint;

    public Progress(PrintStream err, boolean terminal, double intervalSeconds) {
        this.err = err;
        this.terminal = terminal;
        this.intervalSeconds = intervalSeconds;
    }

    public void onProgress(Learner.Stats s, long totalSteps) {
        onProgress(s.iteration(), s.iterations(), s.globalStep(), totalSteps, s.stepsPerSecond(), s.meanReturn(), s.trainSuccess());
    }

    private void onProgress(int update, int updates, long globalStep, long totalSteps, double rate, double meanReturn, double trainSuccess) {
        long now = System.nanoTime();
        boolean last = update == updates;
        if (!terminal && !last && (now - lastPrint) / 1e9 < intervalSeconds) {
            return;
        }
        lastPrint = now;
        double elapsed = (now - start) / 1e9;
        double eta = rate > 0 ? (totalSteps - globalStep) / rate : Double.NaN;
        String line = String.format("update %d/%d  steps %,d/%,d  %,.0f steps/s  return %.3f  train success %.1f%%  elapsed %s  ETA %s",
                update, updates, globalStep, totalSteps, rate, meanReturn, 100 * trainSuccess,
                time(elapsed), time(eta));
        if (terminal) {
            err.print("\r\033[K" + line + (last ? "\n" : ""));
        } else {
            err.println(line);
        }
        err.flush();
    }

    public static String time(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
