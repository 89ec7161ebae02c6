/**
 * A batched Monte Carlo tree search over flat arrays (mctx style): the tree, the search loop, selection rules,
 * Q transforms and the model contract.
 */
package org.mesalab.agents.mcts;
