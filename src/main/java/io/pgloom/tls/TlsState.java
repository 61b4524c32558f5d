// The TLS material of one config: client-facing contexts from [tls] and backend-facing ones from [server_tls] (and
// the databases that override its mode). Built at start and on every RELOAD; new connections use the newest.
package io.pgloom.tls;

import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.TlsSettings;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.tinylog.Logger;

public final class TlsState {
    private final ProxyConfig config;
    /** Client-facing TLS; null when [tls] is off. */
    private final TlsContexts.ServerTls server;
    /** Towards PostgreSQL ([server_tls]); null when off. */
    private final BackendTls backend;
    /** For databases that override [server_tls] mode (server_tls_mode): built once per mode. */
    private final ConcurrentHashMap<TlsSettings.Server.ServerMode, Optional<BackendTls>> byMode = new ConcurrentHashMap<>();

    private TlsState(ProxyConfig config, TlsContexts.ServerTls server, BackendTls backend) {
        this.config = config;
        this.server = server;
        this.backend = backend;
    }

    /** Loads the material a config names; an unreadable file is an IllegalStateException naming it. */
    public static TlsState of(ProxyConfig c) {
        TlsContexts.ServerTls server = null;
        if (c.tls().mode().enabled()) {
            try {
                server = TlsContexts.server(c.tls());
            } catch (IOException e) {
                throw new IllegalStateException("[tls]: " + e.getMessage(), e);
            }
            for (X509Certificate cert : server.certificates()) {
                Logger.info("event=tls_certificate_loaded subject={} not_after={}", cert.getSubjectX500Principal().getName(),
                        cert.getNotAfter().toInstant());
            }
        }
        return new TlsState(c, server, backendOf(c.serverTls()));
    }

    private static BackendTls backendOf(TlsSettings.Server s) {
        try {
            return BackendTls.of(s);
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Client-facing TLS, or null when TLS is off. */
    public TlsContexts.ServerTls server() {
        return server;
    }

    /** The TLS pgloom uses towards this database's PostgreSQL (its server_tls_mode, else [server_tls]); null = off. */
    public BackendTls backend(DatabaseConfig db) {
        if (db.serverTlsMode() == null) return backend;
        return byMode.computeIfAbsent(db.serverTlsMode(), m -> {
            var g = config.serverTls();
            return Optional.ofNullable(backendOf(new TlsSettings.Server(m, g.caFile(), g.certFile(), g.keyFile())));
        }).orElse(null);
    }
}
