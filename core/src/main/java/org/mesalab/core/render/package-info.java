/**
 * Pictures: ASCII and PNG levels, animated GIF rollouts, visitation heatmaps and objective fields.
 */
package org.mesalab.core.render;
