// The admin HTTP port: /metrics (Prometheus text), /healthz (process alive), /readyz (can this instance serve:
// named checks, 503 when one fails; only databases marked required count), /status (JSON for scripts, every
// database's state), /trace (TRACE commands, authenticated: TraceHttp) and / (the live page,
// authenticated: LivePage). A JDK HttpServer on virtual threads; any other path, or one of these with a suffix
// (/healthzz), is 404.
package io.pgloom.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.pgloom.config.DatabaseConfig;
import io.pgloom.metrics.BackendRow;
import io.pgloom.metrics.PoolRow;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.session.Listener;
import io.pgloom.util.SafeText;
import io.prometheus.client.exporter.HTTPServer.HTTPMetricHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.tinylog.Logger;

public final class HttpEndpoints implements AutoCloseable {
    /** Backend probes are cached this long, so a tight probe loop cannot turn into a login storm. */
    private static final long PROBE_CACHE_MILLIS = 2_000;

    private final ProxyRuntime runtime;
    private final Listener listener;
    private final String version;
    /** The paths served; anything else answers 404 naming them. */
    static final String PATHS = "/metrics /healthz /readyz /status /trace / (the live page)";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Boolean> lastState = new ConcurrentHashMap<>();
    private final Map<String, Object[]> probeCache = new ConcurrentHashMap<>();
    private final LivePage livePage;

