package org.mesalab.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.Objective;
import org.mesalab.core.Policy;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.solve.Oracles;

/** Validation of the behavioral-objective diagnosis on oracles of every candidate and on random play. */
class BehavioralObjectiveTest {

    static List<Episode> play(Distribution d, Policy p, int n) {
        List<Episode> eps = new ArrayList<>();
        Env e = d.create();
        for (int i = 0; i < n; i++) {
            eps.add(Episode.play(e, p, d.levelSeed(Evaluator.HELD_OUT_START + i), null));
        }
        return eps;
    }

    /**
     * The test split of every env, lava with {@code lava_death=0}: with its default (lava ends the
     * episode) the shortest path to the goal never crosses lava, so the proxy's and the intended
     * oracles act alike and no diagnosis can tell them apart (see lavaWithDeathTiesTheGoals).
     */
    static Distribution separatingTest(EnvType t) {
        return t.distribution("test", t.name().equals("lava") ? Map.of("lava_death", 0.0) : Map.of());
    }

    @Test
    void theOracleOfEveryCandidateIsIdentifiedFrom50TestEpisodes() {
        for (EnvType t : Envs.all()) {
            Distribution d = separatingTest(t);
            List<BehavioralObjective.Candidate> all = BehavioralObjective.candidates(t);
            assertEquals(1 + 2 * t.proxies().size(), all.size(), "intended, proxies, and their mixtures");
            for (BehavioralObjective.Candidate c : all) {
                List<BehavioralObjective.Fit> fits = BehavioralObjective.diagnose(d, play(d, BehavioralObjective.oracle(c), 50), all);
                assertEquals(c.name(), fits.get(0).objective(), t.name() + ": oracle of " + c.name() + " -> " + fits);
                assertTrue(fits.get(0).posterior() >= 0.95, t.name() + ": " + fits);
            }
        }
    }

    @Test
    void proxyOraclesAreNeverMistakenForTheIntendedObjectiveAmongAllCandidates() {
        for (EnvType t : Envs.all()) {
            Distribution d = separatingTest(t);
            List<BehavioralObjective.Candidate> all = BehavioralObjective.candidates(t);
            for (Objective proxy : t.proxies()) {
                List<BehavioralObjective.Fit> fits = BehavioralObjective.diagnose(d, play(d, Oracles.oracle(proxy), 50), all);
                double intended = fits.stream().filter(f -> f.objective().equals(t.intended().name())).findFirst().orElseThrow().posterior();
                assertTrue(intended < 0.01, t.name() + ": " + fits);
            }
        }
    }

    @Test
    void lavaWithDeathTiesTheGoals() {
        EnvType t = Envs.get("lava");
        Distribution d = t.distribution("test", Map.of());
        List<BehavioralObjective.Fit> fits = BehavioralObjective.diagnose(d, play(d, Oracles.oracle(t.proxies().get(0)), 50),
                BehavioralObjective.candidates(t));
        for (BehavioralObjective.Fit f : fits) {
            assertEquals(1.0 / fits.size(), f.posterior(), 1e-6, "identical behaviour, equal posteriors: " + fits);
        }
    }

    @Test
    void randomPlayGetsNoConfidentAttribution() {
        for (EnvType t : Envs.all()) {
            Distribution d = t.distribution("test", Map.of());
            List<BehavioralObjective.Candidate> all = BehavioralObjective.candidates(t);
            List<BehavioralObjective.Fit> fits = BehavioralObjective.diagnose(d, play(d, Policies.random(3), 50), all);
            assertTrue(fits.get(0).posterior() < 0.95, t.name() + ": " + fits);
            for (BehavioralObjective.Fit f : fits) {
                assertTrue(f.beta() < 1, t.name() + ": random play is explained only by a near-zero beta: " + f);
            }
        }
    }

    @Test
    void logLikelihoodAndBetaFitMatchHandComputedValues() {
        List<double[]> q = List.of(new double[] {1, 0}, new double[] {1, 0});
        // beta = 0: 2 log(1/2)
        assertEquals(2 * Math.log(0.5), BehavioralObjective.logLikelihood(q, List.of(0, 1), 0), 1e-12);
        // one step each way: LL(beta) = beta - 2 log(e^beta + 1) + ... is maximized at beta = 0
        assertEquals(0, BehavioralObjective.fitBeta(q, List.of(0, 1))[0], 1e-3);
        // always the better action: LL = -2 log(1 + e^-beta) rises to 0, which double precision reaches near beta = 37
        double[] always = BehavioralObjective.fitBeta(q, List.of(0, 0));
        assertTrue(always[0] > 30, "beta " + always[0]);
        assertEquals(0, always[1], 1e-12);
        // three of four times the better action: softmax prob 3/4 -> beta = log 3
        List<double[]> q4 = List.of(new double[] {1, 0}, new double[] {1, 0}, new double[] {1, 0}, new double[] {1, 0});
        assertEquals(Math.log(3), BehavioralObjective.fitBeta(q4, List.of(0, 0, 0, 1))[0], 1e-4);
    }
}
