package org.mesalab.lab;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Runner;

/**
 * {@code run SPEC --spark MASTER}: the spec runs as an Apache Spark job, driven by the cluster module's
 * driver (the main class of its jar) in a child JVM on the cluster jar and the Spark jars Maven copied into
 * {@code spark-home/target/jars}. This keeps Spark out of the main jar: a user who never asks for a
 * cluster never loads it. The child is what {@code spark-submit} of that jar would run.
 */
public final class SparkLaunch {
    /**
     * The JVM options Spark's own launcher gives a driver on Java 17 (its {@code JavaModuleOptions}, Spark 4.2, less the
     * incubating vector module that only its machine learning library uses):
     * Spark reaches into {@code java.base} (direct buffers, serialization), which Java 17 closes by default.
     */
    public static final List<String> JAVA_OPTIONS = List.of("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "-Dio.netty.tryReflectionSetAccessible=true", "-Djava.awt.headless=true", "-Dai.djl.offline=true");

    private SparkLaunch() {
    }

    /** Runs the driver with {@code args} (the spec and its options), its output copied to {@code w} and {@code err}; returns its exit code. */
    static int run(List<String> args, PrintWriter w, PrintWriter err) {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        pb.environment().put("TORCH_CPP_LOG_LEVEL", "ERROR");
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put(Runner.CHILD_EXITS_WITH_PARENT, "1"); // the driver stops with this process, and its trainings with it
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        try {
            Process p = pb.start();
            Thread o = copy(p.getInputStream(), w);
            Thread e = copy(p.getErrorStream(), err);
            try {
                int rc = p.waitFor();
                o.join();
                e.join();
                return rc;
            } catch (InterruptedException x) {
                p.destroy();
                Thread.currentThread().interrupt();
                throw new UsageException("interrupted");
            }
        } catch (IOException x) {
            throw new UsageException("cannot start the Spark driver: " + UsageException.why(x));
        }
    }

    /** The driver's command line: Java with Spark's options, Spark's jars then the cluster jar, the jar's main class, {@code args}. */
    public static List<String> command(List<String> args) {
        Path home = home();
        Path jar = home.resolve("cluster/target/mesalab-cluster.jar");
        Path jars = home.resolve("spark-home/target/jars");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(jars)) {
            throw new UsageException("--spark needs the cluster module built (missing " + (Files.isRegularFile(jar) ? jars : jar) + "); allowed: build it"
                    + " with 'mvn -B -DskipTests package' in " + home);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(JAVA_OPTIONS);
        cmd.add("-cp");
        // Spark's jars first, as on a cluster (the application jar comes after them; its Jackson is relocated, so both keep theirs).
        cmd.add(jars.resolve("*") + java.io.File.pathSeparator + jar);
        cmd.add(mainClass(jar)); // the jar names its driver: this module knows the cluster module only as a built jar
        cmd.addAll(args);
        return cmd;
    }

    /** Copies a child's output line by line (the caller's streams may be a test's or a terminal's). */
    private static Thread copy(java.io.InputStream in, PrintWriter to) {
        Thread t = new Thread(() -> {
            try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    to.println(line);
                    to.flush();
                }
            } catch (IOException ignored) {
                // the driver is gone; its exit code tells
            }
        }, "spark-driver-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String mainClass(Path jar) {
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
            String main = f.getManifest() == null ? null : f.getManifest().getMainAttributes().getValue("Main-Class");
            if (main == null) {
                throw new UsageException(jar + " names no main class; allowed: the cluster jar as 'mvn -B -DskipTests package' builds it");
            }
            return main;
        } catch (IOException e) {
            throw new UsageException("cannot read " + jar + ": " + UsageException.why(e));
        }
    }

    /** The checkout: the launcher says where it is; otherwise two folders above the jar or classes this class came from. */
    public static Path home() {
        String h = System.getProperty("mesalab.home");
        if (h != null) {
            return Path.of(h);
        }
        try {
            Path here = Path.of(SparkLaunch.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            return here.getParent().getParent().getParent(); // lab/target/{mesalab.jar,classes} -> the checkout
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Path.of(".").toAbsolutePath();
        }
    }
}
