// One running pgloom: runtime, pools, listener (and later the admin HTTP server), with start, reload and the
// graceful shutdown sequence. Main wraps it with arguments and signals; tests embed it directly.
package io.pgloom;

import io.pgloom.admin.AdminConsole;
import io.pgloom.admin.HttpEndpoints;
import io.pgloom.backend.HealthCheckLogin;
import io.pgloom.config.ConfigError;
import io.pgloom.config.ConfigLoader;
import io.pgloom.config.ProxyConfig;
import io.pgloom.metrics.Metrics;
import io.pgloom.peer.PeerListener;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.session.Listener;
import io.pgloom.session.Sessions;
import io.pgloom.tls.TlsState;
import io.pgloom.util.Clock;
import io.pgloom.util.ResourceLock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

public final class Pgloom implements AutoCloseable {
    private final ProxyRuntime runtime;
    private final Listener listener;
    private final Path configFile;
    private final HttpEndpoints http;
    /** The cancel-only port of this instance's own [peers] entry, or null (PeerListener). */
    private volatile PeerListener peerListener;
    /** One reload at a time: SIGHUP and an admin RELOAD may arrive together. */
    private final ResourceLock reloadLock = new ResourceLock();

    private Pgloom(ProxyRuntime runtime, Listener listener, Path configFile, HttpEndpoints http) {
        this.runtime = runtime;
        this.listener = listener;
        this.configFile = configFile;
        this.http = http;
    }

    /** Reads and checks a config file: the loader's checks, then those needing the layers above it. */
    public static ProxyConfig load(Path file) throws ConfigError {
        ProxyConfig c = ConfigLoader.load(file);
        TlsState.check(c);
        HealthCheckLogin.validate(c);
        return c;
    }

    public static Pgloom start(ProxyConfig config, Path configFile) throws IOException {
        try {
            TlsState.check(config);
            HealthCheckLogin.validate(config);
        } catch (ConfigError e) {
            throw new IOException(e.getMessage(), e);
        }
        ProxyRuntime runtime = new ProxyRuntime(config, Clock.SYSTEM, new Metrics(Version.get()));
        Listener listener = new Listener(Sessions.attach(runtime));
        HttpEndpoints http = null;
        if (config.admin().httpEnabled()) {
            try {
                http = HttpEndpoints.start(
                        runtime,
                        listener,
                        Version.get(),
                        config.admin().httpHost(),
                        config.admin().httpPort());
            } catch (IOException e) {
                listener.close();
                throw new IOException(
                        "admin.http_listen " + config.admin().httpHost() + ":"
                                + config.admin().httpPort() + ": " + e.getMessage(),
                        e);
            }
        }
        try {
            runtime.startBackends();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during the first health checks", e);
        }
        runtime.pools.start();
        PeerListener peerListener;
        try {
            peerListener = PeerListener.open(
                    runtime.peers, config.proxy().listenHost(), config.proxy().listenPort(), runtime::serveCancel);
        } catch (IOException e) {
            listener.close();
            if (http != null) http.close();
            var self = runtime.peers.self();
            throw new IOException("peers." + self.id() + ".port " + self.port() + ": " + e.getMessage(), e);
        }
        listener.start();
        Logger.info(
                "event=started version={} pool_mode={} max_client_conn={}",
                Version.get(),
                config.proxy().poolMode().name().toLowerCase(),
                config.proxy().maxClientConn());
        Pgloom p = new Pgloom(runtime, listener, configFile, http);
        p.peerListener = peerListener;
        runtime.onReload(p::reload);
        runtime.adminHandler(new AdminConsole(runtime, Version.get()));
        return p;
    }

    /** The admin HTTP port, or -1 when http_listen is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public int port() {
        return listener.port();
    }

    public ProxyRuntime runtime() {
        return runtime;
    }

    public Listener listener() {
        return listener;
    }

    /** SIGHUP / RELOAD: a bad file is rejected whole and the running config stays. Returns the error or null. */
    public String reload() {
        try (var h = reloadLock.obtain()) {
            ProxyConfig c = load(configFile);
            runtime.config(c);
            runtime.metrics.reloads.labels("ok").inc();
            Logger.info("event=reload result=ok file={}", configFile);
            return null;
        } catch (ConfigError e) {
            runtime.metrics.reloads.labels("rejected").inc();
            Logger.error(
                    "event=reload result=rejected file={} error={}",
                    configFile,
                    e.getMessage().replace('\n', ';'));
            return e.getMessage();
        }
    }

    /** Stop accepting; let sessions finish their transactions up to shutdown_timeout; then close everyone. */
    public void shutdown() throws InterruptedException {
        long timeoutMs = runtime.config().proxy().shutdownTimeout().toMillis();
        Logger.info("event=shutdown_started sessions={} shutdown_timeout_ms={}", runtime.sessionCount(), timeoutMs);
        listener.close();
        runtime.beginShutdown();
        if (runtime.waitForClients()) {
            long deadlineMs = runtime.drainDeadline().toMillis();
            Logger.info(
                    "event=shutdown_wait_for_clients sessions={} deadline_ms={}", runtime.sessionCount(), deadlineMs);
            if (deadlineMs == 0) {
                while (runtime.sessionCount() > 0) awaitSessions(60_000);
            } else if (!awaitSessions(deadlineMs)) {
                // Bounded drain: the clients that stayed are ended as by a plain SHUTDOWN, so the old process of a
                // rolling restart cannot linger for days behind one idle connection pool.
                Logger.warn("event=shutdown_drain_deadline sessions_left={}", runtime.sessionCount());
                runtime.endDrain();
            }
        }
        if (runtime.sessionCount() > 0 && !runtime.waitForClients() && !awaitSessions(timeoutMs)) {
            Logger.warn("event=shutdown_timeout sessions_left={}", runtime.sessionCount());
            runtime.forceCloseAll();
            awaitSessions(2_000);
        }
        runtime.pools.close();
        runtime.traces.close();
        runtime.backends.close();
        if (http != null) http.close();
        // Last: while sessions drained, a peer (the process taking over the port) could still forward their cancels.
        if (peerListener != null) peerListener.close();
        Logger.info("event=shutdown_complete");
    }

    private boolean awaitSessions(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (runtime.sessionCount() > 0) {
            if (System.nanoTime() >= deadline) return false;
            Thread.sleep(20);
        }
        return true;
    }

    /** Immediate stop (tests): no waiting for transactions. */
    @Override
    public void close() {
        listener.close();
        runtime.forceCloseAll();
        runtime.pools.close();
        runtime.traces.close();
        runtime.backends.close();
        if (http != null) http.close();
        if (peerListener != null) peerListener.close();
    }
}
