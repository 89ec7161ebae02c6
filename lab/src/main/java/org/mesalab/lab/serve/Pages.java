package org.mesalab.lab.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The dashboard's HTML: server-rendered tables, and empty chart boxes that {@code dashboard.js} fills
 * from the JSON API (uPlot, served from the jar). No inline script anywhere, so the pages run under a
 * Content-Security-Policy that allows scripts from this server only.
 */
final class Pages {
    private Pages() {
    }

    static String index(StoreReader store, RunFolders folders) {
        StringBuilder h = head("mesalab dashboard", "index");
        h.append("<p class=\"where\">store <code>").append(esc(store.file().toString())).append("</code>, runs directory <code>")
                .append(esc(folders.root().toString())).append("</code>. Live: runs still training update here without a reload.</p>\n");
        h.append("<h2>Experiments</h2>\n<table id=\"experiments\"><thead><tr><th>experiment</th><th>description</th><th>runs stored</th><th>updated</th>"
                + "<th>report</th></tr></thead><tbody></tbody></table>\n");
        h.append("<h2>Runs</h2>\n<p><input id=\"filter\" type=\"search\" placeholder=\"filter: any column, e.g. maze, training, cheese_region\" size=\"50\">"
                + " <button id=\"compare\" type=\"button\">compare selected</button> <button id=\"compare-conditions\" type=\"button\">compare their conditions</button>"
                + " <span id=\"count\"></span></p>\n");
        h.append("<table id=\"runs\" class=\"sortable\"><thead><tr><th></th>");
        for (String[] c : RUN_COLUMNS) {
            h.append("<th data-key=\"").append(c[0]).append("\">").append(c[1]).append("</th>");
        }
        h.append("</tr></thead><tbody></tbody></table>\n");
        return tail(h);
    }

    /** The columns of the run list: key in /api/runs, header. */
    static final String[][] RUN_COLUMNS = {{"experiment", "experiment"}, {"condition", "condition"}, {"seed", "seed"}, {"agent", "agent"},
        {"env", "env"}, {"lever", "lever"}, {"lever_value", "value"}, {"status", "status"}, {"progress", "progress"}, {"train_success", "train success"},
        {"test_intended", "test intended"}, {"test_misgeneralized", "test misgen."}, {"git_commit", "commit"}, {"mesalab", "version"}};

