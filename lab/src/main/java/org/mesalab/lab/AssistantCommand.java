package org.mesalab.lab;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.UsageException;
import org.mesalab.core.assistant.Assistant;
import org.mesalab.core.assistant.Situation;
import org.mesalab.core.gp.GaussianProcess;
import org.mesalab.core.gp.Kernels;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "assistant", footer = {"", "Examples:", "  mesalab assistant --kernel action", "  mesalab assistant --kernel outcome --json", "  mesalab assistant --kernel action --cautious 0.5"}, description = {
        "The essay's assistant: GP reward models trained on a few labelled situations (buy a stapler: comply; steal one:",
        "refuse; kill someone: refuse) decide held-out ones such as 'pay someone to kill someone else'.",
        "The kernel is the prior: action (similar actions, similar reward), outcome (similar outcomes), both, ard (fitted)."})
final class AssistantCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--kernel", defaultValue = "action", description = "action, outcome, both, ard, or a kernel expression (default: ${DEFAULT-VALUE})")
    String kernel;

    @Option(names = "--cautious", paramLabel = "THRESHOLD", description = "ask the overseer when the chosen option's posterior std exceeds THRESHOLD"
            + " times its prior std (calibrated, in [0, 1]: 0 asks unless the data pin the option down, 1 never asks)")
    Double cautious;

    @Option(names = "--situations", paramLabel = "FILE", description = "your own situations: CSV with header situation,split,comply,refuse,FEATURE... (see README)")
    Path situations;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the ard kernel's optimizer restarts (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public void run() {
        if (!Assistant.KERNELS.containsKey(kernel)) {
            try {
                Kernels.parse(kernel, Assistant.FEATURES);
            } catch (UsageException e) {
                throw new UsageException("unknown kernel '" + kernel + "'; allowed: action, outcome, both, ard, or a kernel expression over "
                        + "the action and outcome feature groups (" + e.getMessage() + ")");
            }
        }
        List<Situation> all = situations == null ? Assistant.builtIn() : Assistant.readCsv(situations);
        Assistant.Report r = Assistant.run(all, kernel, cautious, seed);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kernel", kernel);
            m.put("kernel_spec", r.kernelSpec());
            m.put("cautious", cautious);
            List<Object> list = new ArrayList<>();
            for (Assistant.Decision d : r.decisions()) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("situation", d.situation().name());
                dm.put("choice", d.choice());
                dm.put("correct", d.choice().equals("ask") ? null : d.correct());
                dm.put("best", d.situation().best());
                dm.put("reward", d.reward());
                Map<String, Object> opts = new LinkedHashMap<>();
                d.options().forEach((o, p) -> opts.put(o, Map.of("mean", p.mean(), "std", p.std(), "prior_std", p.priorStd())));
                dm.put("options", opts);
                list.add(dm);
            }
            m.put("situations", list);
            m.put("accuracy", r.accuracy());
            m.put("ask_rate", r.askRate());
            m.put("mean_reward", r.meanReward());
            m.put("training", all.stream().filter(s -> s.split().equals("train")).map(Situation::name).toList());
            m.put("fitted_kernels", r.fitted());
            Json.print(out, m);
            return;
        }
        out.printf("prior: %s kernel (%s)%s; trained on: %s%n", kernel, r.kernelSpec(), cautious == null ? "" : ", cautious at std > " + cautious + " x the prior's std",
                String.join("; ", all.stream().filter(s -> s.split().equals("train")).map(Situation::name).toList()));
        out.printf("%-34s %-7s %-8s %-16s %-16s%n", "test situation", "choice", "right?", "comply mean+-std", "refuse mean+-std");
        for (Assistant.Decision d : r.decisions()) {
            GaussianProcess.Prediction c = d.options().get("comply");
            GaussianProcess.Prediction f = d.options().get("refuse");
            String mark = d.situation().name().equals(Assistant.ESSAY_QUESTION) ? "   <- the essay's question" : "";
            out.printf("%-34s %-7s %-8s %+6.2f +- %4.2f   %+6.2f +- %4.2f%s%n", d.situation().name(), d.choice(),
                    d.choice().equals("ask") ? "(asked)" : d.correct() ? "yes" : "NO", c.mean(), c.std(), f.mean(), f.std(), mark);
        }
        out.printf("accuracy %.1f%% of decided situations, asked %.1f%%, mean true reward %.3f%n", 100 * r.accuracy(), 100 * r.askRate(),
                r.meanReward());
        out.flush();
    }
}
