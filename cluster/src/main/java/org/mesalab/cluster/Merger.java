package org.mesalab.cluster;

import java.io.PrintWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.mesalab.lab.experiment.Progress;
import org.mesalab.lab.experiment.Spec;
import org.mesalab.lab.experiment.Store;

/**
 * The driver's one writer of the store: run records arrive from Spark's scheduler thread and are written here,
 * one transaction each ({@link Store#putRun} replaces the rows of a run id, so a run is stored once however
 * often its record came), and the store is released whenever no record waits, so the dashboard can read.
 */
final class Merger {
    private static final String END = "";

    private final Spec spec;
    private final Store store;
    private final PrintWriter log;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger merged = new AtomicInteger();
    private final Thread thread = new Thread(this::loop, "store-merger");
    private volatile RuntimeException failure;

    Merger(Spec spec, Store store, PrintWriter log) {
        this.spec = spec;
        this.store = store;
        this.log = log;
    }

    void start() {
        thread.start();
    }

    void add(String record) {
        queue.add(record);
    }

    int merged() {
        return merged.get();
    }

    /** Waits until every record handed over is written; rethrows the first write that failed. */
    void finish() {
        queue.add(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void loop() {
        try {
            for (String json = queue.take(); !json.equals(END); json = queue.take()) {
                if (failure != null) {
                    continue; // the store refused a run: keep draining, report once
                }
                try {
                    Store.RunRecord r = Store.RunRecord.fromJson(json, spec);
                    store.putRun(r);
                    if (queue.isEmpty()) {
                        store.release(); // readers get in between; runs that arrive together are written in one go (a release costs ~60 ms)
                    }
                    merged.incrementAndGet();
                    log.printf("finished %s in %s (stored)%n", r.runId(), Progress.time(r.wallSeconds()));
                    log.flush();
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
