// What every session of one pgloom process shares, wired in one place: the current config and its TLS material,
// the pools and the server connector (io.pgloom.runtime), the cancel keys, the list of
// live sessions (for SHOW CLIENTS and shutdown) and the shutdown state.
package io.pgloom.session;

import io.pgloom.config.ProxyConfig;
import io.pgloom.peer.Peers;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.Pools;
import io.pgloom.pool.ServerPool;
import io.pgloom.runtime.AuthQuery;
import io.pgloom.runtime.ServerConnector;
import io.pgloom.tls.TlsState;
import io.pgloom.trace.FlightLog;
import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import org.tinylog.Logger;

public final class ProxyRuntime {
    private volatile ProxyConfig config;
    public final Pools pools;
    public final Clock clock;
    final CancelRegistry cancels;
    /** Peering: which instance issued a cancel key, forwarding to it, SHOW PEERS (io.pgloom.peer). */
    public final Peers peers;
    /** Full-size client read buffers, lent while a message is in flight (an idle client holds only a small one). */
    public final io.pgloom.wire.BufferPool clientBuffers =
            new io.pgloom.wire.BufferPool(ClientSession.CLIENT_BUFFER, 1024);

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

    volatile Runnable shutdownTrigger = () -> {};

    /** TLS material of the current config ([tls], [server_tls]); swapped on RELOAD for new connections. */
    private volatile TlsState tlsState;

    /** Client-facing TLS, or null when TLS is off. */
    public io.pgloom.tls.TlsContexts.ServerTls tls() {
        return tlsState.server();
    }

    /** Logged-in clients per database and user (max_db_client_connections, max_user_client_connections). */
    public final io.pgloom.runtime.ClientCounts clientCounts = new io.pgloom.runtime.ClientCounts();
    /** Every login pgloom makes to PostgreSQL (pools, health checks, readiness, auth_query). */
    public final ServerConnector servers;
    /** auth_query lookups and the ClientKeys of pass-through logins. */
    public final AuthQuery authQuery;

    /** The hosts of every database: health, roles, routing, drain (the backend layer). */
    public final io.pgloom.backend.BackendRegistry backends;

    public ProxyRuntime(ProxyConfig config, Clock clock, io.pgloom.metrics.Metrics metrics) {
        this.tlsState = TlsState.of(config);
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.startedMillis = clock.currentTimeMillis();
        this.peers = new Peers(
                config.peers(),
                () -> this.config.proxy().serverConnectTimeout(),
                metrics.cancelRequests,
                metrics.registry,
                clock);
        this.cancels = new CancelRegistry(peers.keys());
        this.flights = new FlightLog(clock);
        this.pools = new Pools(clock, Duration.ofSeconds(1));
        this.state = new RuntimeState(this);
        this.traces = new io.pgloom.trace.TraceRegistry(
                () -> this.config.trace(),
                () -> sessions.values().stream().map(TracedSession::new).toList(),
                ClientLogin.ADMIN_DATABASE,
                metrics.tracesActive,
                metrics.traceMessages,
                metrics.traceDropped);
        new io.pgloom.metrics.PoolCollector(state).register(metrics.registry);
        this.backends = new io.pgloom.backend.BackendRegistry(config, clock, new BackendEvents(this));
        this.servers = new ServerConnector(() -> this.config, () -> this.tlsState, pools, backends, metrics, clock);
        this.authQuery = servers.authQuery();
        new io.pgloom.metrics.BackendCollector(backends).register(metrics.registry);
        pools.everyMinute(this::logStats);
        pools.everyPass(this::watchTimeouts);
    }

    /** Checks every host once (bounded), then keeps checking them (Pgloom.start). */
    public void startBackends() throws InterruptedException {
        backends.start(servers::openHealthCheck);
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
        this.tlsState = TlsState.of(c);
        this.config = c;
        backends.configure(c);
        peers.configure(c.peers());
        for (ServerPool p : pools.all()) {
            if (c.database(p.key().database()).isPresent()) {
                p.settings(ServerConnector.poolSettings(c, p.key()));
                servers.budgets(c, p.key()); // updates the shared caps' max
            }
        }
    }

    /**
     * A CancelRequest, from a client or forwarded by a peer: another peer's key goes to that peer (Peers.route),
     * this instance's cancels the query its session runs now.
     */
    public void serveCancel(int pid, byte[] secret, String remote) {
        if (peers.route(pid, secret, remote) != Peers.Route.LOCAL) return;
        ClientSession target = cancels.find(pid, secret);
        if (target != null) target.cancelCurrent();
        else {
            metrics.cancelRequests.labels("unknown_key").inc();
            Logger.info("event=cancel_dropped remote={} reason=unknown_key", remote);
        }
    }

