/**
 * Exact solutions on the true level: the reachable state graph, hard and soft value iteration, and the
 * oracle policies of any objective.
 */
package org.mesalab.core.solve;
