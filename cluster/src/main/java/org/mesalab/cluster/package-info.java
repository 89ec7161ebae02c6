/**
 * Experiment specs on Apache Spark: {@link org.mesalab.cluster.SparkRun} (the driver's command line), {@code SparkExperiment}
 * (the one job: a task per run, results merged as they arrive), {@code RunTask} (an executor's run), {@code Merger} (the
 * store's one writer) and {@code JobProgress} (the driver's progress lines from Spark's listener events).
 */
package org.mesalab.cluster;
