package org.mesalab.core.render;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import org.mesalab.core.Env;

/**
 * A level next to scalar fields over its cells (what an objective says about each cell): one panel
 * per field, coloured from its minimum (light) to its maximum (dark blue), blank where undefined
 * (NaN: walls, unreachable cells), each with its title and range.
 */
public final class FieldPicture {
    /** One panel: {@code values[y][x]}, NaN where undefined. */
    public record Field(String title, double[][] values) {
    }

    private FieldPicture() {
    }

    public static BufferedImage image(Env env, String caption, List<Field> fields) {
        int cell = 28;
        BufferedImage level = Renderer.image(env, cell, false, "level");
        int panelW = Math.max(env.width * cell, 190);
        int panelH = 36 + env.height * cell;
        int w = level.getWidth() + 12 + fields.size() * (panelW + 12);
        int h = 22 + Math.max(level.getHeight(), panelH) + 6;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString(caption, 4, 15);
        g.drawImage(level, 0, 22, null);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int x0 = level.getWidth() + 12;
        for (Field f : fields) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : f.values()) {
                for (double v : row) {
                    if (!Double.isNaN(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            g.setColor(Color.BLACK);
            g.drawString(f.title(), x0, 22 + 12);
            g.drawString(String.format("range [%.3g, %.3g]", min, max), x0, 22 + 26);
            double span = max > min ? max - min : 1;
            for (int y = 0; y < env.height; y++) {
                for (int x = 0; x < env.width; x++) {
                    double v = f.values()[y][x];
                    int px = x0 + x * cell;
                    int py = 22 + 32 + y * cell;
                    if (Double.isNaN(v)) {
                        g.setColor(new Color(0x333333));
                    } else {
                        double s = (v - min) / span;
                        g.setColor(new Color((int) (240 - 200 * s), (int) (245 - 170 * s), (int) (250 - 90 * s)));
                    }
                    g.fillRect(px, py, cell, cell);
                    g.setColor(new Color(0xcccccc));
                    g.drawRect(px, py, cell, cell);
                }
            }
            x0 += panelW + 12;
        }
        g.dispose();
        return img;
    }
}
