/**
 * Goodhart curves: how the gold objective fares as an optimizer of an imperfect proxy gets stronger.
 * Optimizers ({@link org.mesalab.core.goodhart.BestOfN}, {@link org.mesalab.core.goodhart.DepthSearch}) score
 * episodes under the proxy and the gold ({@link org.mesalab.core.goodhart.Gold}); {@link org.mesalab.core.goodhart.Curve}
 * summarises them per pressure with intervals, Gao et al.'s fits ({@link org.mesalab.core.goodhart.Fit}), the peak and
 * an early-stopping rule.
 */
package org.mesalab.core.goodhart;
