/**
 * The essay's proposed agent: MuZero-style learned networks under a hard-coded search, trained by self-play,
 * with a swappable objective slot (learned, events, true) and its value refit.
 */
package org.mesalab.agents.planner;