    private HttpEndpoints(ProxyRuntime runtime, Listener listener, String version, String host, int port)
            throws IOException {
        this.runtime = runtime;
        this.listener = listener;
        this.version = version;
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.setExecutor(executor);
        // A context matches every path it is a prefix of ("/healthz" takes "/healthzz"): each handler checks its own.
        exact("/metrics", new HTTPMetricHandler(runtime.metrics.registry));
        exact("/healthz", ex -> send(ex, 200, "text/plain", "ok\n"));
        exact("/readyz", this::readyz);
        exact("/status", this::status);
        exact("/trace", new TraceHttp(runtime));
        livePage = new LivePage(runtime, listener, version);
        server.createContext("/", livePage); // the page's own paths, else notFound
        // Started from a daemon thread so the server's dispatcher thread is a daemon too (never holds the JVM up).
        Thread starter = Thread.ofPlatform().daemon().name("pgloom-http-start").start(server::start);
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the HTTP server", e);
        }
    }

    private void exact(String path, HttpHandler handler) {
        server.createContext(path, ex -> {
            if (ex.getRequestURI().getPath().equals(path)) handler.handle(ex);
            else notFound(ex);
        });
    }

    /** A mistyped probe (/healtz) must fail, not get the metrics page with 200. */
    static void notFound(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath();
            send(ex, 404, "text/plain", "not found: " + path + " (pgloom serves " + PATHS + ")\n");
        }
    }

    public static HttpEndpoints start(ProxyRuntime runtime, Listener listener, String version, String host, int port)
            throws IOException {
        HttpEndpoints h = new HttpEndpoints(runtime, listener, version, host, port);
        Logger.info("event=http_listening address={}:{}", host, h.port());
        return h;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Each named check of readiness and whether it passes: listening, not shutting down, a config loaded (its TLS
     * material too), and the databases marked required reachable. Others do not count: one database down must not
     * take every instance out of a load balancer (their state is on /status and in the metrics).
     */
    Map<String, String> checks() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("listener", listener.isAccepting() ? "ok" : "not accepting");
        out.put("shutdown", runtime.shuttingDown() ? "shutting down" : "ok");
        out.put("config", runtime.config() != null ? "ok" : "not loaded");
        if (runtime.config().tls().mode().enabled())
            out.put("tls", runtime.tls() != null ? "ok" : "TLS material not loaded");
        for (DatabaseConfig db : runtime.config().databases().values()) {
            // Only required databases hold up readiness; the wildcard is no database (auto ones come and go).
            if (db.required() && !db.name().equals(DatabaseConfig.WILDCARD))
                out.put("backend:" + db.name(), probe(db.name()));
        }
        out.forEach((name, state) -> {
            boolean ok = state.equals("ok");
            Boolean before = lastState.put(name, ok);
            if (before == null ? !ok : before != ok) {
                if (ok) Logger.info("event=readiness_check_recovered check={}", name);
                else Logger.warn("event=readiness_check_failing check={} state={}", name, state);
            }
        });
        return out;
    }

    private String probe(String db) {
        long now = System.currentTimeMillis();
        Object[] cached = probeCache.get(db);
        if (cached != null && now - (long) cached[0] < PROBE_CACHE_MILLIS) return (String) cached[1];
        String error = runtime.servers.probeBackend(db);
        String state = error == null ? "ok" : error.replace('\n', ' ');
        probeCache.put(db, new Object[] {now, state});
        return state;
    }

    private void readyz(HttpExchange ex) throws IOException {
        Map<String, String> checks = checks();
        boolean ok = checks.values().stream().allMatch("ok"::equals);
        StringBuilder body = new StringBuilder(ok ? "ready\n" : "not ready\n");
        checks.forEach((k, v) -> body.append(SafeText.terminal(k))
                .append(": ")
                .append(SafeText.terminal(v))
                .append('\n'));
        send(ex, ok ? 200 : 503, "text/plain", body.toString());
    }

    private void status(HttpExchange ex) throws IOException {
        StringBuilder j = new StringBuilder(512).append('{');
        field(j, "version", version).append(',');
        field(j, "jvm_collectors", JvmInfo.collectors()).append(',');
        field(j, "jvm_flags", JvmInfo.flags()).append(',');
        j.append("\"uptime_seconds\":")
                .append((System.currentTimeMillis() - runtime.startedMillis) / 1000)
                .append(',');
        j.append("\"shutting_down\":").append(runtime.shuttingDown()).append(',');
        j.append("\"clients\":").append(runtime.sessionCount()).append(',');
        j.append("\"databases\":[");
        boolean firstDb = true;
        for (DatabaseConfig db : runtime.config().databases().values()) {
            if (!firstDb) j.append(',');
            firstDb = false;
            j.append('{');
            field(j, "name", db.name()).append(',');
            j.append("\"required\":").append(db.required()).append(',');
            field(j, "state", probe(db.name())).append('}');
        }
        j.append("],");
        j.append("\"pools\":[");
        boolean first = true;
        for (PoolRow r : runtime.state.pools()) {
            if (!first) j.append(',');
            first = false;
            j.append('{');
            field(j, "database", r.database()).append(',');
            field(j, "user", r.user()).append(',');
            field(j, "pool_mode", r.poolMode()).append(',');
            field(j, "server_version", r.serverVersion()).append(',');
            j.append("\"pool_size\":")
                    .append(r.poolSize())
                    .append(",\"clients_active\":")
                    .append(r.clientsActive())
                    .append(",\"clients_waiting\":")
                    .append(r.clientsWaiting())
                    .append(",\"clients_idle\":")
                    .append(r.clientsIdle())
                    .append(",\"clients_idle_in_transaction\":")
                    .append(r.clientsIdleInTransaction())
                    .append(",\"servers_active\":")
                    .append(r.serversActive())
                    .append(",\"servers_idle\":")
                    .append(r.serversIdle())
                    .append(",\"maxwait_seconds\":")
                    .append(r.maxWaitSeconds())
                    .append('}');
        }
        j.append("],\"backends\":[");
        first = true;
        for (BackendRow b : runtime.backends.backends()) {
            if (!first) j.append(',');
            first = false;
            j.append('{');
            field(j, "database", b.database()).append(',');
            field(j, "host", b.name()).append(',');
            field(j, "role", b.role()).append(',');
            j.append("\"up\":").append(b.up()).append(',');
            LiveState.lagJson(j, b).append('}');
        }
        j.append("]}");
        send(ex, 200, "application/json", j.append('\n').toString());
    }

    private static StringBuilder field(StringBuilder j, String k, String v) {
        return j.append('"').append(k).append("\":").append(SafeText.json(v));
    }

    static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        livePage.close();
        executor.shutdownNow();
    }
}
