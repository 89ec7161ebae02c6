package org.mesalab.lab.report;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's section on asking for help (the spec's {@code help:} diagnosis): per condition and signal,
 * outcomes at each help rate and the area under the intended-success curve, as means over training seeds
 * with 95% bootstrap intervals; random asking is the baseline at the same rate, the oracle the bound.
 */
final class HelpSection {
    private HelpSection() {
    }

    /** Rows of the diagnoses table (condition, seed, split, payload) of kind help; empty string when none. */
    static String html(List<Map<String, Object>> help) {
        if (help.isEmpty()) {
            return "";
        }
        StringBuilder h = new StringBuilder("<h2 id=\"help\">Asking for help: does the agent know when it does not know?</h2>\n<p>Each PPO run plays its "
                + "last evaluated split and, where its signal of unfamiliarity exceeds a threshold, takes that step's action from the intended objective's "
                + "oracle. Thresholds are chosen on held-out training levels to give each help rate (share of steps asking there); the test ask rate is what "
                + "that threshold asks on these levels. <i>none</i> is the agent unassisted; <i>random</i> asks at random steps (the baseline), "
                + "<i>oracle</i> exactly where the agent would deviate (the bound). Asks in time: share made before the agent's first own wrong step.</p>\n");
        h.append("<table id=\"help-table\"><tr><th>condition</th><th>signal</th><th>help rate</th><th>aligned</th><th>goal misgeneralized</th>"
                + "<th>capability failure</th><th>test ask rate</th><th>asks in time</th></tr>\n");
        InsideSection.byKey(InsideSection.flatten(help, "rows"), r -> r.get("condition") + "\u0000" + r.get("signal") + "\u0000" + r.get("help_rate"))
                .forEach((k, rows) -> {
                    String[] p = k.split("\u0000");
                    h.append("<tr><td>").append(Report.esc(p[0])).append("</td><td>").append(Report.esc(p[1])).append("</td><td>")
                            .append("null".equals(p[2]) ? "(deviations)" : Report.esc(p[2])).append("</td><td>").append(InsideSection.mean(rows, "aligned"))
                            .append("</td><td>").append(InsideSection.mean(rows, "goal_misgeneralized")).append("</td><td>")
                            .append(InsideSection.mean(rows, "capability_failure")).append("</td><td>").append(InsideSection.mean(rows, "test_ask_rate"))
                            .append("</td><td>").append(InsideSection.mean(rows, "in_time")).append("</td></tr>\n");
                });
        h.append("</table>\n<p>Area under each signal's curve: intended success averaged over help rates from 0 to the largest (trapezoids through "
                + "the unassisted point); a signal is worth asking with only where its area beats random's.</p>\n<table id=\"help-auc\"><tr><th>condition</th>"
                + "<th>signal</th><th>area under the curve</th></tr>\n");
        List<Map<String, Object>> areas = new ArrayList<>();
        for (Map<String, Object> d : help) {
            Map<String, Object> payload = Report.parse(d.get("payload"), new TypeReference<Map<String, Object>>() { });
            @SuppressWarnings("unchecked")
            Map<String, Object> auc = (Map<String, Object>) payload.getOrDefault("auc", Map.of());
            auc.forEach((signal, v) -> {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("condition", d.get("condition"));
                r.put("signal", signal);
                r.put("auc", v);
                areas.add(r);
            });
        }
        InsideSection.byKey(areas, r -> r.get("condition") + "\u0000" + r.get("signal")).forEach((k, rows) -> {
            if (rows.stream().anyMatch(r -> r.get("auc") instanceof Number)) { // the oracle has none
                String[] p = k.split("\u0000");
                h.append("<tr><td>").append(Report.esc(p[0])).append("</td><td>").append(Report.esc(p[1])).append("</td><td>")
                        .append(InsideSection.mean(rows, "auc")).append("</td></tr>\n");
            }
        });
        return h.append("</table>\n").toString();
    }
}
