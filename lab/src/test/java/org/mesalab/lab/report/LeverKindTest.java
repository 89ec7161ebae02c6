package org.mesalab.lab.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A sweep over the env's level parameters is the data lever; over the learner's hyperparameters, the prior lever. */
class LeverKindTest {
    private static Report.Cell cell(String env, String lever) {
        return new Report.Cell("c", "c", "ppo", env, "test", "policy", 5, 0, new double[2], 0, 0, new double[2], 0, lever, 1.0);
    }

    @Test
    void levelParametersAreDataHyperparametersArePrior() {
        assertEquals("The data lever", Report.leverKind(cell("coinrun", "random_coin")));
        assertEquals("The data lever", Report.leverKind(cell("maze", "cheese_region")));
        assertEquals("The prior lever", Report.leverKind(cell("maze", "width")));
        assertEquals("The prior lever", Report.leverKind(cell("maze", "weight_decay")));
    }
}
