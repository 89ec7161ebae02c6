package org.mesalab.cluster;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mesalab.core.UsageException;
import org.mesalab.lab.Main;
import org.mesalab.lab.experiment.Runner;
import org.mesalab.lab.experiment.Spec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The Spark driver of an experiment spec: what {@code mesalab run SPEC --spark MASTER} starts, and the main class of
 * {@code spark-submit ... mesalab-cluster.jar SPEC --out DIR}. Checks everything it can before anything is submitted.
 */
@Command(name = "mesalab-cluster", usageHelpWidth = 120,
        description = {"Run an experiment spec as one Apache Spark job: one task per (condition, seed), each training, evaluating and diagnosing",
                "its run as 'mesalab run' does; the driver merges every run into the store as it arrives and writes the report."},
        footer = {"", "Examples:", "  mesalab run experiments/coin-lever.yaml --spark local[2]",
                "  spark-submit --class org.mesalab.cluster.SparkRun mesalab-cluster.jar coin-lever.yaml --out /shared/runs"})
public final class SparkRun implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "SPEC", description = "experiment spec (YAML), read by the driver")
    Path specFile;

    @Option(names = "--master", description = "Spark master: local[N] or local[N,RETRIES], spark://HOST:PORT, yarn, k8s://URL (default: spark-submit's"
            + " --master, else local[*])")
    String master;

    @Option(names = "--out", defaultValue = "runs", description = "folder for run directories and the report, at the same path on every executor"
            + " (a shared filesystem) (default: ${DEFAULT-VALUE})")
    String out;

    @Option(names = "--db", description = "results store, written by the driver only (default: OUT/mesalab.duckdb)")
    Path db;

    @Option(names = "--quick", description = "smoke run: first seed only, small budgets (the spec's quick_steps), 30 episodes")
    boolean quick;

    @Option(names = "--max-runs", defaultValue = "1000", description = "refuse a spec of more runs than this (default: ${DEFAULT-VALUE})")
    long maxRuns;

    @Option(names = "--fail-first-attempt", hidden = true, paramLabel = "RUN_ID",
            description = "testing aid: the first attempt of this run's task fails after making its rows, so Spark retries it")
    String failFirstAttempt;

    public static void main(String[] args) {
        // Spark's default logging is every INFO line; ours says WARN and above (a user's log4j2.configurationFile still wins).
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "org/mesalab/cluster/log4j2.properties");
        }
        System.setProperty("java.awt.headless", "true");
        if (System.getenv(Runner.CHILD_EXITS_WITH_PARENT) != null) {
            Runner.exitWithParent("the command that started this Spark driver is gone; stopping (rerunning skips the runs already stored)");
        }
        System.exit(Main.execute(new CommandLine(new SparkRun()), args, System.out, System.err));
    }

    @Override
    public Integer call() {
        String m = SparkExperiment.master(master != null ? master : System.getProperty("spark.master", "local[*]"));
        Spec spec = Spec.load(specFile, maxRuns);
        if (failFirstAttempt != null && !failFirstAttempt.startsWith(spec.name() + "/")) {
            throw new UsageException("--fail-first-attempt=" + failFirstAttempt + " is not a run of " + spec.name() + "; allowed: " + spec.name()
                    + "/CONDITION/seed-N");
        }
        Path outDir = SparkExperiment.outFolder(out); // made last: a refused command leaves no folder behind
        SparkExperiment.Job job = new SparkExperiment.Job(spec, quick, m, outDir, db, failFirstAttempt);
        return SparkExperiment.run(job, command.commandLine().getOut(), command.commandLine().getErr());
    }
}
