package org.mesalab.lab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.apache.batik.dom.GenericDOMImplementation;
import org.apache.batik.svggen.SVGGraphics2D;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.w3c.dom.DOMImplementation;
import org.w3c.dom.Document;

/**
 * The report's charts: JFreeChart plots drawn into Batik's SVG {@code Graphics2D}, returned as inline
 * SVG markup (no network, no files).
 */
final class Charts {
    static final Color ALIGNED = new Color(0x1b9e77);
    static final Color MISGENERALIZED = new Color(0xd95f02);
    static final Color FAILURE = new Color(0x9e9e9e);
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    private static final java.util.concurrent.atomic.AtomicInteger CHARTS = new java.util.concurrent.atomic.AtomicInteger();

    private Charts() {
    }

    /** A point with a 95% interval. */
    record Point(String label, double x, double value, double low, double high) {
    }

    static String svg(JFreeChart chart, int width, int height) {
        DOMImplementation dom = GenericDOMImplementation.getDOMImplementation();
        Document doc = dom.createDocument("http://www.w3.org/2000/svg", "svg", null);
        SVGGraphics2D g = new SVGGraphics2D(doc);
        g.setSVGCanvasSize(new java.awt.Dimension(width, height));
        chart.draw(g, new java.awt.geom.Rectangle2D.Double(0, 0, width, height));
        StringWriter w = new StringWriter();
        try {
            g.stream(w, true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot draw chart: " + e.getMessage(), e);
        }
        String s = w.toString();
        int start = s.indexOf("<svg");
        // Batik numbers its clip paths from 1 in every drawing; inline SVGs share the page's id space, so make them unique.
        String prefix = "c" + CHARTS.incrementAndGet() + "-";
        return s.substring(start < 0 ? 0 : start).replace("id=\"clipPath", "id=\"" + prefix + "clipPath")
                .replace("url(#clipPath", "url(#" + prefix + "clipPath");
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        if (chart.getLegend() != null) {
            chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        }
    }

    /** Train success over env steps, one line per condition. */
    static String learningCurves(String title, Map<String, List<double[]>> curves) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, List<double[]>> e : curves.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false, true);
            for (double[] p : e.getValue()) {
                if (Double.isFinite(p[1])) {
                    s.add(p[0], p[1]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "env steps", "train success (last 100 episodes)", data,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1.02);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        style(chart);
        return svg(chart, 760, 340);
    }

    /** Stacked outcome shares per row label (aligned / goal misgeneralized / capability failure). */
    static String outcomeBars(String title, Map<String, double[]> rows) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            data.addValue(e.getValue()[0], "aligned", e.getKey());
            data.addValue(e.getValue()[1], "goal misgeneralized", e.getKey());
            data.addValue(e.getValue()[2], "capability failure", e.getKey());
        }
        JFreeChart chart = ChartFactory.createStackedBarChart(title, null, "share of episodes", data, PlotOrientation.HORIZONTAL,
                true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        StackedBarRenderer r = (StackedBarRenderer) plot.getRenderer();
        r.setSeriesPaint(0, ALIGNED);
        r.setSeriesPaint(1, MISGENERALIZED);
        r.setSeriesPaint(2, FAILURE);
        r.setShadowVisible(false);
        r.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1);
        plot.getDomainAxis().setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        style(chart);
        return svg(chart, 760, Math.max(180, 60 + 26 * rows.size()));
    }

    /** Rates with 95% intervals at labelled positions (one series), e.g. test misgeneralization per condition. */
    static String intervals(String title, String yLabel, List<Point> points) {
        YIntervalSeries s = new YIntervalSeries(yLabel);
        String[] labels = new String[points.size()];
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            s.add(i, p.value(), p.low(), p.high());
            labels[i] = p.label();
        }
        SymbolAxis x = new SymbolAxis(null, labels);
        x.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        x.setVerticalTickLabels(points.size() > 4);
        XYErrorRenderer r = new XYErrorRenderer();
        r.setDefaultLinesVisible(false);
        r.setErrorPaint(Color.DARK_GRAY);
        return svg(rateChart(title, s, x, yLabel, r), 760, 360);
    }

    /** A lever curve: the rate (with 95% intervals) against the lever's value. */
    static String lever(String title, String lever, String yLabel, List<Point> points) {
        YIntervalSeries s = new YIntervalSeries(yLabel);
        for (Point p : points) {
            s.add(p.x(), p.value(), p.low(), p.high());
        }
        NumberAxis x = new NumberAxis(lever);
        x.setAutoRangeIncludesZero(true);
        XYErrorRenderer r = new XYErrorRenderer();
        r.setDefaultLinesVisible(true);
        r.setSeriesStroke(0, new BasicStroke(2f));
        return svg(rateChart(title, s, x, yLabel, r), 620, 340);
    }

    /** One series of rates in [0, 1] with 95% error bars over axis {@code x}, drawn by {@code r}. */
    private static JFreeChart rateChart(String title, YIntervalSeries s, org.jfree.chart.axis.ValueAxis x, String yLabel, XYErrorRenderer r) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        data.addSeries(s);
        NumberAxis y = new NumberAxis(yLabel);
        y.setRange(0, 1.02);
        r.setSeriesPaint(0, MISGENERALIZED);
        r.setCapLength(8);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 13), plot, false);
        style(chart);
        return chart;
    }

    /** Posterior over candidate objectives (bars). */
    static String posterior(String title, Map<String, Double> posterior) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        posterior.forEach((k, v) -> data.addValue(v, "posterior", k));
        JFreeChart chart = ChartFactory.createBarChart(title, null, "posterior", data, PlotOrientation.HORIZONTAL, false, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        org.jfree.chart.renderer.category.BarRenderer r = (org.jfree.chart.renderer.category.BarRenderer) plot.getRenderer();
        r.setSeriesPaint(0, PALETTE[0]);
        r.setShadowVisible(false);
        r.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1);
        plot.getDomainAxis().setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        style(chart);
        return svg(chart, 420, Math.max(160, 50 + 20 * posterior.size()));
    }
}
