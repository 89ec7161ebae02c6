/**
 * Inside a model-free agent: the activations of a PPO network's named layers over an agent's own episodes
 * ({@link org.mesalab.agents.interp.Trajectories}, {@link org.mesalab.agents.interp.Activations}), linear probes
 * for where the goal is with a randomly initialised control ({@link org.mesalab.agents.interp.Probe}), steering
 * vectors added to a layer during rollouts ({@link org.mesalab.agents.interp.SteeringVector}) measured at the
 * squares where the intended and the proxy goal part ({@link org.mesalab.agents.interp.DecisionSquares}).
 */
package org.mesalab.agents.interp;
