/**
 * JMH benchmarks of env stepping and search (the careful speed measurements; `mesalab bench` is the quick one).
 */
package org.mesalab.bench;
