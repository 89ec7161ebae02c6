package org.mesalab.cluster;

import java.io.PrintWriter;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.TaskContext;
import org.mesalab.core.UsageException;
import org.mesalab.lab.Main;
import org.mesalab.lab.experiment.Runner;
import org.mesalab.lab.experiment.Spec;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

/**
 * A Spark task's work, on an executor: one run (its partition holds one run id) trained in a child JVM with one
 * PyTorch thread, then evaluated and diagnosed in the executor, exactly as {@code mesalab run} does it; the result is
 * the run's rows as JSON. The same run id always writes the same run directory, and training resumes from its
 * checkpoints, so a retried attempt continues where the failed one stopped.
 */
final class RunTask extends AbstractFunction1<Iterator<String>, String> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String specText;
    private final String specSource;
    private final boolean quick;
    private final String out;
    private final String failFirstAttempt;

    RunTask(String specText, String specSource, boolean quick, String out, String failFirstAttempt) {
        this.specText = specText;
        this.specSource = specSource;
        this.quick = quick;
        this.out = out;
        this.failFirstAttempt = failFirstAttempt;
    }

    @Override
    public String apply(Iterator<String> partition) {
        String runId = partition.next();
        Spec parsed = Spec.parse(specText, specSource);
        Spec spec = quick ? parsed.quick() : parsed;
        PrintWriter log = new PrintWriter(System.err, true); // the executor's log
        String json = Runner.forTask(spec, Path.of(out), log, Main.class.getName(), childClassPath()).trainAndEvaluate(runId).toJson();
        TaskContext context = TaskContext.get();
        if (runId.equals(failFirstAttempt) && context != null && context.attemptNumber() == 0) {
            throw new IllegalStateException("injected failure of the first attempt of " + runId + " (--fail-first-attempt), after its rows were made");
        }
        return json;
    }

    /** The jar this code came from when it is one (the cluster jar, on the driver or as an executor fetched it); else null. */
    static String applicationJar() {
        try {
            Path p = Path.of(RunTask.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p.toString() : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /**
     * A training child's class path: the application jar, which holds mesalab and everything it needs but Spark
     * (an executor's own class path has only Spark's jars); from an unpacked build, this JVM's class path.
     */
    static String childClassPath() {
        String jar = applicationJar();
        return jar != null ? jar : System.getProperty("java.class.path");
    }

    /** Makes and deletes a file in the runs folder; says in one line which machine cannot, and why. */
    static void checkWritable(String folder) {
        Path dir = Path.of(folder);
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".spark-probe-", ".tmp");
            Files.delete(probe);
        } catch (java.io.IOException | RuntimeException e) {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException h) {
                host = "an executor";
            }
            throw new UsageException("the executor on " + host + " cannot write --out=" + folder + " (" + UsageException.why(e) + "); allowed: a folder every executor sees at the same path and may write (a shared"
                    + " filesystem)");
        }
    }
}
