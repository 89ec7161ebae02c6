package org.mesalab.cluster;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.mesalab.core.UsageException;
import org.mesalab.lab.Main;
import org.mesalab.lab.experiment.Runner;
import org.mesalab.lab.experiment.Spec;
import org.mesalab.lab.experiment.Store;
import org.mesalab.lab.report.Report;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * One experiment spec as one Spark job, top to bottom: the driver records the experiment and its Goodhart curves
 * ({@link Runner#prepare}, as locally), checks that executors can write the runs folder, then runs one task per
 * unfinished (condition, seed). Each task trains, evaluates and diagnoses its run ({@link RunTask}) and returns
 * the run's rows as a JSON document; Spark hands each partition's first successful result to the driver once, as
 * it arrives, and the {@link Merger} writes it to the store in one transaction (replacing any rows of that run
 * id, so even a duplicate could not double a run). A run that fails for good leaves nothing in the store; the
 * others stay, and rerunning the spec trains only what is missing.
 */
final class SparkExperiment {
    /** What the driver was asked to do. */
    record Job(Spec spec, boolean quick, String master, Path out, Path db, String failFirstAttempt) {
    }

    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|[1-9][0-9]*)(,([1-9][0-9]*))?])?");
    private static final Pattern STANDALONE = Pattern.compile("spark://([^,:/\\s]+:[0-9]{1,5})(,[^,:/\\s]+:[0-9]{1,5})*");

    private SparkExperiment() {
    }

    /** The master if Spark can use it: its syntax, and for a standalone master that something listens at its address. */
    static String master(String m) {
        if (LOCAL.matcher(m).matches() || m.equals("yarn") || m.startsWith("k8s://") && m.length() > 6) {
            return m;
        }
        if (!STANDALONE.matcher(m).matches()) {
            throw new UsageException("--master=" + m + " is not a Spark master; allowed: local[N] (N runs at a time), local[N,RETRIES], spark://HOST:PORT,"
                    + " yarn, k8s://URL");
        }
        String why = null;
        for (String hostPort : m.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))), 3000);
                return m; // one live master of the list is enough: Spark fails over between them
            } catch (java.io.IOException | IllegalArgumentException e) {
                why = hostPort + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        }
        throw new UsageException("cannot reach the Spark master " + m + " (" + why + "); allowed: the URL of a running master, as its log prints it"
                + " ('Starting Spark master at spark://...')");
    }

    /** The runs folder as an absolute path: every task writes its run there, so it must be a path, the same on every machine. */
    static Path outFolder(String out) {
        if (out.matches("[A-Za-z][A-Za-z0-9+.-]+:/.*")) { // hdfs://, s3a://, file:/ (also as a Path has written it, with one slash)
            throw new UsageException("--out=" + out + " is a URI; allowed: a folder path that every executor sees at the same path (a shared filesystem"
                    + " such as NFS): runs, checkpoints and PyTorch files are written with ordinary file operations");
        }
        Path p = Path.of(out).toAbsolutePath().normalize();
        org.mesalab.core.OutputFile.prepareDirectory(p, "--out");
        return p;
    }

    static int run(Job job, PrintWriter w, PrintWriter err) {
        Spec spec = job.quick() ? job.spec().quick() : job.spec();
        Path storeFile = org.mesalab.core.OutputFile.prepare(job.db() != null ? job.db() : job.out().resolve("mesalab.duckdb"), "--db");
        long started = System.nanoTime();
        SparkConf conf = new SparkConf().setAppName("mesalab " + spec.name()).setMaster(job.master()).set("spark.ui.showConsoleProgress", "false");
        String jar = RunTask.applicationJar();
        if (jar != null && !job.master().startsWith("local") && !conf.contains("spark.jars")) {
            conf.set("spark.jars", jar); // started by 'mesalab run --spark': executors fetch the code from the driver (spark-submit sets this itself)
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf); Store store = Store.open(storeFile, "experiment " + spec.name() + " (spark)")) {
            sc.setLogLevel("WARN");
            try {
                int slots = sc.defaultParallelism();
                Runner runner = new Runner(spec, job.out(), store, slots, err, Main.class.getName());
                List<String> todo = runner.prepare();
                if (!todo.isEmpty()) {
                    checkWritable(sc, job.out(), slots);
                    train(sc, job, spec, todo, runner, store, err);
                }
            } catch (RuntimeException e) {
                if (sc.sc().isStopped()) { // Spark's message would be "Cannot call methods on a stopped SparkContext", and a stack
                    throw new UsageException("Spark stopped this application before its runs finished (" + store.finishedRuns(spec.name()).size()
                            + " runs of " + spec.name() + " are stored): the master removes an application whose executors fail to start or are"
                            + " lost; the worker's log says why (e.g. SPARK_HOME and SPARK_SCALA_VERSION unset on a worker started by hand)");
                }
                throw e;
            }
            Report report = new Report(store, spec.name());
            report.publish(job.out().resolve(spec.name()).resolve("report.html"), storeFile, (System.nanoTime() - started) / 1e9, w);
        }
        return 0;
    }

    /** The one job of the spec's runs: a task each, results merged as they arrive, progress printed meanwhile. */
    private static void train(JavaSparkContext sc, Job job, Spec spec, List<String> todo, Runner runner, Store store, PrintWriter err) {
        sc.setJobGroup("mesalab-" + spec.name(), "experiment " + spec.name() + ": " + todo.size() + " runs", true);
        sc.sc().setCallSite("train, evaluate and diagnose " + todo.size() + " runs of " + spec.name()); // the stage's name in the UI
        JavaRDD<String> runs = sc.parallelize(todo, todo.size()).setName("runs of " + spec.name());
        // Executors parse the spec's text: the file need not be on their machines.
        RunTask task = new RunTask(job.spec().yaml(), job.spec().source(), job.quick(), job.out().toString(), job.failFirstAttempt());
        Merger merger = new Merger(spec, store, err);
        JobProgress progress = new JobProgress(todo, runner, merger, err);
        sc.sc().addSparkListener(progress);
        progress.start();
        merger.start();
        try {
            sc.sc().runJob(runs.rdd(), task, new AbstractFunction2<Object, String, BoxedUnit>() {
                @Override
                public BoxedUnit apply(Object partition, String record) {
                    merger.add(record); // on Spark's scheduler thread: hand over, never write here
                    return BoxedUnit.UNIT;
                }
            }, scala.reflect.ClassTag$.MODULE$.apply(String.class));
        } catch (RuntimeException e) {
            merger.finish();
            progress.stop();
            throw new UsageException((todo.size() - merger.merged()) + " of " + todo.size() + " runs did not finish on the cluster (" + merger.merged()
                    + " stored; rerunning the spec does the rest): " + cause(e));
        } finally {
            sc.sc().removeSparkListener(progress);
        }
        merger.finish();
        progress.stop();
        err.println(progress.line());
        err.flush();
    }

    /**
     * Fails in words, before any training, when an executor cannot write the runs folder (not mounted there, read-only,
     * another user's): one small task per slot makes and deletes a file in it.
     */
    private static void checkWritable(JavaSparkContext sc, Path out, int slots) {
        String folder = out.toString();
        sc.setJobGroup("mesalab-check", "can every executor write " + folder + "?", true);
        try {
            sc.parallelize(java.util.stream.IntStream.range(0, slots).boxed().toList(), slots).foreach(i -> RunTask.checkWritable(folder));
        } catch (RuntimeException e) {
            throw new UsageException(cause(e));
        }
    }

    /** The first line that says why a Spark job failed: the task's own exception, not Spark's wrapping or a stack. */
    static String cause(Throwable e) {
        String text = String.valueOf(e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UsageException) {
                return t.getMessage();
            }
        }
        Matcher m = Pattern.compile("(?:org\\.mesalab\\.core\\.UsageException|[\\w.$]+(?:Exception|Error)): ([^\\n]*)").matcher(
                text.contains("most recent failure:") ? text.substring(text.indexOf("most recent failure:")) : text);
        if (m.find()) {
            return m.group(1).trim();
        }
        return text.lines().findFirst().orElse(e.toString()).trim();
    }
}
