package org.mesalab.lab;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.core.UsageException;
import org.mesalab.core.eval.BehavioralObjective;
import org.mesalab.lab.experiment.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "diagnose", footer = {"", "Examples:", "  mesalab diagnose runs/maze-ppo --split test --episodes 100", "  mesalab diagnose --policy oracle:corner --env maze --split test --json"}, description = {
        "Which objective explains what an agent does? Boltzmann-rational inverse planning on the true levels over the",
        "intended objective, each proxy and their equal mixtures: log-likelihood, fitted beta and posterior per candidate."})
final class DiagnoseCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    SubjectOptions target = new SubjectOptions();






    @Option(names = "--episodes", defaultValue = "50", description = "episodes on held-out levels (default: ${DEFAULT-VALUE})")
    int episodes;


    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Override
    public void run() {
        if (episodes <= 0 || episodes > 100_000) {
            throw new UsageException("--episodes=" + episodes + " is out of range; allowed: [1, 100000]");
        }
        long started = System.nanoTime();
        List<BehavioralObjective.Fit> fits;
        String policyName;
        String envName;
        try (Subject subject = target.open(false, spec.commandLine().getErr())) {
            fits = BehavioralObjective.diagnose(subject.distribution(), subject.play(episodes), BehavioralObjective.candidates(subject.distribution().env()));
            policyName = subject.policy().name();
            envName = subject.distribution().env().name();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("env", envName);
            m.put("split", target.split);
            m.put("policy", policyName);
            m.put("episodes", episodes);
            List<Object> list = new ArrayList<>();
            for (BehavioralObjective.Fit f : fits) {
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("objective", f.objective());
                fm.put("log_likelihood", f.logLikelihood());
                fm.put("beta", f.beta());
                fm.put("posterior", f.posterior());
                list.add(fm);
            }
            m.put("candidates", list);
            m.put("behavioral_objective", fits.get(0).objective());
            m.put("seconds", seconds);
            Json.print(out, m);
            return;
        }
        out.printf("%s on %s/%s, %d held-out levels (%.1f s)%n", policyName, envName, target.split, episodes, seconds);
        out.printf("  %-22s %10s %16s %8s%n", "candidate", "posterior", "log-likelihood", "beta");
        for (BehavioralObjective.Fit f : fits) {
            out.printf("  %-22s %10.4f %16.2f %8.2f%n", f.objective(), f.posterior(), f.logLikelihood(), f.beta());
        }
        out.printf("behavioral objective: %s%n", fits.get(0).objective());
        out.flush();
    }
}
