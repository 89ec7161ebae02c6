package org.mesalab.core.render;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.mesalab.core.Env;
import org.mesalab.core.UsageException;

/**
 * Pictures of levels: ASCII rows, PNG frames with a legend, and animated GIF rollouts. Pure JDK
 * (AWT in headless mode and ImageIO), so nothing extra is needed to render on a server.
 */
public final class Renderer {
    /** Colours by legend name; readable on screen and in print, distinct for the common colour-blindness types. */
    private static final Map<String, Color> COLOURS = Map.ofEntries(
            Map.entry("wall", new Color(0x3b3b3b)),
            Map.entry("ground", new Color(0x5b4636)),
            Map.entry("floor", new Color(0xf4f1ea)),
            Map.entry("air", new Color(0xdfeefa)),
            Map.entry("cheese", new Color(0xf2c12e)),
            Map.entry("agent", new Color(0x1f5fbf)),
            Map.entry("key", new Color(0xe69f00)),
            Map.entry("chest", new Color(0x8c510a)),
            Map.entry("lava", new Color(0xd55e00)),
            Map.entry("goal", new Color(0x009e73)),
            Map.entry("saw", new Color(0xcc0033)),
            Map.entry("coin", new Color(0xffd700)),
            Map.entry("exit", new Color(0x009e73)));

    private Renderer() {
    }

    /** Rows of the level with the agent as 'A'; (0, 0) is the first character of the first row. */
    public static String[] ascii(Env env) {
        String[] rows = new String[env.height];
        for (int y = 0; y < env.height; y++) {
            StringBuilder b = new StringBuilder(env.width);
            for (int x = 0; x < env.width; x++) {
                b.append(x == env.agentX() && y == env.agentY() ? 'A' : env.cell(x, y));
            }
            rows[y] = b.toString();
        }
        return rows;
    }

    /** Rows of the level without the agent, as in {@code mesalab level --json}'s {@code grid}. */
    public static String[] grid(Env env) {
        String[] rows = new String[env.height];
        for (int y = 0; y < env.height; y++) {
            StringBuilder b = new StringBuilder(env.width);
            for (int x = 0; x < env.width; x++) {
                b.append(env.cell(x, y));
            }
            rows[y] = b.toString();
        }
        return rows;
    }

    public static Color colour(String legendName) {
        return COLOURS.getOrDefault(legendName, Color.MAGENTA);
    }

    /** One frame: cells of {@code cell} pixels; with {@code legend}, a key of symbols below the grid. */
    public static BufferedImage image(Env env, int cell, boolean legend, String caption) {
        Map<Character, String> names = env.legend();
        int gridW = env.width * cell;
        int gridH = env.height * cell;
        int entries = names.size();
        int legendRows = legend ? (entries + 2) / 3 : 0;
        int captionH = caption == null ? 0 : 18;
        int w = Math.max(gridW, legend ? 360 : 0);
        int h = captionH + gridH + legendRows * 18 + (legend ? 6 : 0);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        if (caption != null) {
            g.setColor(Color.BLACK);
            g.drawString(caption, 4, 13);
        }
        String floor = names.getOrDefault('.', "floor");
        for (int y = 0; y < env.height; y++) {
            for (int x = 0; x < env.width; x++) {
                char c = env.cell(x, y);
                int px = x * cell;
                int py = captionH + y * cell;
                g.setColor(colour(floor));
                g.fillRect(px, py, cell, cell);
                String name = names.get(c);
                if (c != '.' && name != null) {
                    g.setColor(colour(name));
                    if (name.equals("wall") || name.equals("ground") || name.equals("lava")) {
                        g.fillRect(px, py, cell, cell);
                    } else {
                        g.fillOval(px + cell / 6, py + cell / 6, cell - cell / 3, cell - cell / 3);
                    }
                }
            }
        }
        int ax = env.agentX() * cell;
        int ay = captionH + env.agentY() * cell;
        g.setColor(colour("agent"));
        g.fillRoundRect(ax + cell / 8, ay + cell / 8, cell - cell / 4, cell - cell / 4, cell / 3, cell / 3);
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke(Math.max(1, cell / 12f)));
        g.drawRoundRect(ax + cell / 8, ay + cell / 8, cell - cell / 4, cell - cell / 4, cell / 3, cell / 3);
        if (legend) {
            int i = 0;
            for (Map.Entry<Character, String> e : new TreeMap<>(names).entrySet()) {
                int lx = 6 + (i % 3) * 118;
                int ly = captionH + gridH + 6 + (i / 3) * 18;
                g.setColor(colour(e.getValue()));
                g.fillRect(lx, ly, 12, 12);
                g.setColor(Color.DARK_GRAY);
                g.drawRect(lx, ly, 12, 12);
                g.setColor(Color.BLACK);
                g.drawString("'" + e.getKey() + "' " + e.getValue(), lx + 17, ly + 11);
                i++;
            }
        }
        g.dispose();
        return img;
    }

    public static void writePng(BufferedImage img, Path file) {
        write(file, tmp -> ImageIO.write(img, "png", tmp.toFile()));
    }

    /** An animated, looping GIF of {@code frames}, {@code delayMs} per frame. */
    public static void writeGif(List<BufferedImage> frames, Path file, int delayMs) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("no frames");
        }
        write(file, tmp -> {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
                writer.setOutput(out);
                writer.prepareWriteSequence(null);
                for (BufferedImage frame : frames) {
                    ImageTypeSpecifier type = ImageTypeSpecifier.createFromRenderedImage(frame);
                    IIOMetadata meta = writer.getDefaultImageMetadata(type, null);
                    String format = meta.getNativeMetadataFormatName();
                    IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
                    IIOMetadataNode gce = child(root, "GraphicControlExtension");
                    gce.setAttribute("disposalMethod", "none");
                    gce.setAttribute("userInputFlag", "FALSE");
                    gce.setAttribute("transparentColorFlag", "FALSE");
                    gce.setAttribute("delayTime", Integer.toString(Math.max(1, delayMs / 10)));
                    gce.setAttribute("transparentColorIndex", "0");
                    IIOMetadataNode apps = child(root, "ApplicationExtensions");
                    IIOMetadataNode loop = new IIOMetadataNode("ApplicationExtension");
                    loop.setAttribute("applicationID", "NETSCAPE");
                    loop.setAttribute("authenticationCode", "2.0");
                    loop.setUserObject(new byte[] {1, 0, 0}); // loop forever
                    apps.appendChild(loop);
                    meta.setFromTree(format, root);
                    writer.writeToSequence(new IIOImage(frame, null, meta), null);
                }
                writer.endWriteSequence();
            } finally {
                writer.dispose();
            }
            return true;
        });
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (int i = 0; i < root.getLength(); i++) {
            if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
                return (IIOMetadataNode) root.item(i);
            }
        }
        IIOMetadataNode node = new IIOMetadataNode(name);
        root.appendChild(node);
        return node;
    }

    private interface Writer {
        boolean write(Path tmp) throws IOException;
    }

    /** Write-then-rename: a failed or interrupted write never leaves a half-written file at {@code file}. */
    private static void write(Path file, Writer w) {
        Path dir = org.mesalab.core.OutputFile.prepare(file, "output").toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, ".mesalab-", ".tmp");
            if (!w.write(tmp)) {
                throw new IOException("no image writer");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UsageException("cannot write " + file + ": " + org.mesalab.core.UsageException.why(e));
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
