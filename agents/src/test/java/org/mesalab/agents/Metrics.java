package org.mesalab.agents;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test helper: a run's metrics as a comparison of two runs should see them. */
public final class Metrics {
    private Metrics() {
    }

    /** The metrics of a run without its wall-clock fields. */
    public static List<Map<String, Object>> reproducible(Path dir) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> m : RunDir.open(dir).readMetrics()) {
            Map<String, Object> copy = new java.util.LinkedHashMap<>(m);
            copy.remove("steps_per_second");
            copy.remove("wall_seconds");
            copy.remove("network_seconds");
            out.add(copy);
        }
        return out;
    }
}
