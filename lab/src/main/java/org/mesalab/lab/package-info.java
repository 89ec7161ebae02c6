/**
 * The {@code mesalab} command line: one class per command, the options they share, and what eval,
 * diagnose and heatmap look at.
 */
package org.mesalab.lab;
