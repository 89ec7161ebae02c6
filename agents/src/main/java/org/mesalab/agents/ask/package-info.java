/**
 * Knowing when it does not know: signals of unfamiliarity read from an agent at every step
 * ({@link org.mesalab.agents.ask.Signal}), an index of training activations for novelty
 * ({@link org.mesalab.agents.ask.NoveltyIndex}), and an agent that hands a step to a mentor (the intended
 * objective's exact oracle) when its signal crosses a threshold ({@link org.mesalab.agents.ask.AskingPolicy}).
 */
package org.mesalab.agents.ask;
