package org.mesalab.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.Objective;
import org.mesalab.core.render.Renderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "play", footer = {"", "Examples:", "  mesalab play maze --split test", "  mesalab play coinrun --seed 3"}, description = {
        "Play a level with the keyboard and watch events happen.",
        "Grid envs: w/a/s/d or arrow keys move, space or . stays. coinrun: a/d move, w jumps, q/e jump left/right, space or . waits.",
        "r restarts the level, n goes to the next level, x quits. On a terminal keys act at once; otherwise type keys and Enter."})
final class PlayCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ENV", description = "environment name")
    String env;

    @Option(names = "--seed", defaultValue = "0", description = "level index within the split (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    EnvOptions options;

    @Override
    public void run() {
        Distribution d = options.distribution(env);
        Env e = d.create();
        PrintWriter out = spec.commandLine().getOut();
        boolean terminal = System.console() != null && Main.in == System.in;
        String saved = terminal ? stty("-g") : null;
        if (terminal) {
            stty("-icanon -echo min 1");
        }
        try {
            play(d, e, out, Main.in, terminal);
        } catch (IOException ex) {
            throw new org.mesalab.core.UsageException("cannot read the keyboard: " + org.mesalab.core.UsageException.why(ex));
        } finally {
            if (saved != null) {
                stty(saved.trim());
            }
        }
    }

    private void play(Distribution d, Env e, PrintWriter out, InputStream in, boolean terminal) throws IOException {
        long level = seed;
        e.reset(d.levelSeed(level));
        double ret = 0;
        String last = "start";
        show(e, out, terminal, level, ret, last);
        int c;
        while ((c = in.read()) != -1) {
            if (c == 27) { // arrow keys: ESC [ A..D
                if (in.read() == '[') {
                    c = switch (in.read()) {
                        case 'A' -> 'w';
                        case 'B' -> 's';
                        case 'C' -> 'd';
                        case 'D' -> 'a';
                        default -> 0;
                    };
                }
            }
            if (c == 'x') {
                break;
            }
            if (c == 'r' || c == 'n') {
                level = c == 'n' ? level + 1 : level;
                e.reset(d.levelSeed(level));
                ret = 0;
                show(e, out, terminal, level, ret, c == 'n' ? "next level" : "restart");
                continue;
            }
            int action = action(c);
            if (action < 0) {
                continue;
            }
            if (e.done()) {
                e.reset(d.levelSeed(++level));
                ret = 0;
            }
            int ev = e.step(action);
            ret += e.reward();
            last = e.type().actions().get(action) + describe(ev, e);
            show(e, out, terminal, level, ret, last);
        }
        out.println("bye");
        out.flush();
    }

    private int action(int c) {
        boolean coinrun = env.equals("coinrun");
        return switch (c) {
            case 'w' -> coinrun ? 3 : 0;
            case 's' -> coinrun ? -1 : 1;
            case 'a' -> coinrun ? 1 : 2;
            case 'd' -> coinrun ? 2 : 3;
            case 'q' -> coinrun ? 4 : -1;
            case 'e' -> coinrun ? 5 : -1;
            case ' ', '.' -> coinrun ? 0 : 4;
            default -> -1;
        };
    }

    private static String describe(int events, Env e) {
        List<String> names = Event.idsIn(events);
        String s = names.isEmpty() ? "" : "  events: " + String.join(", ", names);
        if (e.terminated()) {
            s += "  [terminated]";
        } else if (e.truncated()) {
            s += "  [truncated: step limit]";
        }
        return s;
    }

    private static void show(Env e, PrintWriter out, boolean terminal, long level, double ret, String last) {
        if (terminal) {
            out.print("\033[H\033[2J");
        }
        out.printf("%s level %d  step %d/%d  return %.2f (intended: %s)%n", e.type().name(), level, e.steps(), e.maxSteps(),
                ret, e.type().intended().name());
        for (String row : Renderer.ascii(e)) {
            out.println(row);
        }
        StringBuilder goals = new StringBuilder();
        for (Objective o : e.type().proxies()) {
            goals.append(goals.length() == 0 ? "" : ", ").append(o.name());
        }
        out.println("> " + last + "   (proxies: " + goals + "; x quits)");
        out.flush();
    }

    private static String stty(String args) {
        try {
            Process p = new ProcessBuilder("sh", "-c", "stty " + args + " < /dev/tty").redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return output;
        } catch (IOException | InterruptedException ex) {
            return null;
        }
    }
}
