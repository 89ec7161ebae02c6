package org.mesalab.lab;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.mesalab.core.UsageException;
import picocli.AutoComplete;
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
                DiagnoseCommand.class, HeatmapCommand.class, ObjectiveCommand.class, GoodhartCommand.class, AssistantCommand.class, GpCommand.class, BenchCommand.class,
                RunCommand.class, DemoCommand.class, ReportCommand.class, StoreCommands.Runs.class, StoreCommands.Export.class, ProbeCommand.class, SteerCommand.class, MesaCommand.class, ActivationsCommand.class, AskCommand.class, ServeCommand.class,
                CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class},
        footer = {"", "Examples:", "  mesalab demo", "  mesalab help train", "  source <(mesalab generate-completion)    # bash completion"},
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
        return execute(commandLine(), args, out, err);
    }

    /** Runs a command line (this one, or the cluster driver's) under the CLI's rules: one line and exit 2 for user mistakes. */
    public static int execute(CommandLine cli, String[] args, PrintStream out, PrintStream err) {
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

    /** The command model: every command, each answering {@code -h/--help}; the completion script is generated from it. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setUsageHelpWidth(120); // examples stay on one line, so they can be copied
        addHelp(cli);
        CommandLine.Model.UsageMessageSpec train = cli.getSubcommands().get("train").getCommandSpec().usageMessage();
        List<String> footer = new ArrayList<>(List.of(train.footer()));
        footer.addAll(TrainCommand.hyperparameterHelp());
        train.footer(footer.toArray(new String[0]));
        cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cli;
    }

    private static void addHelp(CommandLine c) {
        for (CommandLine sub : c.getSubcommands().values()) {
            CommandLine.Model.CommandSpec s = sub.getCommandSpec();
            if (s.optionsMap().get("--help") == null && !(s.userObject() instanceof CommandLine.HelpCommand)) {
                s.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
            addHelp(sub);
        }
    }

    static String oneLine(String message) {
        return message == null ? "error" : message.replace('\n', ' ').replace('\r', ' ').trim();
    }
}
