package org.mesalab.lab.serve;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mesalab.core.UsageException;
import org.mesalab.lab.experiment.Json;
import org.mesalab.lab.report.Report;

/**
 * {@code mesalab serve}: the results store and the run directories as a live, read-only website.
 * Pages: runs and experiments ({@code /}), one run ({@code /run?id=}), a comparison
 * ({@code /compare?id=&condition=}), an experiment's report ({@code /experiments/NAME/report}); the
 * same data as JSON under {@code /api/}. Only GET (and HEAD) answer; every response carries security
 * headers; user mistakes get a one-line page (400, 404), never a stack trace.
 */
public final class Dashboard implements AutoCloseable {
    /** Scripts from this server only, no inline script; styles may be inline (the report's SVG charts carry style attributes). */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self';"
            + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final StoreReader store;
    private final RunFolders folders;
    private final Api api;
    private final Map<String, Asset> assets;
    private final Javalin app;

    private record Asset(byte[] bytes, String type) {
    }

    /**
     * A dashboard over {@code db} and the run directories under {@code runsDir} (where {@code mesalab run --out}
     * puts them); not started.
     */
    public Dashboard(Path db, Path runsDir) {
        this.store = new StoreReader(db);
        this.folders = new RunFolders(runsDir);
        this.api = new Api(store, folders);
        this.assets = assets();
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.startup.startupWatcherEnabled = false;
            // Requests Jetty refuses before routing (an encoded '..' in the path): its error page, with the same headers, no stack.
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new org.eclipse.jetty.server.handler.ErrorHandler() {
                @Override
                public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                      org.eclipse.jetty.util.Callback callback) throws Exception {
                    HEADERS.forEach((k, v) -> response.getHeaders().put(k, v));
                    return super.handle(request, response, callback);
                }
            }));
            cfg.routes.before(Dashboard::headers);
            cfg.routes.get("/", ctx -> ctx.html(Pages.index(store, folders)));
            cfg.routes.get("/run", ctx -> {
                String id = Names.runId(ctx.queryParam("id"));
                ctx.html(Pages.run(api.run(id), api.diagnoses(id)));
            });
            cfg.routes.get("/compare", ctx -> {
                List<String> ids = ctx.queryParams("id");
                List<String> conditions = ctx.queryParams("condition");
                ctx.html(Pages.compare(ids, conditions, api.compare(ids, conditions)));
            });
            cfg.routes.get("/experiments/{name}", ctx -> ctx.redirect("/experiments/" + Pages.url(Names.experiment(ctx.pathParam("name"))) + "/report"));
            cfg.routes.get("/experiments/{name}/report", ctx -> {
                String html = api.report(ctx.pathParam("name"));
                ctx.header("Content-Security-Policy", reportPolicy(html));
                ctx.html(html);
            });
            cfg.routes.get("/api/status", ctx -> json(ctx, status()));
            cfg.routes.get("/api/experiments", ctx -> json(ctx, api.experiments()));
            cfg.routes.get("/api/runs", ctx -> json(ctx, api.runs()));
            cfg.routes.get("/api/run", ctx -> json(ctx, api.run(ctx.queryParam("id"))));
            cfg.routes.get("/api/metrics", ctx -> json(ctx, api.metrics(ctx.queryParam("id"), after(ctx.queryParam("after")))));
            cfg.routes.get("/api/compare", ctx -> json(ctx, api.compare(ctx.queryParams("id"), ctx.queryParams("condition"))));
            cfg.routes.get("/assets/{name}", ctx -> {
                Asset a = assets.get(ctx.pathParam("name"));
                if (a == null) {
                    throw new Api.NotFound("no asset '" + ctx.pathParam("name") + "'; allowed: " + String.join(", ", assets.keySet()));
                }
                ctx.header("Cache-Control", "max-age=3600");
                ctx.contentType(a.type()).result(a.bytes());
            });
            cfg.routes.exception(UsageException.class, (e, ctx) -> fail(ctx, 400, e.getMessage()));
            cfg.routes.exception(Api.NotFound.class, (e, ctx) -> fail(ctx, 404, e.getMessage()));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> fail(ctx, e.getStatus(), e.getStatus() == 404
                    ? "no page " + ctx.method() + " " + ctx.path() + "; pages: /, /run?id=, /compare?id=&condition=, /experiments/NAME/report, /api/..." : e.getMessage()));
            cfg.routes.exception(Exception.class, (e, ctx) -> fail(ctx, 500, "internal error: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        });
    }

    /** Starts listening on {@code host:port} (port 0: any free port). */
    public Dashboard start(String host, int port) {
        try {
            app.start(host, port);
        } catch (RuntimeException e) {
            throw new UsageException("cannot serve on " + host + ":" + port + ": " + rootMessage(e) + "; allowed: a free port (--port) on an address of this machine (--host)");
        }
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    /** On every response. */
    static final Map<String, String> HEADERS = Map.of("Content-Security-Policy", CSP, "X-Content-Type-Options", "nosniff", "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer", "Cross-Origin-Resource-Policy", "same-origin", "Cache-Control", "no-store");

    private static void headers(Context ctx) {
        HEADERS.forEach(ctx::header);
    }

    private Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("store", store.file().toString());
        s.put("runs_dir", folders.root().toString());
        s.put("store_busy", store.busy());
        return s;
    }

    private static long after(String v) {
        if (v == null || v.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("bad after='" + (v.length() > 40 ? v.substring(0, 40) : v) + "'; allowed: a global step (an integer)");
        }
    }

    private static void json(Context ctx, Object value) throws IOException {
        ctx.contentType("application/json").result(Json.COMPACT.writeValueAsString(value));
    }

    private static void fail(Context ctx, int status, String message) {
        String m = message == null ? "error" : message.replace('\n', ' ');
        ctx.status(status);
        headers(ctx);
        if (ctx.path().startsWith("/api/")) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", status);
            body.put("error", m);
            try {
                ctx.contentType("application/json").result(Json.COMPACT.writeValueAsString(body));
            } catch (IOException e) {
                ctx.result("{\"status\":" + status + "}");
            }
        } else {
            ctx.html(Pages.error(status, m));
        }
    }

    /** The report inlines its player script: allow exactly that script by its hash, nothing else inline. */
    static String reportPolicy(String html) {
        StringBuilder hashes = new StringBuilder();
        Matcher m = Pattern.compile("<script>([\\s\\S]*?)</script>").matcher(html);
        while (m.find()) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(m.group(1).getBytes(StandardCharsets.UTF_8));
                hashes.append(" 'sha256-").append(Base64.getEncoder().encodeToString(d)).append("'");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return CSP.replace("script-src 'self'", "script-src 'self'" + hashes);
    }

    private static Map<String, Asset> assets() {
        Map<String, Asset> a = new LinkedHashMap<>();
        String uplot = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist/";
        a.put("uPlot.iife.min.js", new Asset(resource(uplot + "uPlot.iife.min.js"), "text/javascript; charset=utf-8"));
        a.put("uPlot.min.css", new Asset(resource(uplot + "uPlot.min.css"), "text/css; charset=utf-8"));
        a.put("dashboard.js", new Asset(resource("org/mesalab/lab/serve/dashboard.js"), "text/javascript; charset=utf-8"));
        a.put("dashboard.css", new Asset(resource("org/mesalab/lab/serve/dashboard.css"), "text/css; charset=utf-8"));
        a.put("report.css", new Asset(Report.css().getBytes(StandardCharsets.UTF_8), "text/css; charset=utf-8"));
        a.put("player.js", new Asset(Report.playerScript().getBytes(StandardCharsets.UTF_8), "text/javascript; charset=utf-8"));
        return Map.copyOf(a);
    }

    /** The version of a WebJar on the classpath, from its Maven metadata, so the path follows the pom's version. */
    private static String webjarVersion(String name) {
        Properties p = new Properties();
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars.npm/" + name + "/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the " + name + " WebJar is missing from the build");
            }
            p.load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] resource(String path) {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path + " in the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
