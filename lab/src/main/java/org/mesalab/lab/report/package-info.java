/**
 * The self-contained HTML report of an experiment, and its charts (JFreeChart drawn by Batik as SVG).
 */
package org.mesalab.lab.report;
