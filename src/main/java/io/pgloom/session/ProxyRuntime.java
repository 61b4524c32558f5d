// What every session of one pgloom process shares: the current config, the pools, the cancel keys, the list of
// live sessions (for SHOW CLIENTS and shutdown) and the shutdown state.
package io.pgloom.session;

import io.pgloom.backend.HealthCheckLogin;
import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.ProxySettings;
import io.pgloom.config.Secret;
import io.pgloom.config.UserConfig;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolSettings;
import io.pgloom.pool.Pools;
import io.pgloom.pool.ServerCredentials;
import io.pgloom.pool.ServerLogin;
import io.pgloom.pool.ServerPool;
import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class ProxyRuntime {
    private volatile ProxyConfig config;
    public final Pools pools;
    public final Clock clock;
    final CancelRegistry cancels = new CancelRegistry();
    /** Full-size client read buffers, lent while a message is in flight (an idle client holds only a small one). */
    public final io.pgloom.wire.BufferPool clientBuffers = new io.pgloom.wire.BufferPool(ClientSession.CLIENT_BUFFER, 1024);
    private final ConcurrentHashMap<Long, ClientSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;
    public final io.pgloom.metrics.Metrics metrics;
    public final long startedMillis;
    /** TRACE ON / OFF and the taps of traced sessions. */
    public final io.pgloom.trace.TraceRegistry traces;
    /** Pools, clients and counters as SHOW and /metrics read them. */
    public final io.pgloom.metrics.StateSource state;
    /** Set by the process wiring: what RELOAD and SHUTDOWN in the admin console do. */
    volatile java.util.function.Supplier<String> reloader = () -> "reload is not available";
    volatile Runnable shutdownTrigger = () -> { };

    /** Client-facing TLS built from [tls]; null when TLS is off. Swapped on RELOAD for new connections. */
    private volatile io.pgloom.tls.TlsContexts.ServerTls tls;

    private static io.pgloom.tls.TlsContexts.ServerTls buildTls(ProxyConfig c) {
        if (!c.tls().mode().enabled()) return null;
        try {
            return io.pgloom.tls.TlsContexts.server(c.tls());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("[tls]: " + e.getMessage(), e);
        }
    }

    public io.pgloom.tls.TlsContexts.ServerTls tls() {
        return tls;
    }

    /** auth_query lookups and the ClientKeys of pass-through logins. */
    final AuthQuery authQuery = new AuthQuery(this);

    /** The TLS pgloom uses towards this database's PostgreSQL (its server_tls_mode, else [server_tls]). */
    io.pgloom.tls.BackendTls backendTls(DatabaseConfig db) {
        return backendTlsFor(config, db);
    }

    /** TLS towards PostgreSQL ([server_tls]); null when off. Swapped on RELOAD for new server connections. */
    private volatile io.pgloom.tls.BackendTls backendTls;

    private static io.pgloom.tls.BackendTls buildBackendTls(ProxyConfig c) {
        return buildBackendTls(c.serverTls());
    }

    private static io.pgloom.tls.BackendTls buildBackendTls(io.pgloom.config.TlsSettings.Server s) {
        try {
            return io.pgloom.tls.BackendTls.of(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Backend TLS for databases that override [server_tls] mode (server_tls_mode), built once per mode and config. */
    private final ConcurrentHashMap<io.pgloom.config.TlsSettings.Server.ServerMode, java.util.Optional<io.pgloom.tls.BackendTls>> tlsByMode =
            new ConcurrentHashMap<>();

    private io.pgloom.tls.BackendTls backendTlsFor(ProxyConfig c, DatabaseConfig db) {
        if (db.serverTlsMode() == null) return backendTls;
        return tlsByMode.computeIfAbsent(db.serverTlsMode(), m -> {
            var g = c.serverTls();
            return java.util.Optional.ofNullable(buildBackendTls(new io.pgloom.config.TlsSettings.Server(m, g.caFile(), g.certFile(), g.keyFile())));
        }).orElse(null);
    }

    /** The hosts of every database: health, roles, routing, drain (the backend layer). */
    public final io.pgloom.backend.BackendRegistry backends;

    public ProxyRuntime(ProxyConfig config, Clock clock, io.pgloom.metrics.Metrics metrics) {
        this.tls = buildTls(config);
        this.backendTls = buildBackendTls(config);
        logCertificates(tls);
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.startedMillis = clock.currentTimeMillis();
        this.pools = new Pools(clock, Duration.ofSeconds(1));
        this.state = new RuntimeState(this);
        this.traces = new io.pgloom.trace.TraceRegistry(() -> this.config.trace(),
                () -> sessions.values().stream().map(TracedSession::new).toList(), ClientLogin.ADMIN_DATABASE,
                metrics.tracesActive, metrics.traceMessages, metrics.traceDropped);
        new io.pgloom.metrics.PoolCollector(state).register(metrics.registry);
        this.backends = new io.pgloom.backend.BackendRegistry(config, clock, new BackendEvents(this));
        new io.pgloom.metrics.BackendCollector(backends).register(metrics.registry);
        pools.everyMinute(this::logStats);
        pools.everyPass(this::watchTimeouts);
    }

    /** Checks every host once (bounded), then keeps checking them (Pgloom.start). */
    public void startBackends() throws InterruptedException {
        backends.start(this::openHealthCheck);
    }

    public void onReload(java.util.function.Supplier<String> r) {
        reloader = r;
    }

    public void onShutdown(Runnable r) {
        shutdownTrigger = r;
    }

    public ProxyConfig config() {
        return config;
    }

    /** Swaps the config for new sessions and resizes existing pools; running sessions keep their links. */
    public void config(ProxyConfig c) {
        io.pgloom.tls.TlsContexts.ServerTls newTls = buildTls(c);
        this.tls = newTls;
        this.backendTls = buildBackendTls(c);
        tlsByMode.clear();
        if (newTls != null) logCertificates(newTls);
        this.config = c;
        backends.configure(c);
        for (ServerPool p : pools.all()) {
            if (c.database(p.key().database()).isPresent()) {
                p.settings(poolSettings(c, p.key()));
                budgets(c, p.key()); // updates the shared caps' max
            }
        }
    }

    /** The pool for (database, user), created on first use (paused if its database is). */
    ServerPool pool(PoolKey key) {
        return pools.get(key, k -> {
            ProxyConfig c = config;
            ServerPool p = new ServerPool(k, poolSettings(c, k), this::openServer, clock, budgets(c, k));
            if (pausedAll || pausedDatabases.contains(k.database())) p.paused(true);
            return p;
        });
    }

    // ---- Pool control (admin console): PAUSE, RESUME, DISABLE, ENABLE, RECONNECT, WAIT_CLOSE, KILL ----

    private volatile boolean pausedAll;
    private final java.util.Set<String> pausedDatabases = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> disabledDatabases = ConcurrentHashMap.newKeySet();

    private java.util.List<ServerPool> poolsOf(String db) {
        return pools.all().stream().filter(p -> db == null || p.key().database().equals(db)).toList();
    }

    /** PAUSE [db]: new requests wait; returns once no server is in use, or the server count still in use. */
    public int pause(String db, java.time.Duration timeout) throws InterruptedException {
        if (db == null) pausedAll = true;
        else pausedDatabases.add(db);
        poolsOf(db).forEach(p -> p.paused(true));
        org.tinylog.Logger.info("event=pause_started database={}", db == null ? "*" : db);
        int left = awaitZero(() -> poolsOf(db).stream().mapToInt(ServerPool::activeServers).sum(), timeout, "pause");
        org.tinylog.Logger.info("event=pause_{} database={} servers_in_use={}", left == 0 ? "complete" : "incomplete",
                db == null ? "*" : db, left);
        return left;
    }

    /** RESUME [db]. */
    public void resume(String db) {
        if (db == null) {
            pausedAll = false;
            pausedDatabases.clear();
            pools.all().forEach(p -> p.paused(false));
        } else {
            pausedDatabases.remove(db);
            if (!pausedAll) poolsOf(db).forEach(p -> p.paused(false));
        }
        org.tinylog.Logger.info("event=resume database={}", db == null ? "*" : db);
    }

    public boolean paused(String db) {
        return pausedAll || pausedDatabases.contains(db);
    }

    /** DISABLE / ENABLE db: refuse new clients of a database; connected ones are not touched. */
    public void disabled(String db, boolean off) {
        if (off) disabledDatabases.add(db);
        else disabledDatabases.remove(db);
        org.tinylog.Logger.info("event={} database={}", off ? "disable" : "enable", db);
    }

    boolean isDisabled(String db) {
        return disabledDatabases.contains(db);
    }

    /** RECONNECT [db]: replace every server connection as it becomes free. */
    public void reconnect(String db) {
        poolsOf(db).forEach(ServerPool::reconnect);
        org.tinylog.Logger.info("event=reconnect database={}", db == null ? "*" : db);
    }

    /** WAIT_CLOSE [db]: wait until the servers from before RECONNECT are gone; returns how many remain. */
    public int waitClose(String db, java.time.Duration timeout) throws InterruptedException {
        return awaitZero(() -> poolsOf(db).stream().mapToInt(ServerPool::oldServers).sum(), timeout, "wait_close");
    }

    /** KILL db: drop every client and server of the database now; new clients wait for RESUME. */
    public int killDatabase(String db) {
        pausedDatabases.add(db);
        poolsOf(db).forEach(p -> {
            p.paused(true);
            p.reconnect();
        });
        int n = 0;
        for (ClientSession s : sessions.values()) {
            if (db.equals(s.database)) {
                s.terminate("admin_kill", io.pgloom.wire.SqlState.ADMIN_SHUTDOWN,
                        "terminating connection due to administrator command (KILL " + db + ")");
                n++;
            }
        }
        org.tinylog.Logger.warn("event=kill_database database={} clients={}", db, n);
        return n;
    }

    /** Polls a count down to zero (50 ms steps) up to the timeout, logging progress every few seconds. */
    private int awaitZero(java.util.function.IntSupplier count, java.time.Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextLog = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        int left;
        while ((left = count.getAsInt()) > 0 && System.nanoTime() < deadline) {
            if (System.nanoTime() > nextLog) {
                org.tinylog.Logger.info("event={}_progress servers_in_use={}", what, left);
                nextLog = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            }
            Thread.sleep(50);
        }
        return left;
    }

    /** max_db_connections and max_user_connections, shared by every pool of that database or user. */
    private java.util.List<io.pgloom.pool.ConnectionBudget> budgets(ProxyConfig c, PoolKey key) {
        DatabaseConfig db = c.database(key.database()).orElseThrow();
        int dbMax = db.maxDbConnections() != null ? db.maxDbConnections() : c.proxy().maxDbConnections();
        UserConfig u = c.user(key.user()).orElse(null);
        int userMax = u != null && u.maxUserConnections() != null ? u.maxUserConnections() : c.proxy().maxUserConnections();
        return java.util.List.of(pools.budget("db:" + key.database(), dbMax), pools.budget("user:" + key.user(), userMax));
    }

    static PoolSettings poolSettings(ProxyConfig c, PoolKey key) {
        ProxySettings p = c.proxy();
        DatabaseConfig db = c.database(key.database()).orElseThrow();
        int size = c.poolSizeFor(key.database(), key.user());
        int min = db.minPoolSize() != null ? db.minPoolSize() : p.minPoolSize();
        return new PoolSettings(size, Math.min(min, size), p.reservePoolSize(), p.reservePoolTimeout(),
                p.queryWaitTimeout(), p.serverIdleTimeout(), p.serverLifetime(), p.serverLoginRetry(),
                p.serverCheckDelay(), p.serverCheckQuery());
    }

    private io.pgloom.pool.ServerConn openServer(PoolKey key) throws io.pgloom.pool.ServerLoginException {
        try {
            io.pgloom.pool.ServerConn c = login(key);
            metrics.serverConnects.labels(key.database(), key.user(), "ok").inc();
            return c;
        } catch (io.pgloom.pool.ServerLoginException e) {
            metrics.serverConnects.labels(key.database(), key.user(), e.reason()).inc();
            throw e;
        }
    }

    private io.pgloom.pool.ServerConn login(PoolKey key) throws io.pgloom.pool.ServerLoginException {
        ProxyConfig c = config;
        DatabaseConfig db = c.database(key.database()).orElseThrow(() -> new io.pgloom.pool.ServerLoginException(
                "database_removed", io.pgloom.wire.SqlState.INVALID_CATALOG_NAME,
                "database \"" + key.database() + "\" is no longer configured", null));
        ServerCredentials creds = credentialsFor(c, db, key.user());
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", creds.user());
        params.put("database", db.dbname());
        // Neutral startup: settings of whichever client asked for the server are applied on link (ParameterSync),
        // so RESET on the next link returns the server to these defaults, not to another client's values.
        params.putAll(db.startupParameters());
        return openOnHost(db, key, creds, params);
    }

    /** A login on a host fitting the database's target (waiting, up to the connect timeout, while none does). */
    io.pgloom.pool.ServerConn openOnHost(DatabaseConfig db, PoolKey key, ServerCredentials creds, Map<String, String> params)
            throws io.pgloom.pool.ServerLoginException {
        ProxyConfig c = config;
        io.pgloom.backend.Backend b;
        try {
            b = backends.acquire(db.name(), c.proxy().serverConnectTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.pgloom.pool.ServerLoginException("interrupted", io.pgloom.wire.SqlState.CONNECTION_FAILURE,
                    "interrupted while waiting for a host of database \"" + db.name() + "\"", e);
        }
        try {
            io.pgloom.pool.ServerConn conn = ServerLogin.open(key, b.hostName(), b.address(), b.port(), creds, params,
                    c.proxy().serverConnectTimeout(), c.proxy().tcpKeepalive(), c.proxy().maxPacketSize(), clock.nanoTime(),
                    backendTlsFor(c, db));
            backends.connected(b, conn);
            return conn;
        } catch (io.pgloom.pool.ServerLoginException e) {
            backends.connectFailed(b, e);
            throw e;
        }
    }

    /** A health check's login to one host: the probe credentials, no client settings, a name in pg_stat_activity. */
    io.pgloom.pool.ServerConn openHealthCheck(io.pgloom.backend.Backend b, Duration timeout) throws io.pgloom.pool.ServerLoginException {
        ProxyConfig c = config;
        DatabaseConfig db = c.database(b.database).orElseThrow(() -> new io.pgloom.pool.ServerLoginException(
                "database_removed", io.pgloom.wire.SqlState.INVALID_CATALOG_NAME, "database \"" + b.database + "\" is no longer configured", null));
        HealthCheckLogin.Choice login = HealthCheckLogin.choose(c, db);
        if (login == null) {
            throw new io.pgloom.pool.ServerLoginException("no_credentials", io.pgloom.wire.SqlState.INVALID_PASSWORD,
                    HealthCheckLogin.missing(c, db), null);
        }
        String user = login.user();
        ServerCredentials creds = credentialsFor(c, db, user);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", creds.user());
        params.put("database", db.dbname());
        params.put("application_name", "pgloom health check");
        return ServerLogin.open(new PoolKey(db.name(), user), b.hostName(), b.address(), b.port(), creds, params, timeout,
                c.proxy().tcpKeepalive(), c.proxy().maxPacketSize(), clock.nanoTime(), backendTlsFor(c, db));
    }

    /** The backend login: the database's forced user and password, else the client's own user and stored secret. */
    static ServerCredentials credentials(ProxyConfig c, DatabaseConfig db, String clientUser) {
        if (db.user() != null) return fromSecret(db.user(), db.password());
        UserConfig u = c.user(clientUser).orElse(null);
        return fromSecret(clientUser, u == null ? null : u.password());
    }

    /** As {@link #credentials}, for users known only through auth_query: their fetched secret and ClientKey. */
    private ServerCredentials credentialsFor(ProxyConfig c, DatabaseConfig db, String clientUser) {
        if (db.user() != null || c.user(clientUser).isPresent() || !authQuery.enabled()) return credentials(c, db, clientUser);
        try {
            Secret s = authQuery.lookup(db.name(), clientUser);
            if (s == null) return new ServerCredentials(clientUser, null, null);
            if (s.kind() == Secret.Kind.SCRAM) {
                return new ServerCredentials(clientUser, null, null, authQuery.clientKeys.get(clientUser),
                        io.pgloom.auth.ScramVerifier.parse(s.reveal()));
            }
            return fromSecret(clientUser, s);
        } catch (io.pgloom.pool.ServerLoginException e) {
            return new ServerCredentials(clientUser, null, null);
        }
    }

    private static ServerCredentials fromSecret(String user, Secret s) {
        if (s == null) return new ServerCredentials(user, null, null);
        return switch (s.kind()) {
            case PLAIN -> new ServerCredentials(user, s.reveal(), null);
            case MD5 -> new ServerCredentials(user, null, s.reveal());
            case SCRAM -> new ServerCredentials(user, null, null);
        };
    }

    /**
     * Readiness probe of one database: a fresh login and SELECT 1 with the credentials pgloom would use
     * (HealthCheckLogin.readinessUser). Returns null when it answered, else why not.
     */
    public String probeBackend(String database) {
        ProxyConfig c = config;
        DatabaseConfig db = c.database(database).orElse(null);
        if (db == null) return "not configured";
        if (db.backends().checked()) return backends.readiness(database); // the health checks already know
        String user = HealthCheckLogin.readinessUser(c, db, pools.all().stream().map(ServerPool::key)
                .filter(k -> k.database().equals(database)).map(PoolKey::user).toList());
        if (user == null) return "no credentials to probe with";
        try {
            io.pgloom.pool.ServerConn conn = login(new PoolKey(database, user));
            try {
                return ServerPool.runToReady(conn, "SELECT 1") ? null : "SELECT 1 failed";
            } finally {
                conn.closeSocket();
            }
        } catch (io.pgloom.pool.ServerLoginException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }

    /** Ends the sessions linked to a server on a host just marked down: their transactions are lost, never retried. */
    int endSessionsOn(io.pgloom.backend.Backend b) {
        int n = 0;
        for (ClientSession s : sessions.values()) {
            io.pgloom.pool.ServerConn linked;
            try (var h = s.link.lock.obtain()) {
                linked = s.link.server();
            }
            if (linked != null && b.owns(linked)) {
                s.terminate("backend_down", io.pgloom.wire.SqlState.CONNECTION_FAILURE, "server connection lost: backend host "
                        + b.name + " was marked down by health checks; the transaction, if one was open, is lost and was not retried");
                n++;
            }
        }
        return n;
    }

    /** SHOW CLIENTS. */
    public java.util.List<ClientRow> clientRows() {
        long nowNanos = clock.nanoTime();
        java.util.List<ClientRow> rows = new java.util.ArrayList<>();
        for (ClientSession s : sessions.values()) {
            String state;
            String linked = "";
            int pid = 0;
            try (var h = s.link.lock.obtain()) {
                if (s.waiting) state = "waiting";
                else if (s.link.outstanding() > 0) state = "active";
                else if (s.link.txStatus() != io.pgloom.wire.MessageType.TX_IDLE) state = "idle_in_transaction";
                else if (s.database.equals(ClientLogin.ADMIN_DATABASE)) state = "admin";
                else state = s.pool == null ? "login" : "idle";
                if (s.link.server() != null) {
                    linked = "S-" + s.link.server().id;
                    pid = s.link.server().backendPid();
                }
            }
            double wait = s.waiting ? (nowNanos - s.waitStartNanos) / 1e9 : 0;
            rows.add(new ClientRow(s.toString(), s.user, s.database, state, s.remoteAddress, s.remotePort,
                    s.applicationName, s.tls, s.mode.name().toLowerCase(), s.connectedAtMillis, s.lastRequestMillis,
                    wait, linked, pid, s.authMethod));
        }
        rows.sort(java.util.Comparator.comparingLong(r -> Long.parseLong(r.id().substring(2))));
        return rows;
    }

    /** SHOW SERVERS. */
    public java.util.List<ServerRow> serverRows() {
        long nowNanos = clock.nanoTime();
        long nowMillis = clock.currentTimeMillis();
        java.util.List<ServerRow> rows = new java.util.ArrayList<>();
        for (ServerPool p : pools.all()) {
            for (io.pgloom.pool.ServerConn c : p.servers()) {
                long linked = c.linkedClientId();
                rows.add(new ServerRow("S-" + c.id, p.key().database(), p.key().user(), c.state().name().toLowerCase(),
                        c.host, c.port, c.backendPid(), c.serverVersion(),
                        nowMillis - (nowNanos - c.createdNanos) / 1_000_000, nowMillis - (nowNanos - c.lastUsedNanos()) / 1_000_000,
                        linked == 0 ? "" : "C-" + linked, c.prepared.size()));
            }
        }
        rows.sort(java.util.Comparator.comparingLong(r -> Long.parseLong(r.id().substring(2))));
        return rows;
    }

    /** KILL_CLIENT: ends one client session with 57P01; false when no such client. */
    public boolean killClient(String id) {
        String n = id.startsWith("C-") || id.startsWith("c-") ? id.substring(2) : id;
        try {
            ClientSession s = sessions.get(Long.parseLong(n));
            if (s == null) return false;
            s.terminate("admin_kill", io.pgloom.wire.SqlState.ADMIN_SHUTDOWN, "terminating connection due to administrator command (KILL_CLIENT)");
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public String reload() {
        return reloader.get();
    }

    /** SHUTDOWN [WAIT_FOR_CLIENTS]: the process wiring runs the shutdown sequence. */
    public void requestShutdown(boolean waitForClients) {
        this.waitForClients = waitForClients;
        shutdownTrigger.run();
    }

    private volatile boolean waitForClients;

    /** SHUTDOWN WAIT_FOR_CLIENTS: no session is ended by pgloom; the process exits when the last client leaves. */
    public boolean waitForClients() {
        return waitForClients;
    }

    volatile AdminHandler admin;

    public void adminHandler(AdminHandler h) {
        admin = h;
    }

    private static void logCertificates(io.pgloom.tls.TlsContexts.ServerTls t) {
        if (t == null) return;
        for (java.security.cert.X509Certificate c : t.certificates()) {
            org.tinylog.Logger.info("event=tls_certificate_loaded subject={} not_after={}", c.getSubjectX500Principal().getName(),
                    c.getNotAfter().toInstant());
        }
    }

    /** Janitor pass: every session's timeouts (Timeouts), with the settings in force now. */
    private void watchTimeouts() {
        Timeouts.Limits limits = Timeouts.Limits.of(config.proxy());
        if (!limits.anyOn()) return;
        long now = clock.nanoTime();
        for (ClientSession s : sessions.values()) {
            Runnable end = s.expiredTimeout(now, limits);
            if (end != null) Thread.ofVirtual().name("pgloom-timeout-" + s).start(end);
        }
    }

    /** The periodic stats line: one line a minute with the numbers an operator checks first. */
    private void logStats() {
        int clients = 0, waiting = 0, servers = 0, active = 0;
        for (io.pgloom.metrics.PoolRow r : state.pools()) {
            clients += r.clientsActive() + r.clientsIdle() + r.clientsIdleInTransaction() + r.clientsWaiting();
            waiting += r.clientsWaiting();
            servers += r.serversActive() + r.serversIdle() + r.serversLogin() + r.serversTested();
            active += r.serversActive();
        }
        org.tinylog.Logger.info("event=stats clients={} waiting={} servers={} servers_active={} pools={} sessions={}",
                clients, waiting, servers, active, pools.all().size(), sessionCount());
    }

    /** The last flight-recorder dumps, newest last (SHOW FLIGHTS); bounded. */
    public record Flight(String client, String reason, String messages, long atMillis) {}

    private final java.util.ArrayDeque<Flight> flights = new java.util.ArrayDeque<>();
    private final io.pgloom.util.ResourceLock flightsLock = new io.pgloom.util.ResourceLock();
    private static final int MAX_FLIGHTS = 20;

    void rememberFlight(String client, String reason, String messages) {
        try (var h = flightsLock.obtain()) {
            if (flights.size() == MAX_FLIGHTS) flights.removeFirst();
            flights.addLast(new Flight(client, reason, messages, clock.currentTimeMillis()));
        }
    }

    public java.util.List<Flight> flights() {
        try (var h = flightsLock.obtain()) {
            return java.util.List.copyOf(flights);
        }
    }

    /** Failed logins per source address since its last success (bounded; feeds auth_failure_delay). */
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> authFailures = new ConcurrentHashMap<>();

    int authFailed(String address) {
        if (authFailures.size() > 10_000) authFailures.clear(); // a flood of sources: start over rather than grow
        return authFailures.computeIfAbsent(address, a -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
    }

    void authSucceeded(String address) {
        authFailures.remove(address);
    }

    /** How many source addresses have failed logins pending (pgloom_auth_failure_sources). */
    public int authFailureSources() {
        return authFailures.size();
    }

    void add(ClientSession s) {
        sessions.put(s.id, s);
    }

    void remove(ClientSession s) {
        sessions.remove(s.id, s);
    }

    public Collection<ClientSession> sessions() {
        return sessions.values();
    }

    public int sessionCount() {
        return sessions.size();
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Stops new work: idle sessions close now with 57P01, busy ones after their transaction ends. */
    public void beginShutdown() {
        shuttingDown = true;
        if (waitForClients) return; // clients leave by themselves (rolling restart)
        for (ClientSession s : sessions.values()) s.shutdownIfIdle();
    }

    /** Shutdown timeout reached: everyone goes now. */
    public void forceCloseAll() {
        for (ClientSession s : sessions.values()) s.terminate("shutdown_timeout", io.pgloom.wire.SqlState.ADMIN_SHUTDOWN,
                "terminating connection because pgloom is shutting down");
    }
}
