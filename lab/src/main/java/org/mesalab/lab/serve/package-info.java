/**
 * The dashboard ({@code mesalab serve}): an embedded Javalin server over the results store and the
 * run directories beside it. Read-only: the store is opened read-only for each new snapshot and let go
 * at once, so a running experiment keeps writing; run directories are only read, and only those found
 * under the runs directory without following links.
 */
package org.mesalab.lab.serve;
