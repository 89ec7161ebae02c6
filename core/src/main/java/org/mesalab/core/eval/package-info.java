/**
 * Playing and judging: episodes, held-out evaluation with outcome classes and intervals
 * ({@link org.mesalab.core.eval.Evaluator}), the policies every command can name, and the behavioral objective.
 */
package org.mesalab.core.eval;
