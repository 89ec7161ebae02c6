/**
 * Experiments: YAML specs, the runner that trains every condition x seed in child processes and
 * evaluates them, and the DuckDB results store.
 */
package org.mesalab.lab.experiment;
