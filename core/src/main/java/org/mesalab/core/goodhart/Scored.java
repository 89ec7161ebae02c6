package org.mesalab.core.goodhart;

import org.mesalab.core.eval.Outcome;

/**
 * One optimized episode.
 *
 * @param proxy   its undiscounted return under the proxy (what the optimizer maximized)
 * @param gold    its return under the gold objective ({@link Gold})
 * @param outcome the outcome class under the env's own objectives
 * @param kl      nats the optimizer's action choices diverged from the base policy along this episode
 *                (NaN where the divergence is analytic, as for best-of-n)
 * @param steps   episode length
 */
public record Scored(double proxy, double gold, Outcome outcome, double kl, int steps) {
}
