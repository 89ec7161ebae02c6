package org.mesalab.core.render;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.mesalab.core.UsageException;
import org.mesalab.core.eval.Episode;

/**
 * Where a set of episodes went: state visitation (every cell the agent occupied, each step) or
 * where episodes ended (the last cell), counted per grid cell and drawn as a heatmap, PNG or SVG.
 * Colour is the share of the maximum count on a square-root scale, so rare cells stay visible.
 */
public final class Heatmap {
    private Heatmap() {
    }

    /** Counts {@code [height][width]}; {@code ends} counts only each episode's final cell. */
    public static int[][] counts(List<Episode> episodes, int width, int height, boolean ends) {
        int[][] c = new int[height][width];
        for (Episode ep : episodes) {
            int[] p = ep.positions();
            if (ends) {
                c[p[p.length - 1]][p[p.length - 2]]++;
            } else {
                for (int i = 0; i < p.length; i += 2) {
                    c[p[i + 1]][p[i]]++;
                }
            }
        }
        return c;
    }

    static Color colour(double share) {
        double s = Math.sqrt(Math.max(0, Math.min(1, share)));
        // white -> orange -> dark red
        int r = (int) Math.round(255 - 90 * s);
        int g = (int) Math.round(255 - 235 * s);
        int b = (int) Math.round(255 - 225 * s);
        return new Color(r, g, b);
    }

    /** Writes a PNG or, for a {@code .svg} file, an SVG of the counts with a title and the maximum. */
    public static void write(int[][] counts, String title, Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".svg")) {
            String svg = svg(counts, title);
            Path dir = file.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new UsageException("cannot write " + file + ": directory " + dir + " does not exist");
            }
            try {
                Path tmp = Files.createTempFile(dir, ".mesalab-", ".tmp");
                Files.writeString(tmp, svg, StandardCharsets.UTF_8);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.io.IOException e) {
                throw new UsageException("cannot write " + file + ": " + org.mesalab.core.UsageException.why(e));
            }
            return;
        }
        Layout l = new Layout(counts, title);
        int cell = Layout.CELL;
        BufferedImage img = new BufferedImage(l.width, l.height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(l.caption, 4, 16);
        for (int y = 0; y < l.rows; y++) {
            for (int x = 0; x < l.columns; x++) {
                g.setColor(colour((double) counts[y][x] / l.max));
                g.fillRect(x * cell, 24 + y * cell, cell, cell);
                g.setColor(new Color(0xdddddd));
                g.drawRect(x * cell, 24 + y * cell, cell, cell);
            }
        }
        g.dispose();
        Renderer.writePng(img, file);
    }

    /** Where the cells and the caption go, the same in PNG and SVG: 32-pixel cells under a 24-pixel caption. */
    private static final class Layout {
        static final int CELL = 32;
        final int rows;
        final int columns;
        final int max;
        final String caption;
        final int width;
        final int height;

        Layout(int[][] counts, String title) {
            rows = counts.length;
            columns = counts[0].length;
            max = max(counts);
            caption = title + " (darkest = " + max + ")";
            width = Math.max(columns * CELL, caption.length() * 7 + 12);
            height = rows * CELL + 24;
        }
    }

    /** The counts as SVG markup, each cell with a tooltip of its count. */
    public static String svg(int[][] counts, String title) {
        Layout l = new Layout(counts, title);
        int cell = Layout.CELL;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">%n", l.width, l.height));
        svg.append(String.format("<text x=\"4\" y=\"16\" font-family=\"sans-serif\" font-size=\"12\">%s</text>%n", escape(l.caption)));
        for (int y = 0; y < l.rows; y++) {
            for (int x = 0; x < l.columns; x++) {
                Color c = colour((double) counts[y][x] / l.max);
                svg.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%02x%02x%02x\" stroke=\"#dddddd\"><title>(%d, %d): %d</title></rect>%n",
                        x * cell, 24 + y * cell, cell, cell, c.getRed(), c.getGreen(), c.getBlue(), x, y, counts[y][x]));
            }
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** The largest count, at least 1 (the colour scale's top). */
    private static int max(int[][] counts) {
        int max = 1;
        for (int[] row : counts) {
            for (int v : row) {
                max = Math.max(max, v);
            }
        }
        return max;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