    static String run(Map<String, Object> data, String diagnoses) {
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) data.get("run");
        String id = (String) r.get("run_id");
        StringBuilder h = head("run " + id, "run");
        h.append("<h2>Run <code id=\"run-id\">").append(esc(id)).append("</code></h2>\n<table class=\"info\">");
        row(h, "status", "<span id=\"status\">" + esc(String.valueOf(r.get("status"))) + "</span> <span id=\"progress\"></span>");
        for (String k : List.of("experiment", "condition", "seed", "agent", "env", "lever", "lever_value", "steps", "git_commit", "finished", "wall_seconds")) {
            if (r.get(k) != null && !String.valueOf(r.get(k)).isEmpty()) {
                row(h, k.replace('_', ' '), esc(String.valueOf(r.get(k))));
            }
        }
        if (r.get("versions") instanceof JsonNode v && !v.isMissingNode() && !v.isNull()) {
            row(h, "versions", esc(v.toString()));
        }
        if (r.get("experiment") != null && !String.valueOf(r.get("experiment")).isEmpty()) {
            row(h, "compare", "<a href=\"/compare?condition=" + url(r.get("experiment") + "/" + r.get("condition")) + "\">all seeds of this condition</a>");
        }
        h.append("</table>\n<h3>Learning curve</h3>\n<div class=\"curve\" id=\"curve\" data-id=\"").append(esc(id)).append("\"></div>\n");
        h.append("<h3>Outcomes</h3>\n");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ev = (List<Map<String, Object>>) data.get("evaluations");
        if (ev.isEmpty()) {
            h.append("<p id=\"no-evaluations\">Not evaluated yet: the runner evaluates a run when its training ends and stores it; this page reloads"
                    + " when it appears in the store.</p>\n");
        } else {
            h.append("<table id=\"evaluations\"><thead><tr><th>split</th><th>objective</th><th>episodes</th><th>intended success [95%]</th><th>aligned</th>"
                    + "<th>goal misgeneralized [95%]</th><th>capability failure</th><th>mean steps</th></tr></thead><tbody>\n");
            for (Map<String, Object> e : ev) {
                h.append("<tr><td>").append(esc(String.valueOf(e.get("split")))).append("</td><td>").append(esc(String.valueOf(e.get("objective"))))
                        .append("</td><td>").append(e.get("episodes")).append("</td><td>").append(ci(e.get("intended_success"), e.get("intended_low"),
                                e.get("intended_high"))).append("</td><td>").append(pct(e.get("aligned"))).append("</td><td>")
                        .append(ci(e.get("goal_misgeneralized"), e.get("goal_misgeneralized_low"), e.get("goal_misgeneralized_high"))).append("</td><td>")
                        .append(pct(e.get("capability_failure"))).append("</td><td>").append(fmt(e.get("mean_steps"))).append("</td></tr>\n");
                if (e.get("warning") != null && !String.valueOf(e.get("warning")).isEmpty()) {
                    h.append("<tr><td colspan=\"8\" class=\"warning\">").append(esc(String.valueOf(e.get("warning")))).append("</td></tr>\n");
                }
            }
            h.append("</tbody></table>\n<p class=\"note\">Intervals: Wilson, over this run's episodes. For intervals over training seeds compare the "
                    + "condition's seeds or open the experiment's report.</p>\n");
        }
        h.append(diagnoses);
        h.append("<details><summary>configuration (config.json)</summary><pre>").append(esc(pretty(data.get("config")))).append("</pre></details>\n");
        return tail(h);
    }

    static String compare(List<String> ids, List<String> conditions, Map<String, Object> data) {
        StringBuilder h = head("compare", "compare");
        h.append("<h2>Compare</h2>\n<div class=\"curve\" id=\"curve\"></div>\n<p class=\"note\">Curves: train success while training; a condition's curve"
                + " is the mean over its runs at the steps all of them reached. Drag to zoom, double-click to zoom out.</p>\n");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> sel = (List<Map<String, Object>>) data.get("selections");
        h.append("<table id=\"outcomes\"><thead><tr><th>selection</th><th>runs</th><th>split</th><th>objective</th><th>intended success</th><th>aligned</th>"
                + "<th>goal misgeneralized [95%]</th><th>capability failure</th><th>interval (95%)</th></tr></thead><tbody>\n");
        for (Map<String, Object> s : sel) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> rows = (List<Map<String, Object>>) s.get("outcomes");
            for (Map<String, Object> o : rows) {
                h.append("<tr><td>").append(esc(String.valueOf(s.get("name")))).append("</td><td>").append(o.get("runs")).append("</td><td>")
                        .append(esc(String.valueOf(o.get("split")))).append("</td><td>").append(esc(String.valueOf(o.get("objective")))).append("</td><td>")
                        .append(ci(o.get("intended_success"), o.get("intended_success_low"), o.get("intended_success_high"))).append("</td><td>")
                        .append(pct(o.get("aligned"))).append("</td><td>")
                        .append(ci(o.get("goal_misgeneralized"), o.get("goal_misgeneralized_low"), o.get("goal_misgeneralized_high"))).append("</td><td>")
                        .append(pct(o.get("capability_failure"))).append("</td><td>").append(esc(String.valueOf(o.get("interval")))).append("</td></tr>\n");
            }
        }
        h.append("</tbody></table>\n");
        if (sel.size() > 1) {
            h.append("<h3>Probability of improvement over ").append(esc(String.valueOf(sel.get(0).get("name")))).append("</h3>\n<table id=\"improvement\">"
                    + "<thead><tr><th>selection</th><th>P(better on a test level) [95%]</th><th>shared test levels</th></tr></thead><tbody>\n");
            for (Map<String, Object> s : sel.subList(1, sel.size())) {
                @SuppressWarnings("unchecked")
                Map<String, Object> p = (Map<String, Object>) s.get("p_improvement");
                h.append("<tr><td>").append(esc(String.valueOf(s.get("name")))).append("</td><td>")
                        .append(p.containsKey("value") ? fmt(p.get("value")) + " [" + fmt(p.get("low")) + ", " + fmt(p.get("high")) + "]" : esc(String.valueOf(p.get("note"))))
                        .append("</td><td>").append(p.get("levels")).append("</td></tr>\n");
            }
            h.append("</tbody></table>\n<p class=\"note\">Per test level (policy or learned objective): the share of a selection's runs that reached the intended"
                    + " goal there; P counts the levels where this selection does better than the first, ties half; interval: bootstrap over the levels."
                    + " 0.5 = no difference.</p>\n");
        }
        h.append("<p class=\"links\">");
        for (String id : ids) {
            h.append("<a href=\"/run?id=").append(url(id)).append("\">").append(esc(id)).append("</a> ");
        }
        h.append("</p>\n");
        return tail(h).replace("<body data-page=\"compare\">", "<body data-page=\"compare\" data-query=\"" + esc(query(ids, conditions)) + "\">");
    }

    static String error(int status, String message) {
        StringBuilder h = head("error " + status, "error");
        h.append("<h2>").append(status == 404 ? "Not found" : status == 400 ? "Bad request" : status == 503 ? "Busy" : "Error").append("</h2>\n<p id=\"error\">")
                .append(esc(message)).append("</p>\n<p><a href=\"/\">back to the runs</a></p>\n");
        return tail(h);
    }

    static String query(List<String> ids, List<String> conditions) {
        StringBuilder q = new StringBuilder();
        ids.forEach(i -> q.append(q.length() == 0 ? "" : "&").append("id=").append(url(i)));
        conditions.forEach(c -> q.append(q.length() == 0 ? "" : "&").append("condition=").append(url(c)));
        return q.toString();
    }

    private static StringBuilder head(String title, String page) {
        return new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<link rel=\"stylesheet\" href=\"/assets/uPlot.min.css\"><link rel=\"stylesheet\" href=\"/assets/report.css\"><link rel=\"stylesheet\" href=\"/assets/dashboard.css\">\n"
                        + "<script src=\"/assets/uPlot.iife.min.js\" defer></script><script src=\"/assets/player.js\" defer></script>"
                        + "<script src=\"/assets/dashboard.js\" defer></script>\n</head><body data-page=\"")
                .append(page).append("\">\n<header><a href=\"/\">mesalab</a> dashboard <span id=\"busy\"></span></header>\n");
    }

    private static String tail(StringBuilder h) {
        return h.append("</body></html>\n").toString();
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(v).append("</td></tr>");
    }

    private static String ci(Object v, Object lo, Object hi) {
        return pct(v) + " [" + pct(lo) + ", " + pct(hi) + "]";
    }

    static String pct(Object o) {
        return o instanceof Number n ? String.format("%.1f%%", 100 * n.doubleValue()) : "-";
    }

    private static String fmt(Object o) {
        return o instanceof Number n ? String.format("%.3g", n.doubleValue()) : "-";
    }

    private static String pretty(Object config) {
        try {
            return config == null ? "(none)" : org.mesalab.lab.experiment.Json.MAPPER.writeValueAsString(config);
        } catch (java.io.IOException e) {
            return String.valueOf(config);
        }
    }

    static String url(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
