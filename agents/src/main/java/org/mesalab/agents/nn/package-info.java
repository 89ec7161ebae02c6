/**
 * Neural-network helpers on DJL: Adam with resumable moments, weight initialization and parameter I/O,
 * autograd-safe constants, and a convolution whose gradients are checked.
 */
package org.mesalab.agents.nn;
