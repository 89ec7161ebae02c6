package org.mesalab.lab;

import java.nio.file.Path;
import org.mesalab.core.Env;
import org.mesalab.core.UsageException;
import org.mesalab.core.render.Heatmap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "heatmap", footer = {"", "Examples:", "  mesalab heatmap runs/maze-ppo --split test --kind ends --png ends.png", "  mesalab heatmap runs/maze-ppo --split test --kind visits --png visits.svg"}, description = "Where an agent goes (state visitation) or where its episodes end, over held-out levels of a split, as PNG or SVG.")
final class HeatmapCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    SubjectOptions target = new SubjectOptions();






    @Option(names = "--episodes", defaultValue = "200", description = "episodes (default: ${DEFAULT-VALUE})")
    int episodes;


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
        org.mesalab.core.OutputFile.prepare(file, "--png");
        try (Subject subject = target.open(false, spec.commandLine().getErr())) {
            Env e = subject.distribution().create();
            int[][] counts = Heatmap.counts(subject.play(episodes), e.width, e.height, kind.equals("ends"));
            Heatmap.write(counts, subject.policy().name() + " on " + e.type().name() + "/" + target.split + ": "
                    + (kind.equals("ends") ? "where " + episodes + " episodes end" : "visits over " + episodes + " episodes"), file);
        }
        spec.commandLine().getOut().println("wrote " + file);
        spec.commandLine().getOut().flush();
    }
}
