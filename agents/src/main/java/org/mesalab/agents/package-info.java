/**
 * What every learner shares: the learner contract, the run manifest and run directory, the PyTorch engine,
 * the training-episode window and the divergence error.
 */
package org.mesalab.agents;
