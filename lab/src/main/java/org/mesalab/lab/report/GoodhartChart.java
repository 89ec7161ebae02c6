package org.mesalab.lab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.mesalab.core.goodhart.Curve;
import org.mesalab.core.goodhart.Fit;

/**
 * A Goodhart curve as Gao et al. draw it: gold (left axis, with its fit) and proxy (right axis) against
 * the optimization distance d = sqrt(KL), 95% intervals over levels as error bars.
 */
public final class GoodhartChart {
    private static final Color GOLD = new Color(0xb8860b);
    private static final Color PROXY = new Color(0x1f77b4);

    private GoodhartChart() {
    }

    static JFreeChart chart(Curve c) {
        YIntervalSeries gold = new YIntervalSeries("gold: " + c.gold());
        YIntervalSeries proxy = new YIntervalSeries("proxy: " + c.proxy());
        for (Curve.Point p : c.points()) {
            gold.add(p.d(), p.gold().value(), p.gold().low(), p.gold().high());
            proxy.add(p.d(), p.proxy().value(), p.proxy().low(), p.proxy().high());
        }
        YIntervalSeriesCollection goldData = new YIntervalSeriesCollection();
        goldData.addSeries(gold);
        YIntervalSeriesCollection proxyData = new YIntervalSeriesCollection();
        proxyData.addSeries(proxy);
        NumberAxis x = new NumberAxis("d = sqrt(KL from the base policy, nats)" + (c.klSource().equals("measured") ? ", measured" : ""));
        NumberAxis yGold = new NumberAxis("gold (mean over levels)");
        yGold.setAutoRangeIncludesZero(true);
        XYErrorRenderer rg = new XYErrorRenderer();
        rg.setDefaultLinesVisible(true);
        rg.setSeriesPaint(0, GOLD);
        rg.setSeriesStroke(0, new BasicStroke(2f));
        rg.setErrorPaint(GOLD);
        XYPlot plot = new XYPlot(goldData, x, yGold, rg);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));

        NumberAxis yProxy = new NumberAxis("proxy (mean over levels)");
        yProxy.setAutoRangeIncludesZero(true);
        XYErrorRenderer rp = new XYErrorRenderer();
        rp.setDefaultLinesVisible(true);
        rp.setSeriesPaint(0, PROXY);
        rp.setSeriesStroke(0, new BasicStroke(2f));
        rp.setErrorPaint(PROXY);
        plot.setDataset(1, proxyData);
        plot.setRangeAxis(1, yProxy);
        plot.mapDatasetToRangeAxis(1, 1);
        plot.setRenderer(1, rp);

        Fit fit = c.mainFit();
        if (Double.isFinite(fit.alpha())) {
            XYSeries f = new XYSeries(String.format(java.util.Locale.ROOT, "fit d(%.3f - %.3f %s), R^2 %.2f", fit.alpha(), fit.beta(),
                    fit.form().equals(Fit.RL) ? "ln d" : "d", fit.r2()));
            double max = c.points().get(c.points().size() - 1).d();
            double base = c.peak().baseGold();
            for (int i = 0; i <= 60; i++) {
                double d = max * i / 60;
                f.add(d, base + fit.predict(d));
            }
            XYLineAndShapeRenderer rf = new XYLineAndShapeRenderer(true, false);
            rf.setSeriesPaint(0, GOLD.darker());
            rf.setSeriesStroke(0, new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f));
            plot.setDataset(2, new XYSeriesCollection(f));
            plot.setRenderer(2, rf);
        }
        String title = c.optimizer() + " on '" + c.proxy() + "' (" + c.levels() + " levels)";
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 13), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Inline SVG markup for the report. */
    public static String svg(Curve c) {
        return Charts.svg(chart(c), 760, 380);
    }

    /** Writes the chart to {@code file}: SVG when it ends in .svg, PNG otherwise; replaced whole or not at all. */
    public static void write(Curve c, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        Path tmp = Files.createTempFile(abs.getParent(), ".goodhart", ".tmp");
        try {
            if (file.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".svg")) {
                Files.writeString(tmp, svg(c), StandardCharsets.UTF_8);
            } else {
                ChartUtils.saveChartAsPNG(tmp.toFile(), chart(c), 900, 450);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
