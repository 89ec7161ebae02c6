package org.mesalab.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import org.mesalab.lab.experiment.Store;
import org.mesalab.lab.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "report", footer = {"", "Examples:", "  mesalab report demo --out report.html", "  mesalab report experiments/coin-lever.yaml --db runs/mesalab.duckdb"}, description = "Write the self-contained HTML report of an experiment (by spec file or experiment name) from the results store.")
final class ReportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC|EXPERIMENT", description = "a spec file or the name of a stored experiment")
    String target;

    @Mixin
    StoreOption where = new StoreOption();

    @Option(names = "--out", description = "HTML file (default: report.html)")
    Path out;

    @Option(names = "--quick", description = "the --quick variant of the experiment")
    boolean quick;

    @Override
    public void run() {
        String name = target;
        Path f = Path.of(target);
        if (Files.isRegularFile(f)) {
            name = org.mesalab.lab.experiment.Spec.load(f).name();
        }
        if (quick) {
            name = name + "-quick";
        }
        Path html = org.mesalab.core.OutputFile.prepare(out != null ? out : Path.of("report.html"), "--out");
        try (Store store = Store.existing(where.db)) {
            new Report(store, name).write(html);
        }
        spec.commandLine().getOut().println("wrote " + html);
        spec.commandLine().getOut().flush();
    }
}
