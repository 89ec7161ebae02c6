package org.mesalab.cluster;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.mesalab.lab.experiment.Runner;

/**
 * The driver's progress lines, as the local runner prints them: runs done, running and failed attempts, and an
 * ETA from training steps (finished runs, plus the steps running ones have logged in the shared runs folder).
 * Spark's listener events say which task (partition, so which run) started or ended, and why an attempt failed.
 */
final class JobProgress extends SparkListener {
    private final List<String> runs;
    private final Runner runner;
    private final Merger merger;
    private final PrintWriter log;
    private final Map<Integer, Boolean> running = new ConcurrentHashMap<>();
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private final long startNanos = System.nanoTime();
    private final long totalSteps;
    private Thread ticker;

    JobProgress(List<String> runs, Runner runner, Merger merger, PrintWriter log) {
        this.runs = runs;
        this.runner = runner;
        this.merger = merger;
        this.log = log;
        this.totalSteps = runs.stream().mapToLong(runner::budget).sum();
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart e) {
        running.put(e.taskInfo().index(), true);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        int i = e.taskInfo().index();
        running.remove(i);
        if (!(e.reason() instanceof Success$) && i < runs.size()) {
            failedAttempts.incrementAndGet();
            String why = e.reason() instanceof org.apache.spark.TaskFailedReason f ? f.toErrorString().lines().findFirst().orElse("").trim()
                    : String.valueOf(e.reason());
            log.printf("attempt %d of %s failed (%s); Spark retries it up to spark.task.maxFailures%n", e.taskInfo().attemptNumber() + 1, runs.get(i), why);
            log.flush();
        }
    }

    void start() {
        long interval = System.console() != null ? 2000 : 10_000;
        ticker = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(interval);
                    log.println(line());
                    log.flush();
                }
            } catch (InterruptedException ignored) {
                // done
            }
        }, "progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    void stop() {
        ticker.interrupt();
    }

    String line() {
        int done = merger.merged();
        long now = 0;
        for (Integer i : running.keySet()) {
            now += runner.stepsDone(runs.get(i));
        }
        // Finished runs count whole; which ones finished is the merger's business, so weigh them by the mean budget.
        now += Math.round((double) totalSteps / runs.size() * done);
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double eta = now > 0 ? elapsed * Math.max(0, totalSteps - now) / now : Double.NaN;
        return String.format("spark: runs %d/%d done, %d running, %d failed attempts | elapsed %s, ETA %s", done, runs.size(), running.size(),
                failedAttempts.get(), org.mesalab.lab.experiment.Progress.time(elapsed), org.mesalab.lab.experiment.Progress.time(eta));
    }
}
