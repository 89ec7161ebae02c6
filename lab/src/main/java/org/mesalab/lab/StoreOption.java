package org.mesalab.lab;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The results store a reading command looks at ({@code --db}). */
final class StoreOption {
    @Option(names = "--db", defaultValue = "runs/mesalab.duckdb", description = "results store (default: ${DEFAULT-VALUE})")
    Path db;
}
