package org.mesalab.lab;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.Event;
import org.mesalab.core.Policy;
import org.mesalab.core.UsageException;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.eval.Policies;
import org.mesalab.core.render.Renderer;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "level", footer = {"", "Examples:", "  mesalab level maze --seed 3 --split test", "  mesalab level coinrun --seed 7 --png coinrun.png", "  mesalab level maze --split test --seed 4 --gif corner.gif --policy oracle:corner"}, description = "Show one generated level: ASCII (default), JSON, a PNG picture with a legend, or an animated GIF of an episode.")
final class LevelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ENV", description = "environment name (see 'mesalab envs')")
    String env;

    @Option(names = "--seed", defaultValue = "0", description = "level index within the split (default: ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    EnvOptions options;

    @ArgGroup(exclusive = true)
    Format format = new Format();

    static final class Format {
        @Option(names = "--json", description = "JSON: env, split, seed, width, height, agent, goal items, grid")
        boolean json;

        @Option(names = "--ascii", description = "ASCII rows (default)")
        boolean ascii;

        @Option(names = "--png", paramLabel = "FILE", description = "write a PNG picture of the level")
        Path png;

        @Option(names = "--gif", paramLabel = "FILE", description = "write an animated GIF of an episode played by --policy")
        Path gif;
    }

    @Option(names = "--policy", defaultValue = "oracle:intended",
            description = "policy for --gif: random, oracle:intended or oracle:NAME (default: ${DEFAULT-VALUE})")
    String policy;

    @Override
    public void run() {
        if (spec.commandLine().getParseResult().hasMatchedOption("--policy") && format.gif == null) {
            throw new UsageException("--policy " + policy + " applies to --gif (an episode); allowed: --gif FILE --policy POLICY, or leave --policy out");
        }
        Path output = format.gif != null ? format.gif : format.png;
        if (output != null) {
            org.mesalab.core.OutputFile.prepare(output, format.gif != null ? "--gif" : "--png");
        }
        Distribution d = options.distribution(env);
        Env e = d.create();
        e.reset(d.levelSeed(seed));
        PrintWriter out = spec.commandLine().getOut();
        if (format.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", env);
            m.put("split", d.split());
            m.put("seed", seed);
            m.put("level_seed", e.levelSeed());
            m.put("width", e.width);
            m.put("height", e.height);
            m.put("agent", new int[] {e.agentX(), e.agentY()});
            m.putAll(e.items());
            m.put("grid", List.of(Renderer.grid(e)));
            m.put("legend", e.legend());
            m.put("params", d.params().asJson());
            Json.print(out, m);
        } else if (format.gif != null) {
            Policy p = Policies.parse(policy, d.env(), seed);
            List<BufferedImage> frames = new ArrayList<>();
            Episode ep = Episode.play(e, p, d.levelSeed(seed), env -> frames.add(Renderer.image(env, 24, false,
                    policy + "  step " + env.steps() + (env.events() != 0 ? "  " + String.join(",", Event.idsIn(env.events())) : ""))));
            Renderer.writeGif(frames, format.gif, 150);
            out.printf("wrote %s (%d frames, %s)%n", format.gif, frames.size(), ep.terminated() ? "terminated" : "truncated");
        } else if (format.png != null) {
            Renderer.writePng(Renderer.image(e, 32, true, env + " " + d.split() + " seed " + seed), format.png);
            out.println("wrote " + format.png);
        } else {
            for (String row : Renderer.ascii(e)) {
                out.println(row);
            }
            StringBuilder legend = new StringBuilder();
            e.legend().forEach((c, name) -> legend.append(legend.length() == 0 ? "" : "  ").append(c).append(' ').append(name));
            out.println(legend);
        }
        out.flush();
    }
}
