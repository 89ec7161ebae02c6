package org.mesalab.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mesalab.core.Env;
import org.mesalab.core.Episode;
import org.mesalab.core.UsageException;
import org.mesalab.core.render.Heatmap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "heatmap", description = "Where an agent goes (state visitation) or where its episodes end, over held-out levels of a split, as PNG or SVG.")
final class HeatmapCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN_DIR", description = "a run directory written by 'mesalab train'")
    Path runDir;

    @Option(names = "--policy", description = "random, oracle:intended or oracle:NAME (with --env) instead of a run")
    String policySpec;

    @Option(names = "--env", description = "environment (with --policy)")
    String env;

    @Option(names = "--split", defaultValue = "test", description = "split to play (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "env parameter override (with --policy)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--episodes", defaultValue = "200", description = "episodes (default: ${DEFAULT-VALUE})")
    int episodes;

    @Option(names = "--seed", defaultValue = "0", description = "evaluation seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--kind", defaultValue = "visits", description = "visits or ends (default: ${DEFAULT-VALUE})")
    String kind;

    @Option(names = {"--png", "--out"}, required = true, paramLabel = "FILE", description = "output file; .svg writes SVG, anything else PNG")
    Path file;

    @Override
    public void run() {
        if (!kind.equals("visits") && !kind.equals("ends")) {
            throw new UsageException("--kind=" + kind + " is not known; allowed: visits, ends");
        }
        if (episodes <= 0 || episodes > 1_000_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 1000000]");
        }
        try (Subject subject = Subject.of(runDir, policySpec, env, split, sets, seed, false)) {
            Env e = subject.distribution().create();
            List<Episode> eps = new ArrayList<>();
            for (int i = 0; i < episodes; i++) {
                eps.add(Episode.play(e, subject.policy(), subject.distribution().levelSeed(subject.start() + i), null));
            }
            int[][] counts = Heatmap.counts(eps, e.width, e.height, kind.equals("ends"));
            Heatmap.write(counts, subject.policy().name() + " on " + e.type().name() + "/" + split + ": "
                    + (kind.equals("ends") ? "where " + episodes + " episodes end" : "visits over " + episodes + " episodes"), file);
        }
        spec.commandLine().getOut().println("wrote " + file);
        spec.commandLine().getOut().flush();
    }
}
