// The start of a client connection: SSLRequest/GSSENCRequest/CancelRequest handling, the StartupMessage checks,
// authentication, the first server (for its ParameterStatus set), and the welcome the client waits for.
package io.pgloom.session;

import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.PoolMode;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.Secret;
import io.pgloom.config.UserConfig;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.pool.ServerPool;
import io.pgloom.runtime.AdminHandler;
import io.pgloom.runtime.ClientCounts;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.session.settings.ParameterSync;
import io.pgloom.tls.TlsContexts;
import io.pgloom.tls.TlsUpgrade;
import io.pgloom.trace.WireTap;
import io.pgloom.wire.FrameReader;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.tinylog.Logger;

final class ClientLogin {
    private ClientLogin() {}

    /** The virtual database of the admin console. */

    /**
     * Authentication with auth_failure_delay: a failed attempt is answered only after the delay, growing with the
     * failures from the same address (up to 10x), so guessing is slow while one typo costs half a second.
     */
    private static ClientAuth.Result authenticateSlowingGuessers(ClientSession s, UserConfig userCfg)
            throws IOException, SessionClosed {
        try {
            ClientAuth.Result r = ClientAuth.authenticate(s, userCfg);
            s.runtime.authSucceeded(s.remoteAddress);
            return r;
        } catch (SessionClosed e) {
            if (!e.reason().equals("auth_failed")) throw e;
            int failures = s.runtime.authFailed(s.remoteAddress);
            Logger.warn(
                    "event=auth_failed client={} user={} database={} remote={} failures_from_address={} detail={}",
                    s,
                    s.user,
                    s.database,
                    s.remoteAddress,
                    failures,
                    e.getMessage());
            long delayMs = s.runtime.config().proxy().authFailureDelay().toMillis() * Math.min(failures, 10);
            if (delayMs > 0) {
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            throw e;
        }
    }

    /** Authenticates an admin user and hands the connection to the admin console until it leaves. */
    private static void serveAdmin(ClientSession s, ProxyConfig cfg, String user) throws IOException, SessionClosed {
        var userCfg = cfg.user(user).orElse(null);
        ClientAuth.Result auth = authenticateSlowingGuessers(s, userCfg);
        AdminHandler h = s.runtime.adminHandler();
        if (!cfg.admin().users().contains(user) || h == null) {
            throw SessionClosed.fatal(
                    "admin_denied",
                    SqlState.INSUFFICIENT_PRIVILEGE,
                    "user \"" + user + "\" may not use the admin console (it is not in admin.users)",
                    "not an admin user");
        }
        s.write(Messages.AUTH_OK);
        FrameWriter w = new FrameWriter(256);
        String[][] params = {
            {"server_version", "17.0 (pgloom)"},
            {"server_encoding", "UTF8"},
            {"client_encoding", "UTF8"},
            {"DateStyle", "ISO, MDY"},
            {"TimeZone", "UTC"},
            {"integer_datetimes", "on"},
            {"standard_conforming_strings", "on"},
            {"IntervalStyle", "postgres"},
            {"is_superuser", "off"},
            {"application_name", s.applicationName}
        };
        for (String[] p : params)
            w.begin(MessageType.PARAMETER_STATUS).cstring(p[0]).cstring(p[1]).end();
        w.begin(MessageType.BACKEND_KEY_DATA).int32(0).int32(0).end();
        w.raw(Messages.READY_IDLE);
        s.mode = PoolMode.SESSION;
        s.loggedIn(auth.method());
        s.write(w.array(), 0, w.size());
        Logger.info("event=admin_login client={} user={} remote={}:{}", s, user, s.remoteAddress, s.remotePort);
        String reason = h.serve(new AdminHandler.Connection() {
            @Override
            public String user() {
                return user;
            }

            @Override
            public String clientId() {
                return s.toString();
            }

            @Override
            public FrameReader reader() {
                return s.reader;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                s.write(b, off, len);
            }
        });
        throw SessionClosed.quiet(reason, "admin console");
    }

    /** The newest protocol minor version pgloom speaks with clients (3.2: PostgreSQL 18's long cancel keys). */
    static final int NEWEST_MINOR = 2;

    static void run(ClientSession s) throws IOException, SessionClosed, InterruptedException {
        WireTap tap = TracedSession.beginLogin(s);
        login(s, tap);
        TracedSession.loggedIn(s, tap);
    }

    private static void login(ClientSession s, WireTap tap) throws IOException, SessionClosed, InterruptedException {
        ProxyConfig cfg = s.runtime.config();
        StartupPacket pkt = readStartup(s, tap);

        if (pkt.majorVersion() != 3) {
            throw SessionClosed.fatal(
                    "protocol_violation",
                    SqlState.PROTOCOL_VIOLATION,
                    "unsupported frontend protocol " + pkt.majorVersion() + "." + pkt.minorVersion()
                            + ": server supports 3.0 to 3." + NEWEST_MINOR,
                    "unsupported protocol version");
        }
        Map<String, String> params = pkt.parameters();
        List<String> unknownOptions = new ArrayList<>();
        for (String k : params.keySet()) if (k.startsWith("_pq_.")) unknownOptions.add(k);
        // As PostgreSQL 18: the client's version up to 3.2; NegotiateProtocolVersion (the version agreed and the
        // _pq_ options not understood, none are) only for a newer minor or unknown options.
        s.protocolMinor = Math.min(pkt.minorVersion(), NEWEST_MINOR);
        if (pkt.minorVersion() > NEWEST_MINOR || !unknownOptions.isEmpty())
            s.write(Messages.negotiateProtocolVersion(s.protocolMinor, unknownOptions));
        String user = params.get("user");
        if (user == null || user.isEmpty()) {
            throw SessionClosed.fatal(
                    "no_user",
                    SqlState.INVALID_AUTHORIZATION,
                    "no PostgreSQL user name specified in startup packet",
                    "startup without user");
        }
        String database = params.getOrDefault("database", user);
        if (database.isEmpty()) database = user;
        s.user = user;
        s.database = database;
        s.applicationName = params.getOrDefault("application_name", "");
        boolean replication = ReplicationRelay.requested(params);
        if (replication && database.equals(ProxyRuntime.ADMIN_DATABASE)) {
            throw SessionClosed.fatal(
                    "replication_unsupported",
                    SqlState.FEATURE_NOT_SUPPORTED,
                    "the admin console does not take replication connections",
                    "replication to the admin console");
        }
        if (database.equals(ProxyRuntime.ADMIN_DATABASE)) {
            serveAdmin(s, cfg, user);
            return;
        }
        if (s.runtime.shuttingDown()) {
            throw SessionClosed.fatal(
                    "shutdown", SqlState.CANNOT_CONNECT_NOW, "pgloom is shutting down", "login during shutdown");
        }
        DatabaseConfig db = cfg.database(database).orElse(null);
        var userCfg = cfg.user(user).orElse(null);
        boolean fromAuthQuery = false;
        if (userCfg == null && db != null && s.runtime.authQuery.enabled()) {
            // Not in the config: ask PostgreSQL (auth_query), cached for auth_query_cache_ttl.
            try {
                Secret fetched = s.runtime.authQuery.lookup(database, user);
                if (fetched != null) {
                    userCfg = new UserConfig(user, fetched);
                    fromAuthQuery = true;
                }
            } catch (ServerLoginException e) {
                throw e.toSessionClosed();
            }
        }
        if (db != null && s.runtime.isDisabled(database)) {
            throw SessionClosed.fatal(
                    "database_disabled",
                    SqlState.CANNOT_CONNECT_NOW,
                    "database \"" + database + "\" does not allow connections now (DISABLE); try again later",
                    "disabled");
        }
        if (db == null) {
            // Authenticate first where a password is needed, so database names cannot be probed anonymously.
            authenticateSlowingGuessers(s, userCfg);
            throw SessionClosed.fatal(
                    "unknown_database",
                    SqlState.INVALID_CATALOG_NAME,
                    "database \"" + database + "\" does not exist",
                    "no [databases." + database + "] in the config");
        }
        ClientAuth.Result auth = authenticateSlowingGuessers(s, userCfg);
        if (fromAuthQuery && auth.scramClientKey() != null)
            s.runtime.authQuery.clientKeys.put(user, auth.scramClientKey());
        if (cfg.isAuto(database) && !s.runtime.autoDatabases.admit(database)) {
            throw SessionClosed.fatal(
                    "max_auto_databases",
                    SqlState.TOO_MANY_CONNECTIONS,
                    "no more databases can be created from [databases.\"*\"] (max_auto_databases = "
                            + cfg.proxy().maxAutoDatabases() + ")",
                    "max_auto_databases reached");
        }
        s.mode = cfg.poolModeFor(database, user);
        if (replication && s.mode != PoolMode.SESSION) throw ReplicationRelay.refusedInPoolMode(s);
        admit(s, cfg, db, userCfg, database, user);
        s.authMethod = auth.method();

        s.settings.startWith(ParameterSync.wantedFrom(params));
        if (!replication) {
            s.pool = s.runtime.pool(new PoolKey(database, user));
            s.routeReads(db);
        }
        s.cancelSecret = s.sessions.cancels.newSecret(s.protocolMinor);
        s.cancelPid = s.sessions.cancels.register(s);

        // AuthenticationOk goes out with the rest of the welcome: one write, one wake-up of the client, not two.
        FrameWriter welcome = new FrameWriter(512);
        welcome.raw(Messages.AUTH_OK);
        var cached = s.mode.sharesServers() ? s.pool.welcome() : null;
        if (replication) {
            // Its own server, relayed as is once logged in: the client sees that server's parameters unchanged.
            ReplicationRelay.open(s, params)
                    .parameters
                    .forEach((k, v) -> welcome.begin(MessageType.PARAMETER_STATUS)
                            .cstring(k)
                            .cstring(v)
                            .end());
        } else if (cached != null) {
            // Transaction mode: welcome from the pool's cached server parameters, no server needed yet.
            welcomeFromCache(cached, s.settings.wanted(), welcome);
        } else {
            ServerConn server = s.acquireServer();
            try {
                ParameterSync.apply(s.targetSettings(), server);
            } catch (IOException | SessionClosed e) {
                s.pool.discard(server, "parameter_sync_failed");
                throw e;
            }
            server.parameters.forEach((k, v) -> {
                // The client sees its own settings (application_name without the host pgloom may add).
                String shown = k.equals("application_name") && s.settings.get(k) != null
                        ? s.settings.get(k)
                        : k.equals("application_name") && s.hostSuffix() != null ? "" : v;
                welcome.begin(MessageType.PARAMETER_STATUS)
                        .cstring(k)
                        .cstring(shown)
                        .end();
            });
            if (s.mode == PoolMode.SESSION) {
                try (var h = s.link.lock.obtain()) {
                    s.link.link(server, null); // session mode: the pump gets a thread of its own below
                    server.linkedClientId(s.id);
                }
                ServerToClientPump.start(s, server);
            } else {
                // The server's own login values, not what earlier clients set there: the base of every welcome.
                s.pool.welcome(new ServerPool.Welcome(server.loginParameters(), Map.of()));
                s.pool.release(server);
            }
        }
        welcome.begin(MessageType.BACKEND_KEY_DATA)
                .int32(s.cancelPid)
                .bytes(s.cancelSecret)
                .end();
        welcome.raw(Messages.READY_IDLE);
        s.link.loggedIn(s.runtime.clock.nanoTime());
        s.loggedIn(auth.method());
        s.write(welcome.array(), 0, welcome.size());
        Logger.debug("event=client_authenticated client={} method={}", s, auth.method());
    }

    /** max_db_client_connections / max_user_client_connections: counted once per login, released at the end. */
    private static void admit(
            ClientSession s, ProxyConfig cfg, DatabaseConfig db, UserConfig u, String database, String user)
            throws SessionClosed {
        int dbMax = db.maxDbClientConnections() != null
                ? db.maxDbClientConnections()
                : cfg.proxy().maxDbClientConnections();
        int userMax = u != null && u.maxUserClientConnections() != null
                ? u.maxUserClientConnections()
                : cfg.proxy().maxUserClientConnections();
        ClientCounts.Refusal refused = s.runtime.clientCounts.admit(database, user, dbMax, userMax);
        if (refused != null) {
            String who = refused == ClientCounts.Refusal.DATABASE
                    ? "database \"" + database + "\""
                    : "user \"" + user + "\"";
            int max = refused == ClientCounts.Refusal.DATABASE ? dbMax : userMax;
            throw SessionClosed.fatal(
                    refused.key,
                    SqlState.TOO_MANY_CONNECTIONS,
                    "too many client connections for " + who + " (" + refused.key + " = " + max + ")",
                    refused.key + " reached");
        }
        s.countedAs(database, user);
    }

    /**
     * A server's default parameters with this client's own settings shown as asked (the server is SET to them
     * when the client is linked).
     */
    private static void welcomeFromCache(ServerPool.Welcome cached, Map<String, String> wanted, FrameWriter out) {
        Map<String, String> shown = new LinkedHashMap<>(cached.reported());
        wanted.forEach((k, v) -> {
            if (shown.containsKey(k)) shown.put(k, v);
        });
        shown.forEach((k, v) ->
                out.begin(MessageType.PARAMETER_STATUS).cstring(k).cstring(v).end());
    }

    /**
     * Reads packets until a StartupMessage: negotiates TLS on SSLRequest (or a direct TLS ClientHello) when [tls]
     * is on, answers GSSENCRequest 'N', serves cancel requests, refuses plaintext where TLS is required.
     */
    private static StartupPacket readStartup(ClientSession s, WireTap tap) throws IOException, SessionClosed {
        var mode = s.runtime.config().tls().mode();
        for (int attempt = 0; attempt < 3; attempt++) {
            int first = s.in.read();
            if (first < 0) throw SessionClosed.quiet("client_eof", "closed before the startup packet");
            if (first == MessageType.TLS_HANDSHAKE_RECORD) {
                var tls = s.runtime.tls();
                if (tls == null || s.tls || s.unix()) {
                    throw SessionClosed.quiet("tls_not_configured", "direct TLS handshake while TLS is not configured");
                }
                s.upgrade(tlsHandshake(s, tls, new byte[] {(byte) first}, true));
                TracedSession.wrap(s, tap);
                continue;
            }
            StartupPacket pkt = StartupPacket.read(s.in, first);
            switch (pkt.code()) {
                case MessageType.SSL_REQUEST -> {
                    var tls = s.runtime.tls();
                    if (tls == null || s.tls || s.unix()) { // no TLS over a Unix socket, as PostgreSQL
                        s.out.write(MessageType.TLS_REFUSE);
                    } else {
                        s.out.write(MessageType.TLS_ACCEPT);
                        s.out.flush();
                        s.upgrade(tlsHandshake(s, tls, null, false));
                        TracedSession.wrap(s, tap);
                    }
                }
                case MessageType.GSSENC_REQUEST -> s.out.write(MessageType.TLS_REFUSE);
                case MessageType.CANCEL_REQUEST -> {
                    s.runtime.serveCancel(pkt.cancelProcessId(), pkt.cancelSecret(), s.remoteAddress);
                    throw SessionClosed.quiet("cancel_request", "cancel request served");
                }
                default -> {
                    if (mode.required() && !s.tls && !s.unix()) { // a Unix socket never leaves the machine
                        throw SessionClosed.fatal(
                                "tls_required",
                                SqlState.INVALID_AUTHORIZATION,
                                "SSL/TLS is required for connections to pgloom (tls.mode = "
                                        + mode.name().toLowerCase().replace('_', '-')
                                        + "): connect with sslmode=require or stronger",
                                "plaintext client refused");
                    }
                    return pkt;
                }
            }
        }
        throw SessionClosed.protocolViolation("too many SSL/GSSENC requests before the startup packet");
    }

    private static SSLSocket tlsHandshake(ClientSession s, TlsContexts.ServerTls tls, byte[] consumed, boolean direct)
            throws SessionClosed {
        try {
            return TlsUpgrade.accept(tls, s.socket, consumed, direct);
        } catch (IOException e) {
            throw SessionClosed.quiet("tls_handshake_failed", e.getMessage());
        }
    }
}
