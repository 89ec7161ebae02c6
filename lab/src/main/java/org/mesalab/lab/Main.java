package org.mesalab.lab;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import org.mesalab.core.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code mesalab} command line. Every result-producing command has {@code --json}; user mistakes
 * exit with code 2 and one line naming the bad value and what is allowed, never a stack trace.
 */
@Command(name = "mesalab",
        mixinStandardHelpOptions = true,
        versionProvider = Versions.class,
        description = "Goal misgeneralization as an experiment: train on one level distribution, test on another.",
        subcommands = {EnvsCommand.class, LevelCommand.class, PlayCommand.class, TrainCommand.class, EvalCommand.class,
                DiagnoseCommand.class, HeatmapCommand.class, ObjectiveCommand.class, AssistantCommand.class, GpCommand.class, BenchCommand.class,
                RunCommand.class, DemoCommand.class, ReportCommand.class, StoreCommands.Runs.class, StoreCommands.Export.class},
        usageHelpAutoWidth = true)
public final class Main implements Runnable {
    public static final int USAGE_ERROR = 2;

    /** Standard input for interactive commands; replaceable in tests. */
    static InputStream in = System.in;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs the CLI with the given streams and returns the exit code (for tests and the launcher). */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("mesalab: " + oneLine(ex.getMessage()) + " (see '" + ex.getCommandLine().getCommandName() + " --help')");
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof UsageException) {
                err.println("mesalab: " + oneLine(ex.getMessage()));
                return USAGE_ERROR;
            }
            err.println("mesalab: internal error: " + ex);
            ex.printStackTrace(err);
            return 1;
        });
        return cli.execute(args);
    }

    static String oneLine(String message) {
        return message == null ? "error" : message.replace('\n', ' ').replace('\r', ' ').trim();
    }
}
