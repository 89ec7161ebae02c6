/**
 * The environments, one class each plus its level generator (maze, coinrun, heist, lava), and their
 * registry {@link org.mesalab.core.envs.Envs}.
 */
package org.mesalab.core.envs;
