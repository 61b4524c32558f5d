// The TLS material of one config: client-facing contexts from [tls] and backend-facing ones from [server_tls] (and
// the databases that override its mode). Built at start and on every RELOAD; new connections use the newest.
package io.pgloom.tls;

import io.pgloom.config.ConfigError;
import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.TlsSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
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
    private final ConcurrentHashMap<TlsSettings.Server.ServerMode, Optional<BackendTls>> byMode =
            new ConcurrentHashMap<>();

    /** Every certificate of this config's TLS files with the key of the file it came from (exported expiry). */
    private final List<LoadedCertificate> loaded;

    /** A certificate pgloom loaded, and the config key of its file (tls.cert_file, server_tls.ca_file, ...). */
    public record LoadedCertificate(String file, X509Certificate certificate) {}

    private TlsState(ProxyConfig config, TlsContexts.ServerTls server, BackendTls backend) {
        this.config = config;
        this.server = server;
        this.backend = backend;
        this.loaded = loaded(config, server);
    }

    /**
     * The client-facing chain, and the [server_tls] client certificate and CA: an expired one fails every login to
     * PostgreSQL as surely as an expired [tls] certificate fails every client (the files were read by check()).
     */
    private static List<LoadedCertificate> loaded(ProxyConfig c, TlsContexts.ServerTls server) {
        List<LoadedCertificate> out = new ArrayList<>();
        if (server != null)
            for (X509Certificate x : server.certificates()) out.add(new LoadedCertificate("tls.cert_file", x));
        addFile(out, "server_tls.cert_file", c.serverTls().certFile());
        addFile(out, "server_tls.ca_file", c.serverTls().caFile());
        return List.copyOf(out);
    }

    private static void addFile(List<LoadedCertificate> out, String key, Path file) {
        if (file == null) return;
        try {
            for (X509Certificate x : Pem.certificates(file)) out.add(new LoadedCertificate(key, x));
        } catch (IOException e) {
            Logger.warn("event=tls_certificate_unreadable file={} error={}", key, e.getMessage());
        }
    }

    /** The certificates of this config's TLS files (pgloom_tls_cert_not_after_seconds). */
    public List<LoadedCertificate> certificates() {
        return loaded;
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
                Logger.info(
                        "event=tls_certificate_loaded subject={} not_after={}",
                        cert.getSubjectX500Principal().getName(),
                        cert.getNotAfter().toInstant());
            }
        }
        return new TlsState(c, server, backendOf(c.serverTls()));
    }

    /**
     * Reads every certificate and key file the config names, so that a missing or malformed one is a config error
     * naming the file's key (for --check, start and RELOAD) rather than a failure at the first TLS connection.
     */
    public static void check(ProxyConfig c) throws ConfigError {
        List<String> errors = new ArrayList<>();
        if (c.tls().mode().enabled()) {
            readable(errors, "tls.cert_file", c.tls().certFile(), false);
            readable(errors, "tls.key_file", c.tls().keyFile(), true);
            readable(errors, "tls.ca_file", c.tls().caFile(), false);
        }
        TlsSettings.Server s = c.serverTls();
        readable(errors, "server_tls.ca_file", s.caFile(), false);
        readable(errors, "server_tls.cert_file", s.certFile(), false);
        readable(errors, "server_tls.key_file", s.keyFile(), true);
        if (!errors.isEmpty()) throw new ConfigError(c.source() + ": " + String.join("\n" + c.source() + ": ", errors));
    }

    private static void readable(List<String> errors, String key, Path file, boolean privateKey) {
        if (file == null) return;
        try {
            if (privateKey) Pem.privateKey(file);
            else Pem.certificates(file);
        } catch (IOException e) {
            errors.add(key + ": " + e.getMessage());
        }
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
                    return Optional.ofNullable(
                            backendOf(new TlsSettings.Server(m, g.caFile(), g.certFile(), g.keyFile())));
                })
                .orElse(null);
    }
}
