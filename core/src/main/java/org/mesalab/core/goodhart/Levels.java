package org.mesalab.core.goodhart;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.mesalab.core.Rng;

/** Runs per-level work on a fixed number of threads; each level's result depends only on its index. */
final class Levels {
    private Levels() {
    }

    static void forEach(int levels, int threads, IntConsumer work) {
        if (threads <= 1) {
            for (int i = 0; i < levels; i++) {
                work.accept(i);
            }
            return;
        }
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(() -> IntStream.range(0, levels).parallel().forEach(work)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    /** The seed of one level's random stream (independent of the thread that plays it). */
    static long seed(long seed, long levelIndex, long salt) {
        return Rng.mix(Rng.mix(seed ^ 0x9E3779B97F4A7C15L * (levelIndex + 1)) ^ salt);
    }
}
