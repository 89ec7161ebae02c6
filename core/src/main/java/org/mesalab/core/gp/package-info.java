/**
 * Gaussian-process regression (Rasmussen and Williams, Algorithm 2.1) with composable kernels: the priors of
 * the essay made explicit.
 */
package org.mesalab.core.gp;
