package org.mesalab.lab;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.mesalab.core.UsageException;
import org.mesalab.lab.serve.Dashboard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", footer = {"", "Examples:", "  mesalab serve", "  mesalab serve --db runs/mesalab.duckdb --port 8420",
    "  mesalab run experiments/coin-lever.yaml --serve    # the dashboard beside a running experiment"},
        description = {"A live dashboard over the results store and the run directories: runs (filter, sort), a run's learning",
            "curve, outcomes, heatmaps, rollouts and objective pictures, comparisons with probability of improvement, the",
            "experiments' reports. Runs still training update without a reload. Read-only; bound to 127.0.0.1 unless --host",
            "says otherwise. Ctrl-C stops it."})
final class ServeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Mixin
    StoreOption store;

    @Option(names = "--runs", paramLabel = "DIR", description = "the run directories to watch for live runs (default: the store's folder, where mesalab run --out puts them)")
    Path runs;

    @Option(names = "--port", defaultValue = "8420", description = "port to listen on, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE}, this machine only); anything else"
            + " lets other machines read your results")
    String host;

    @Override
    public void run() {
        Path db = store.db;
        if (!Files.exists(db)) {
            throw new UsageException("no results store at " + db + "; run an experiment first (mesalab run SPEC or mesalab demo) or give --db FILE");
        }
        if (!Files.isRegularFile(db)) {
            throw new UsageException("the results store " + db + " is not a file; allowed: a DuckDB file written by mesalab run (--db FILE)");
        }
        Path dir = runs != null ? runs : db.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--runs=" + runs + " is not a directory; allowed: the --out folder of mesalab run");
        }
        try (Dashboard d = start(db, dir, host, port, spec.commandLine().getErr())) {
            spec.commandLine().getOut().printf("dashboard: http://%s:%d/  (store %s, runs %s; Ctrl-C stops it)%n", urlHost(host), d.port(), db, dir);
            spec.commandLine().getOut().flush();
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts a dashboard (shared with {@code run --serve}); a host other than this machine gets a warning line. */
    static Dashboard start(Path db, Path runsDir, String host, int port, PrintWriter err) {
        if (port < 0 || port > 65535) {
            throw new UsageException("--port=" + port + " is out of range; allowed: 0 (any free port) to 65535");
        }
        try {
            if (!InetAddress.getByName(host).isLoopbackAddress()) {
                err.println("mesalab: warning: serving on " + host + ": other machines that reach it can read every result in " + db);
                err.flush();
            }
        } catch (UnknownHostException e) {
            throw new UsageException("--host=" + host + " is not an address of this machine; allowed: 127.0.0.1 (default), localhost, or an interface's address");
        }
        return new Dashboard(db, runsDir).start(host, port);
    }

    static String urlHost(String host) {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
