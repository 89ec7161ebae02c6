package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Progress;
import org.mesalab.lab.experiment.Runner;
import org.mesalab.lab.experiment.Store;
import org.mesalab.lab.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", footer = {"", "Examples:", "  mesalab run experiments/coin-lever.yaml --out runs", "  mesalab run experiments/planner-objectives.yaml --jobs 1",
        "  mesalab run experiments/coin-lever.yaml --spark local[2]"}, description = {"Run an experiment spec (YAML): train every condition x seed, evaluate every split, diagnose, store the results,",
        "and write the HTML report. Rerunning skips finished runs and resumes interrupted ones. Spec format: docs/specs.md."})
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "experiment spec (YAML)")
    Path specFile;

    @Option(names = "--out", defaultValue = "runs", description = "directory for run directories and the report (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--db", description = "results store (default: OUT/mesalab.duckdb)")
    Path db;

    @Option(names = "--quick", description = "smoke run: first seed only, small budgets (the spec's quick_steps), 30 episodes")
    boolean quick;

    @Option(names = "--jobs", description = "runs trained in parallel (default: the number of cores)")
    Integer jobs;

    @Option(names = "--serve", arity = "0..1", fallbackValue = "8420", paramLabel = "PORT", description = "serve the dashboard on 127.0.0.1:PORT"
            + " (default 8420) while the experiment runs, and print its URL")
    Integer serve;

    @Option(names = "--spark", paramLabel = "MASTER", description = "run the spec as an Apache Spark job, one task per run: local[N] (embedded,"
            + " N runs at a time), spark://HOST:PORT, yarn or k8s://URL. --out must be a folder every executor sees at the same path (docs/cluster.md)")
    String spark;

    @Option(names = "--max-runs", defaultValue = "1000", description = "refuse a spec of more runs (conditions x seeds) than this, so a typo in a sweep"
            + " does not start a week of training (default: ${DEFAULT-VALUE})")
    long maxRuns;

    @Override
    public Integer call() {
        org.mesalab.lab.experiment.Spec s = org.mesalab.lab.experiment.Spec.load(specFile, maxRuns);
        if (spark == null) {
            Experiment.run(s, out, db, quick, jobs, serve, spec.commandLine().getOut(), spec.commandLine().getErr());
            return 0;
        }
        if (jobs != null) {
            throw new UsageException("--jobs=" + jobs + " does not apply with --spark; allowed: the master's slots decide (local[N] runs N at a time)");
        }
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(specFile.toString(), "--master", spark, "--out", out.toString(),
                "--max-runs", Long.toString(maxRuns)));
        if (db != null) {
            args.addAll(java.util.List.of("--db", db.toString()));
        }
        if (quick) {
            args.add("--quick");
        }
        PrintWriter err = spec.commandLine().getErr();
        return Experiment.served(out, db, serve, err, () -> SparkLaunch.run(args, spec.commandLine().getOut(), err));
    }

    /** Shared by run and demo: validate, run, report, print the summary. */
    static final class Experiment {
        private Experiment() {
        }

        /** As {@link #run(org.mesalab.lab.experiment.Spec, Path, Path, boolean, Integer, PrintWriter, PrintWriter)}, with the dashboard on 127.0.0.1:{@code serve} meanwhile (null: none). */
        static Report run(org.mesalab.lab.experiment.Spec s, Path out, Path db, boolean quick, Integer jobs, Integer serve, PrintWriter w, PrintWriter err) {
            return served(out, db, serve, err, () -> run(s, out, db, quick, jobs, w, err));
        }

        /** Runs {@code experiment} (locally or through Spark) with the dashboard on 127.0.0.1:{@code serve} meanwhile (null: none). */
        static <T> T served(Path out, Path db, Integer serve, PrintWriter err, java.util.function.Supplier<T> experiment) {
            if (serve == null) {
                return experiment.get();
            }
            Path store = db != null ? db : out.resolve("mesalab.duckdb");
            try (org.mesalab.lab.serve.Dashboard d = ServeCommand.start(store, out, "127.0.0.1", serve, err)) {
                err.printf("dashboard: http://127.0.0.1:%d/  (live while the experiment runs)%n", d.port());
                err.flush();
                T r = experiment.get();
                err.printf("dashboard stopped with the experiment; to keep looking: mesalab serve --db %s%n", store);
                return r;
            }
        }

        static Report run(org.mesalab.lab.experiment.Spec s, Path out, Path db, boolean quick, Integer jobs, PrintWriter w, PrintWriter err) {
            int n = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
            if (n < 1 || n > 64) {
                throw new UsageException("--jobs=" + n + " is out of range; allowed: [1, 64]");
            }
            org.mesalab.lab.experiment.Spec spec = quick ? s.quick() : s;
            org.mesalab.core.OutputFile.prepareDirectory(out, "--out");
            Path store = org.mesalab.core.OutputFile.prepare(db != null ? db : out.resolve("mesalab.duckdb"), "--db");
            long started = System.nanoTime();
            Report report;
            try (Store st = Store.open(store, "experiment " + spec.name())) {
                new Runner(spec, out, st, n, err, Main.class.getName(), Versions::all, Versions.gitCommit()).run();
                report = new Report(st, spec.name());
                report.publish(out.resolve(spec.name()).resolve("report.html"), store, (System.nanoTime() - started) / 1e9, w);
            }
            return report;
        }
    }
}
