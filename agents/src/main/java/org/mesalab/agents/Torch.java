package org.mesalab.agents;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

/**
 * The one place that starts DJL's PyTorch engine. Native libraries come from the
 * {@code pytorch-native-cpu} Maven artifact ({@code ai.djl.offline=true}: nothing is downloaded),
 * and the thread count is fixed before the engine starts, because PyTorch's CPU kernels give
 * identical results only for the same thread count (our reproducibility promise is per seed and
 * thread count).
 */
public final class Torch {
    private static int threads = -1;

    private Torch() {
    }

    /** Starts the engine with {@code n} intra-op threads; later calls must ask for the same count. */
    public static synchronized Engine start(int n) {
        if (threads == -1) {
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            threads = n;
        } else if (threads != n) {
            throw new IllegalStateException("the engine already runs with " + threads + " threads; asked for " + n);
        }
        return Engine.getEngine("PyTorch");
    }

    /**
     * Turns PyTorch's gradient recording off for the calling thread (it is thread-local, and on by default on
     * every thread but the one the engine started on): for threads that only infer, so no graph is built.
     */
    public static void noGradients() {
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    public static int threads() {
        return threads;
    }

    public static NDManager newManager(int n) {
        return start(n).newBaseManager();
    }

    /**
     * A manager for evaluation: the engine with {@code preferred} threads (a run's training count), or
     * with the count it already runs with when several runs trained with different counts are
     * evaluated in one process (forward passes may then differ from training in the last bits).
     */
    public static synchronized NDManager newEvaluationManager(int preferred) {
        return start(threads == -1 ? preferred : threads).newBaseManager();
    }

    /** The PyTorch version of the loaded native library (starts the engine with every core if nothing started it yet). */
    public static synchronized String version() {
        return start(threads == -1 ? Runtime.getRuntime().availableProcessors() : threads).getVersion();
    }
}
