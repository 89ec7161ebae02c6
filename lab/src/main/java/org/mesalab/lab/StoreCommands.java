package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.experiment.Store;
import org.mesalab.lab.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What is in the results store, and getting it out for Python, R or DuckDB itself. */
final class StoreCommands {
    private StoreCommands() {
    }

    @Command(name = "runs", footer = {"", "Examples:", "  mesalab runs", "  mesalab runs --db runs/mesalab.duckdb --json"}, description = "List the runs in the results store.")
    static final class Runs implements Runnable {
        @Spec
        CommandSpec spec;

        @Mixin
        StoreOption where = new StoreOption();

        @Option(names = "--json", description = "machine-readable output")
        boolean json;

        @Override
        public void run() {
            List<Map<String, Object>> rows;
            try (Store store = Store.existing(where.db)) {
                rows = store.query("SELECT r.run_id, r.experiment, r.condition, r.agent, r.env, r.seed, r.steps, r.status, r.wall_seconds, r.finished,"
                        + " (SELECT e.intended_success FROM evaluations e WHERE e.run_id = r.run_id AND e.split = 'test' ORDER BY e.objective LIMIT 1) AS test_intended_success"
                        + " FROM runs r WHERE r.agent <> 'gp' ORDER BY r.experiment, r.condition, r.seed");
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, rows);
                return;
            }
            out.printf("%-58s %-8s %-8s %10s %8s %s%n", "run", "agent", "env", "steps", "status", "test intended success");
            for (Map<String, Object> r : rows) {
                Object t = r.get("test_intended_success");
                out.printf("%-58s %-8s %-8s %,10d %8s %s%n", r.get("run_id"), r.get("agent"), r.get("env"), ((Number) r.get("steps")).longValue(),
                        r.get("status"), t == null ? "" : Report.pct(((Number) t).doubleValue()));
            }
            out.printf("%d runs in %s%n", rows.size(), where.db);
            out.flush();
        }
    }

    @Command(name = "export", footer = {"", "Examples:", "  mesalab export --format parquet exported/", "  mesalab export --format csv out/ --db runs/mesalab.duckdb"}, description = "Export every table of the results store as Parquet or CSV files into DIR.")
    static final class Export implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "output directory")
        Path dir;

        @Option(names = "--format", defaultValue = "parquet", description = "parquet or csv (default: ${DEFAULT-VALUE})")
        String format;

        @Mixin
        StoreOption where = new StoreOption();

        @Option(names = "--force", description = "replace the files of an earlier export in DIR")
        boolean force;

        @Override
        public void run() {
            if (!format.equals("parquet") && !format.equals("csv")) {
                throw new UsageException("--format=" + format + " is not known; allowed: parquet, csv");
            }
            org.mesalab.core.OutputFile.prepareDirectory(dir, "DIR");
            try (Store store = Store.existing(where.db)) {
                store.export(dir, format, force);
            }
            spec.commandLine().getOut().println("wrote " + Store.TABLES.size() + " tables as " + format + " to " + dir + ": " + String.join(", ", Store.TABLES));
            spec.commandLine().getOut().flush();
        }
    }
}
