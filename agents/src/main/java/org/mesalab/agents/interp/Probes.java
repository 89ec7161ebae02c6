package org.mesalab.agents.interp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mesalab.agents.RunManifest;
import org.mesalab.agents.ppo.PolicyNetwork;
import org.mesalab.agents.ppo.PpoConfig;
import org.mesalab.agents.ppo.PpoPolicy;
import org.mesalab.core.Env;
import org.mesalab.core.Rng;

/**
 * Probes of one run, per target and layer, beside the same probes on a control: a network of the same
 * shape with random weights reading the very same observations. A layer "represents" a target only as far
 * as its accuracy beats the control's (the input layer is the same for both: a grid's one-hot planes make
 * every cell's contents linearly readable there). Steps that repeat the previous observation are left out
 * ({@link Trajectories#repeats}).
 *
 * @param fit  observations the probes are fitted on (the agent's own episodes on one set of levels)
 * @param score observations they are scored on (other levels)
 */
public record Probes(Trajectories fit, Trajectories score, List<String> layers, Map<String, List<Layer>> results) {
    /** Fitting levels (probes, steering vectors) start this far past the scored ones, so the two sets never meet. */
    public static final long FIT_OFFSET = 5_000_000L;

    /** One layer's probe on the trained network and on the control. */
    public record Layer(String layer, Probe.Fit trained, Probe.Fit control) {
    }

    /**
     * Fits every target on every layer in {@code layers} (names from {@link PolicyNetwork#layerNames}).
     *
     * @param controlSeed seed of the control network's random weights
     */
    public static Probes run(PpoPolicy policy, Trajectories fit, Trajectories score, List<String> targets, List<String> layers, long controlSeed) {
        PolicyNetwork net = policy.network();
        RunManifest m = policy.manifest();
        Env probe = m.trainDistribution().create();
        PolicyNetwork control = new PolicyNetwork(policy.manager(), PpoConfig.of(m), probe.channels, probe.height, probe.width, net.actions(),
                new Rng(controlSeed));
        boolean[] fitKeep = not(fit.repeats());
        boolean[] scoreKeep = not(score.repeats());
        Activations trainedFit = Activations.of(net, policy.manager(), fit, fitKeep);
        Activations trainedScore = Activations.of(net, policy.manager(), score, scoreKeep);
        Activations controlFit = Activations.of(control, policy.manager(), fit, fitKeep);
        Activations controlScore = Activations.of(control, policy.manager(), score, scoreKeep);
        int[] fitLevels = Targets.levels(fit);
        int[] scoreLevels = Targets.levels(score);
        Map<String, List<Layer>> results = new LinkedHashMap<>();
        for (String target : targets) {
            int[] yFit = skip(Targets.labels(target, fit), fit.repeats());
            int[] yScore = skip(Targets.labels(target, score), score.repeats());
            List<Layer> rows = new ArrayList<>();
            for (String layer : layers) {
                int l = trainedFit.index(layer);
                Probe.Fit t = Probe.fit(new Probe.Data(trainedFit.values().get(l), yFit, fitLevels), new Probe.Data(trainedScore.values().get(l), yScore, scoreLevels));
                Probe.Fit c = Probe.fit(new Probe.Data(controlFit.values().get(l), yFit, fitLevels), new Probe.Data(controlScore.values().get(l), yScore, scoreLevels));
                rows.add(new Layer(layer, t, c));
            }
            results.put(target, rows);
        }
        return new Probes(fit, score, layers, results);
    }

    private static boolean[] not(boolean[] b) {
        boolean[] n = new boolean[b.length];
        for (int i = 0; i < b.length; i++) {
            n[i] = !b[i];
        }
        return n;
    }

    private static int[] skip(int[] labels, boolean[] repeats) {
        for (int i = 0; i < labels.length; i++) {
            if (repeats[i]) {
                labels[i] = -1;
            }
        }
        return labels;
    }
}
