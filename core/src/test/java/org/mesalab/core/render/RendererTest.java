package org.mesalab.core.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mesalab.core.Distribution;
import org.mesalab.core.Env;
import org.mesalab.core.EnvType;
import org.mesalab.core.UsageException;
import org.mesalab.core.envs.Envs;
import org.mesalab.core.eval.Episode;
import org.mesalab.core.solve.Oracles;

class RendererTest {

    @Test
    void asciiShowsTheAgentAndGoal(@TempDir Path dir) {
        Distribution d = Envs.get("maze").distribution("train", Map.of());
        Env env = d.create();
        env.reset(d.levelSeed(0));
        String[] rows = Renderer.ascii(env);
        assertEquals(env.height, rows.length);
        assertEquals('A', rows[env.height - 1].charAt(0), "agent starts bottom-left");
        assertEquals('C', rows[0].charAt(env.width - 1), "train cheese top-right");
    }

    @Test
    void pngAndAnimatedGifAreReadable(@TempDir Path dir) throws Exception {
        for (EnvType t : Envs.all()) {
            Distribution d = t.distribution("test", Map.of());
            Env env = d.create();
            List<BufferedImage> frames = new ArrayList<>();
            Episode.play(env, Oracles.oracle(t.intended()), d.levelSeed(1),
                    e -> frames.add(Renderer.image(e, 16, false, t.name())));
            env.reset(d.levelSeed(1));
            Path png = dir.resolve(t.name() + ".png");
            Renderer.writePng(Renderer.image(env, 24, true, null), png);
            BufferedImage read = ImageIO.read(png.toFile());
            assertTrue(read.getWidth() >= env.width * 24);
            Path gif = dir.resolve(t.name() + ".gif");
            Renderer.writeGif(frames, gif, 120);
            try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
                ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
                reader.setInput(in);
                assertEquals(frames.size(), reader.getNumImages(true));
            }
            assertTrue(frames.size() >= 2);
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files left");
        }
    }

    @Test
    void unwritableTargetIsAUsageError(@TempDir Path dir) {
        Distribution d = Envs.get("lava").distribution("train", Map.of());
        Env env = d.create();
        env.reset(d.levelSeed(0));
        UsageException e = assertThrows(UsageException.class,
                () -> Renderer.writePng(Renderer.image(env, 8, false, null), Path.of("/proc/missing/dir/x.png")));
        assertTrue(e.getMessage().contains("/proc/missing/dir/x.png cannot be written"), e.getMessage());
        // The one rule for outputs: missing parent folders are created.
        Renderer.writePng(Renderer.image(env, 8, false, null), dir.resolve("missing/dir/x.png"));
        assertTrue(Files.isRegularFile(dir.resolve("missing/dir/x.png")));
    }
}
