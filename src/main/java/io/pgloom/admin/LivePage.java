// The live page on the admin HTTP port: GET / (the connection flow with live numbers), its stylesheet and script
// under /live/, the data they poll (/live/state.json) and the runbook it links to (/live/runbook). Behind HTTP Basic
// with an admin user (as POST /trace); off with admin.live_page = false (RELOAD applies it), then every path here
// answers 404.
package io.pgloom.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.session.Listener;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

final class LivePage implements HttpHandler, AutoCloseable {
    private static final String RESOURCES = "/io/pgloom/admin/live/";
    /** Path → (resource, content type): the page's own files, nothing from elsewhere. */
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {"index.html", "text/html"},
            "/live/live.css", new String[] {"live.css", "text/css"},
            "/live/live.js", new String[] {"live.js", "text/javascript"},
            "/live/icon.svg", new String[] {"icon.svg", "image/svg+xml"});

    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /** However many browsers poll, the state is computed at most once per this interval (it walks every session). */
    private static final long STATE_CACHE_MILLIS = 1_000;

    private final ProxyRuntime runtime;
    private final Listener listener;
    private final String version;
    private final ReentrantLock historyLock = new ReentrantLock();
    private LiveHistory history;
    private final ReentrantLock stateLock = new ReentrantLock();
    private String state;
    private long stateAtMillis;

    LivePage(ProxyRuntime runtime, Listener listener, String version) {
        this.runtime = runtime;
        this.listener = listener;
        this.version = version;
        if (runtime.config().admin().livePage()) history();
    }

    /** The ring, started with the page: at start when on, else at the first request after a RELOAD turns it on. */
    private LiveHistory history() {
        historyLock.lock();
        try {
            if (history == null) history = new LiveHistory(runtime.metrics, runtime.clock).start();
            return history;
        } finally {
            historyLock.unlock();
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        boolean known = FILES.containsKey(path) || path.equals("/live/state.json") || path.equals("/live/runbook");
        if (!known) {
            HttpEndpoints.notFound(ex);
            return;
        }
        if (!runtime.config().admin().livePage()) {
            HttpEndpoints.send(ex, 404, "text/plain", "not found: the live page is off (admin.live_page = false)\n");
            return;
        }
        if (!ex.getRequestMethod().equals("GET")) {
            ex.getResponseHeaders().set("Allow", "GET");
            HttpEndpoints.send(ex, 405, "text/plain", "use GET\n");
            return;
        }
        if (AdminCredentials.require(runtime, ex) == null) return;
        var headers = ex.getResponseHeaders();
        headers.set("Cache-Control", "no-store");
        headers.set("Content-Security-Policy", CSP);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
        if (path.equals("/live/state.json")) {
            HttpEndpoints.send(ex, 200, "application/json", state());
        } else if (path.equals("/live/runbook")) {
            HttpEndpoints.send(ex, 200, "text/html", RunbookHtml.render(resource("runbook.md")));
        } else {
            String[] file = FILES.get(path);
            HttpEndpoints.send(ex, 200, file[1], resource(file[0]));
        }
    }

    private String state() {
        LiveHistory h = history();
        stateLock.lock();
        try {
            long now = runtime.clock.currentTimeMillis();
            if (state == null || now - stateAtMillis >= STATE_CACHE_MILLIS || now < stateAtMillis) {
                state = LiveState.json(runtime, listener, version, h);
                stateAtMillis = now;
            }
            return state;
        } finally {
            stateLock.unlock();
        }
    }

    static String resource(String name) {
        try (InputStream in = LivePage.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new IllegalStateException("missing from the jar: " + RESOURCES + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        historyLock.lock();
        try {
            if (history != null) history.close();
        } finally {
            historyLock.unlock();
        }
    }
}
