package org.mesalab.lab;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** Versions for the version line and for run manifests. */
final class Versions implements CommandLine.IVersionProvider {
    static String mesalab() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    static Map<String, Object> all() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mesalab", mesalab());
        m.put("java", System.getProperty("java.version"));
        m.put("djl", ai.djl.engine.Engine.getDjlVersion());
        m.put("pytorch", org.mesalab.agents.Torch.version());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        return m;
    }

    /** The source tree's commit (with "-dirty" for uncommitted changes), or "unknown" outside a git checkout. */
    static String gitCommit() {
        String home = System.getProperty("mesalab.home", ".");
        String head = git(home, "rev-parse", "HEAD");
        if (head == null || head.isEmpty()) {
            return "unknown";
        }
        String status = git(home, "status", "--porcelain", "--untracked-files=no");
        return head + (status != null && !status.isEmpty() ? "-dirty" : "");
    }

    private static String git(String dir, String... args) {
        try {
            String[] cmd = new String[args.length + 3];
            cmd[0] = "git";
            cmd[1] = "-C";
            cmd[2] = Path.of(dir).toAbsolutePath().toString();
            System.arraycopy(args, 0, cmd, 3, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"mesalab " + mesalab() + " (Java " + System.getProperty("java.version") + ")"};
    }
}
