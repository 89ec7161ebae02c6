/**
 * Proximal Policy Optimization as CleanRL writes it: the algorithm, its hyperparameters, loss, network and
 * the trained policy.
 */
package org.mesalab.agents.ppo;
