package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunDir;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.planner.ObjectivePicture;
import org.mesalab.core.UsageException;
import org.mesalab.core.render.Renderer;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Points at a planner's objective: over every reachable cell of one held-out level, the value the
 * objective gives to standing there and the best reward it predicts for stepping there, for the
 * learned objective and for swapped ones. The picture answers "does it want the cheese or the corner?".
 */
@Command(name = "objective", footer = {"", "Examples:", "  mesalab objective runs/maze-planner --split test --png objective.png", "  mesalab objective runs/maze-planner --objective learned --objective events:cheese@test --json"}, description = {
        "Draw what a planner's objective says about every cell of a level: predicted reward for stepping there and value of standing there,",
        "for the learned objective and swapped ones (default: learned and events:<intended>)."})
final class ObjectiveCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "a planner run directory")
    Path runDir;

    @Option(names = "--env", description = "must be the run's env (optional)")
    String env;

    @Option(names = "--split", defaultValue = "test", description = "split of the level (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--seed", defaultValue = "0", description = "which held-out level: the seed-th of the split (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--objective", paramLabel = "SLOT", description = "objectives to draw (repeatable): learned, events:EXPR, true:NAME; "
            + "events:EXPR@SPLIT refits on that split instead of --refit-split")
    List<String> objectives = new ArrayList<>();

    @Option(names = "--refit-split", defaultValue = "train", description = "split whose levels an events: value head is refit on (default: ${DEFAULT-VALUE})")
    String refitSplit;

    @Option(names = "--png", paramLabel = "FILE", description = "write the picture (PNG)")
    Path png;

    @Option(names = "--json", description = "print the fields as JSON")
    boolean json;

    @Override
    public void run() {
        if (png == null && !json) {
            throw new UsageException("give --png FILE and/or --json");
        }
        if (seed < 0 || seed > 1_000_000) {
            throw new UsageException("--seed=" + seed + " is out of range; allowed: [0, 1000000]");
        }
        if (png != null) {
            org.mesalab.core.OutputFile.prepare(png, "--png");
        }
        RunManifest m = RunDir.open(runDir).readManifest();
        if (env != null && !env.equals(m.env())) {
            throw new UsageException("--env=" + env + " but " + runDir + " was trained on " + m.env() + "; allowed: " + m.env());
        }
        PrintWriter err = spec.commandLine().getErr();
        ObjectivePicture picture = ObjectivePicture.draw(runDir, split, seed, objectives, refitSplit, note -> {
            err.println(note);
            err.flush();
        });
        PrintWriter out = spec.commandLine().getOut();
        if (png != null) {
            Renderer.writePng(picture.image(m.env() + "/" + split + " level " + seed + " (" + runDir.getFileName() + "): what each objective says"), png);
            if (!json) {
                out.println("wrote " + png);
            }
        }
        if (json) {
            Map<String, Object> jsonOut = new LinkedHashMap<>();
            jsonOut.put("run_dir", runDir.toString());
            jsonOut.put("env", m.env());
            jsonOut.put("split", split);
            jsonOut.put("level_seed", picture.levelSeed());
            Map<String, Object> perSlot = new LinkedHashMap<>();
            for (ObjectivePicture.Panel p : picture.panels()) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("reward", rows(p.reward()));
                fields.put("value", rows(p.value()));
                if (p.refitNote() != null) {
                    fields.put("refit", p.refitNote());
                }
                perSlot.put(p.asked(), fields);
            }
            jsonOut.put("objectives", perSlot);
            Json.print(out, jsonOut);
        }
        out.flush();
    }

    /** Rows of boxed values, so that undefined cells (NaN) print as null. */
    private static List<List<Double>> rows(double[][] f) {
        List<List<Double>> out = new ArrayList<>();
        for (double[] row : f) {
            List<Double> r = new ArrayList<>();
            for (double v : row) {
                r.add(v);
            }
            out.add(r);
        }
        return out;
    }
}
