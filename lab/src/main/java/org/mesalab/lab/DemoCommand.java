package org.mesalab.lab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.mesalab.core.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", footer = {"", "Examples:", "  mesalab demo", "  mesalab demo --quick --out /tmp/demo", "  mesalab demo --jobs 1",
    "  mesalab demo --serve    # watch it in the dashboard"}, description = {"The built-in experiment (experiments/demo.yaml): goal misgeneralization of PPO on maze and coinrun,",
        "the data lever (decorrelated training levels), the prior lever (the assistant's kernels), and the planner with",
        "its learned objective vs the intended one slotted in. Prints the findings and writes the report and the results store."})
public final class DemoCommand implements Runnable {
    static final String RESOURCE = "/experiments/demo.yaml";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs", description = "directory for run directories and the report (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--quick", description = "smoke run in under a minute: one seed, tiny budgets (numbers are not meaningful)")
    boolean quick;

    @Option(names = "--serve", arity = "0..1", fallbackValue = "8420", paramLabel = "PORT", description = "watch it in the dashboard: serve it on"
            + " 127.0.0.1:PORT (default 8420) while the demo runs, and print its URL")
    Integer serve;

    @Option(names = "--jobs", description = "runs trained in parallel (default: the number of cores)")
    Integer jobs;

    @Override
    public void run() {
        String yaml;
        try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the demo spec " + RESOURCE + " is missing from the jar");
            }
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot read the demo spec: " + org.mesalab.core.UsageException.why(e));
        }
        RunCommand.Experiment.run(org.mesalab.lab.experiment.Spec.parse(yaml, "demo.yaml"), out, null, quick, jobs, serve, spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }
}
