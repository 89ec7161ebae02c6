package org.mesalab.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A new user's first move: every command answers -h/--help with its options, defaults and examples that parse. */
class HelpTest {
    /** Every command path below the root, e.g. [train], [bench, env]. */
    private static List<List<String>> paths(CommandLine c, List<String> prefix) {
        List<List<String>> out = new ArrayList<>();
        for (var e : c.getSubcommands().entrySet()) {
            List<String> p = new ArrayList<>(prefix);
            p.add(e.getKey());
            out.add(p);
            out.addAll(paths(e.getValue(), p));
        }
        return out;
    }

    @Test
    void everyCommandAnswersHelpWithItsOptionsAndExamplesThatParse() {
        List<List<String>> all = paths(Main.commandLine(), List.of());
        assertTrue(all.size() >= 19, "commands: " + all);
        int examples = 0;
        for (List<String> path : all) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Cli r = Cli.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), path + ": " + r.err());
            assertTrue(r.out().contains("Usage: mesalab " + String.join(" ", path)), path + ": " + r.out());
            CommandLine c = Main.commandLine();
            for (String p : path) {
                c = c.getSubcommands().get(p);
            }
            for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                if (!o.hidden()) {
                    assertTrue(r.out().contains(o.longestName()), path + " --help lacks " + o.longestName());
                }
            }
            if (c.getCommandSpec().userObject() instanceof CommandLine.HelpCommand || path.get(0).equals("generate-completion")) {
                continue; // picocli's own commands
            }
            assertTrue(r.out().contains("Examples:"), path + " --help has no examples");
            for (String line : r.out().lines().toList()) {
                if (line.startsWith("  mesalab ")) {
                    String[] tokens = line.substring("  mesalab ".length()).split("#")[0].trim().replace("\"", "").split("\\s+");
                    Main.commandLine().parseArgs(tokens); // throws on an unknown option or a bad value
                    examples++;
                }
            }
        }
        assertTrue(examples >= 35, "examples checked: " + examples);
    }

    @Test
    void helpCommandAndTheCompletionScript() {
        Cli help = Cli.run("help", "eval");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("Usage: mesalab eval"), help.out());
        Cli train = Cli.run("train", "-h");
        assertTrue(train.out().contains("Hyperparameters (--set ppo.KEY=VALUE)") && train.out().contains("model_envs"), train.out());
        Cli completion = Cli.run("generate-completion");
        assertEquals(0, completion.code());
        for (String command : List.of("train", "eval", "demo", "objective", "export")) {
            assertTrue(completion.out().contains(command), "completion for " + command);
        }
    }
}