    /** The pool for (database, user), created on first use (paused if its database is). */
    ServerPool pool(PoolKey key) {
        return pools.get(key, k -> {
            ProxyConfig c = config;
            ServerPool p = new ServerPool(
                    k, ServerConnector.poolSettings(c, k), servers::openServer, clock, servers.budgets(c, k));
            if (pausedAll || pausedDatabases.contains(k.database())) p.paused(true);
            return p;
        });
    }

    // ---- Pool control (admin console): PAUSE, RESUME, DISABLE, ENABLE, RECONNECT, WAIT_CLOSE, KILL ----

    private volatile boolean pausedAll;
    private final java.util.Set<String> pausedDatabases = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> disabledDatabases = ConcurrentHashMap.newKeySet();

    private java.util.List<ServerPool> poolsOf(String db) {
        return pools.all().stream()
                .filter(p -> db == null || p.key().database().equals(db))
                .toList();
    }

    /** PAUSE [db]: new requests wait; returns once no server is in use, or the server count still in use. */
    public int pause(String db, java.time.Duration timeout) throws InterruptedException {
        if (db == null) pausedAll = true;
        else pausedDatabases.add(db);
        poolsOf(db).forEach(p -> p.paused(true));
        org.tinylog.Logger.info("event=pause_started database={}", db == null ? "*" : db);
        int left = awaitZero(
                () -> poolsOf(db).stream().mapToInt(ServerPool::activeServers).sum(), timeout, "pause");
        org.tinylog.Logger.info(
                "event=pause_{} database={} servers_in_use={}",
                left == 0 ? "complete" : "incomplete",
                db == null ? "*" : db,
                left);
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
        return awaitZero(
                () -> poolsOf(db).stream().mapToInt(ServerPool::oldServers).sum(), timeout, "wait_close");
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
                s.terminate(
                        "admin_kill",
                        io.pgloom.wire.SqlState.ADMIN_SHUTDOWN,
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

    /** Ends the sessions linked to a server on a host just marked down: their transactions are lost, never retried. */
    int endSessionsOn(io.pgloom.backend.Backend b) {
        int n = 0;
        for (ClientSession s : sessions.values()) {
            io.pgloom.pool.ServerConn linked;
            try (var h = s.link.lock.obtain()) {
                linked = s.link.server();
            }
            if (linked != null && b.owns(linked)) {
                s.terminate(
                        "backend_down",
                        io.pgloom.wire.SqlState.CONNECTION_FAILURE,
                        "server connection lost: backend host " + b.name
                                + " was marked down by health checks; the transaction, if one was open, is lost and was not retried");
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
            rows.add(new ClientRow(
                    s.toString(),
                    s.user,
                    s.database,
                    state,
                    s.remoteAddress,
                    s.remotePort,
                    s.applicationName,
                    s.tls,
                    s.mode.name().toLowerCase(),
                    s.connectedAtMillis,
                    s.lastRequestMillis,
                    wait,
                    linked,
                    pid,
                    s.authMethod));
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
                rows.add(new ServerRow(
                        "S-" + c.id,
                        p.key().database(),
                        p.key().user(),
                        c.state().name().toLowerCase(),
                        c.host,
                        c.port,
                        c.backendPid(),
                        c.serverVersion(),
                        nowMillis - (nowNanos - c.createdNanos) / 1_000_000,
                        nowMillis - (nowNanos - c.lastUsedNanos()) / 1_000_000,
                        linked == 0 ? "" : "C-" + linked,
                        c.prepared.size()));
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
            s.terminate(
                    "admin_kill",
                    io.pgloom.wire.SqlState.ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command (KILL_CLIENT)");
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
        org.tinylog.Logger.info(
                "event=stats clients={} waiting={} servers={} servers_active={} pools={} sessions={}",
                clients,
                waiting,
                servers,
                active,
                pools.all().size(),
                sessionCount());
    }

    /** The last flight-recorder dumps (SHOW FLIGHTS). */
    public final FlightLog flights;

    /** Failed logins per source address since its last success (bounded; feeds auth_failure_delay). */
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> authFailures =
            new ConcurrentHashMap<>();

    int authFailed(String address) {
        if (authFailures.size() > 10_000) authFailures.clear(); // a flood of sources: start over rather than grow
        return authFailures
                .computeIfAbsent(address, a -> new java.util.concurrent.atomic.AtomicInteger())
                .incrementAndGet();
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
        for (ClientSession s : sessions.values())
            s.terminate(
                    "shutdown_timeout",
                    io.pgloom.wire.SqlState.ADMIN_SHUTDOWN,
                    "terminating connection because pgloom is shutting down");
    }
}
