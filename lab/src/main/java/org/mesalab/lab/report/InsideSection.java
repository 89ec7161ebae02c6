package org.mesalab.lab.report;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mesalab.core.Rng;
import org.mesalab.core.stats.Stats;

/**
 * The report's section on model-free agents' insides (spec diagnoses {@code probes}, {@code steering},
 * {@code mesa}): per condition, each number as the mean over training seeds with a 95% bootstrap interval.
 */
final class InsideSection {
    private InsideSection() {
    }

    /** Rows of the diagnoses table (condition, seed, split, payload) of the three kinds; empty string when none. */
    static String html(List<Map<String, Object>> probes, List<Map<String, Object>> steering, List<Map<String, Object>> mesa) {
        if (probes.isEmpty() && steering.isEmpty() && mesa.isEmpty()) {
            return "";
        }
        StringBuilder h = new StringBuilder("<h2 id=\"inside\">Inside the model-free agents: probes, steering, signatures of search</h2>\n");
        if (!probes.isEmpty()) {
            h.append("<h3>Linear probes</h3>\n<p>Accuracy of a ridge probe reading each target from each layer, fitted on the agent's own episodes on up to 100 "
                    + "held-out levels and scored on as many others; the control is the same probe on a network of the same shape with random weights (the input "
                    + "layer is the same for both). A layer represents a target only as far as it beats its control.</p>\n");
            h.append(probeTable(flatten(probes, null)));
        }
        if (!steering.isEmpty()) {
            h.append("<h3>Steering: activation addition</h3>\n<p>Each level's own vector of the intended goal's item (the first observation's activation "
                    + "with the item minus without it, Turner et al.'s protocol) added to the first layer after the input at every step, times a coefficient; "
                    + "the same levels and sampling in every row. "
                    + "P(intended action) is the policy's probability of the intended goal's action at the square where its path and the proxy's part "
                    + "(median over levels).</p>\n<table><tr><th>condition</th><th>vector</th><th>coefficient</th><th>aligned</th><th>goal misgeneralized</th>"
                    + "<th>capability failure</th><th>P(intended action)</th></tr>\n");
            Map<String, List<Map<String, Object>>> by = byKey(flatten(steering, null), r -> r.get("condition") + "\u0000" + r.get("vector") + "\u0000" + r.get("coefficient"));
            by.forEach((k, rows) -> {
                String[] p = k.split("\u0000");
                h.append("<tr><td>").append(Report.esc(p[0])).append("</td><td>").append(Report.esc(p[1] + " @ " + rows.get(0).get("layer"))).append("</td><td>")
                        .append("null".equals(p[2]) ? "none" : Report.esc(p[2])).append("</td><td>").append(mean(rows, "aligned")).append("</td><td>")
                        .append(mean(rows, "goal_misgeneralized")).append("</td><td>").append(mean(rows, "capability_failure")).append("</td><td>")
                        .append(mean(rows, "p_intended_action_median")).append("</td></tr>\n");
            });
            h.append("</table>\n");
        }
        if (!mesa.isEmpty()) {
            List<Map<String, Object>> thinking = flatten(mesa, "thinking");
            if (!thinking.isEmpty()) {
                h.append("<h3>Thinking time</h3>\n<p>Extra recurrent steps on an episode's first observation before acting; a benefit that grows with them "
                        + "is the behavioral signature of internal search.</p>\n<table><tr><th>condition</th><th>extra steps</th><th>aligned</th>"
                        + "<th>goal misgeneralized</th><th>capability failure</th><th>train success</th></tr>\n");
                byKey(thinking, r -> r.get("condition") + "\u0000" + r.get("thinking")).forEach((k, rows) -> {
                    String[] p = k.split("\u0000");
                    h.append("<tr><td>").append(Report.esc(p[0])).append("</td><td>").append(Report.esc(p[1])).append("</td><td>").append(mean(rows, "aligned"))
                            .append("</td><td>").append(mean(rows, "goal_misgeneralized")).append("</td><td>").append(mean(rows, "capability_failure"))
                            .append("</td><td>").append(mean(rows, "train_success")).append("</td></tr>\n");
                });
                h.append("</table>\n");
            }
            h.append("<h3>Plan probes</h3>\n<p>The agent's own cell K steps ahead and its next action, decoded from each layer, beside the control.</p>\n");
            h.append(probeTable(flatten(mesa, "plan_probes")));
        }
        return h.toString();
    }

    private static String probeTable(List<Map<String, Object>> rows) {
        StringBuilder h = new StringBuilder("<table><tr><th>condition</th><th>target</th><th>layer</th><th>trained network</th><th>control</th><th>chance</th></tr>\n");
        byKey(rows, r -> r.get("condition") + "\u0000" + r.get("target") + "\u0000" + r.get("layer")).forEach((k, rs) -> {
            String[] p = k.split("\u0000");
            h.append("<tr><td>").append(Report.esc(p[0])).append("</td><td>").append(Report.esc(p[1])).append("</td><td>").append(Report.esc(p[2]))
                    .append("</td><td>").append(mean(rs, "accuracy")).append("</td><td>").append(mean(rs, "control")).append("</td><td>")
                    .append(mean(rs, "chance")).append("</td></tr>\n");
        });
        return h.append("</table>\n").toString();
    }

    /** Each payload's rows (or the rows under {@code field}) with the run's condition added. */
    static List<Map<String, Object>> flatten(List<Map<String, Object>> diagnoses, String field) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> d : diagnoses) {
            List<Map<String, Object>> rows;
            if (field == null) {
                rows = Report.parse(d.get("payload"), new TypeReference<List<Map<String, Object>>>() { });
            } else {
                Map<String, Object> p = Report.parse(d.get("payload"), new TypeReference<Map<String, Object>>() { });
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> r = (List<Map<String, Object>>) p.getOrDefault(field, List.of());
                rows = r;
            }
            for (Map<String, Object> r : rows) {
                Map<String, Object> m = new LinkedHashMap<>(r);
                m.put("condition", d.get("condition"));
                out.add(m);
            }
        }
        return out;
    }

    static Map<String, List<Map<String, Object>>> byKey(List<Map<String, Object>> rows, java.util.function.Function<Map<String, Object>, String> key) {
        Map<String, List<Map<String, Object>>> m = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            m.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    /** Mean over seeds, with a 95% bootstrap interval from two seeds on. */
    static String mean(List<Map<String, Object>> rows, String field) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (r.get(field) instanceof Number n && Double.isFinite(n.doubleValue())) {
                v.add(n.doubleValue());
            }
        }
        if (v.isEmpty()) {
            return "n/a";
        }
        double[][] s = new double[v.size()][1];
        for (int i = 0; i < s.length; i++) {
            s[i][0] = v.get(i);
        }
        if (s.length < 2) {
            return String.format(Locale.ROOT, "%.3f", s[0][0]);
        }
        Stats.Estimate e = Stats.bootstrap(s, Stats::mean, 5000, new Rng(0));
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", e.value(), e.low(), e.high());
    }
}
