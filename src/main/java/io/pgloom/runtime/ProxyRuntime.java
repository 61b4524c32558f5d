// What every session of one pgloom process shares, wired in one place: the current config and its TLS material,
// the pools and the server connector, the backends, metrics and tracing, pool control (PAUSE … KILL), login
// failure counts and the shutdown state. The live sessions are reached through the SessionDirectory the session
// layer attaches.
package io.pgloom.runtime;

import io.pgloom.backend.BackendRegistry;
import io.pgloom.config.ProxyConfig;
import io.pgloom.metrics.BackendCollector;
import io.pgloom.metrics.Metrics;
import io.pgloom.metrics.PoolCollector;
import io.pgloom.metrics.PoolRow;
import io.pgloom.metrics.StateSource;
import io.pgloom.peer.Peers;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.Pools;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerPool;
import io.pgloom.tls.TlsContexts;
import io.pgloom.tls.TlsState;
import io.pgloom.trace.FlightLog;
import io.pgloom.trace.TraceRegistry;
import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.tinylog.Logger;

public final class ProxyRuntime {
    private volatile ProxyConfig config;
    public final Pools pools;
    public final Clock clock;
    /** The database name of the admin console. */
    public static final String ADMIN_DATABASE = "pgloom";

    /** The live sessions, attached by the session layer (session.Sessions) right after construction. */
    private volatile SessionDirectory sessions;
    /** Peering: which instance issued a cancel key, forwarding to it, SHOW PEERS (io.pgloom.peer). */
    public final Peers peers;

    private volatile boolean shuttingDown;
    public final Metrics metrics;
    public final long startedMillis;
    /** TRACE ON / OFF and the taps of traced sessions. */
    public final TraceRegistry traces;
    /** Pools, clients and counters as SHOW and /metrics read them. */
    public final StateSource state;
    /** Set by the process wiring: what RELOAD and SHUTDOWN in the admin console do. */
    private volatile Supplier<String> reloader = () -> "reload is not available";

    private volatile Runnable shutdownTrigger = () -> {};

    /** TLS material of the current config ([tls], [server_tls]); swapped on RELOAD for new connections. */
    private volatile TlsState tlsState;

    /** Client-facing TLS, or null when TLS is off. */
    public TlsContexts.ServerTls tls() {
        return tlsState.server();
    }

    /** The TLS material of the current config, both sides. */
    public TlsState tlsState() {
        return tlsState;
    }

    /** Logged-in clients per database and user (max_db_client_connections, max_user_client_connections). */
    public final ClientCounts clientCounts = new ClientCounts();
    /** Every login pgloom makes to PostgreSQL (pools, health checks, readiness, auth_query). */
    public final ServerConnector servers;
    /** auth_query lookups and the ClientKeys of pass-through logins. */
    public final AuthQuery authQuery;
    /** Databases served by [databases."*"], created on first use and dropped when idle. */
    public final AutoDatabases autoDatabases;

    /** The hosts of every database: health, roles, routing, drain (the backend layer). */
    public final BackendRegistry backends;
    /** new_client_heap_limit: whether the heap has room for new clients. */
    public final HeapGuard heapGuard;

    public ProxyRuntime(ProxyConfig config, Clock clock, Metrics metrics) {
        this.tlsState = TlsState.of(config);
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.startedMillis = clock.currentTimeMillis();
        this.heapGuard = new HeapGuard(clock, () -> this.config.proxy().newClientHeapLimit());
        this.peers = new Peers(
                config.peers(),
                () -> this.config.proxy().serverConnectTimeout(),
                metrics.cancelRequests,
                metrics.registry,
                clock);
        this.flights = new FlightLog(clock);
        this.pools = new Pools(clock, Duration.ofSeconds(1));
        this.state = new RuntimeState(this);
        this.traces = new TraceRegistry(
                () -> this.config.trace(),
                () -> sessions == null ? List.of() : sessions.traced(),
                ADMIN_DATABASE,
                metrics.tracesActive,
                metrics.traceMessages,
                metrics.traceDropped);
        new PoolCollector(state).register(metrics.registry);
        this.backends = new BackendRegistry(config, clock, new BackendEvents(this));
        this.servers = new ServerConnector(() -> this.config, () -> this.tlsState, pools, backends, metrics, clock);
        this.authQuery = servers.authQuery();
        new BackendCollector(backends).register(metrics.registry);
        pools.everyMinute(this::logStats);
        this.autoDatabases = new AutoDatabases(() -> this.config, pools, clientCounts, metrics, clock);
        pools.everyPass(() -> {
            watchTimeouts();
            autoDatabases.sweep();
        });
    }

    /** The session layer's directory of live sessions; once, right after construction. */
    public void attach(SessionDirectory directory) {
        if (sessions != null) throw new IllegalStateException("sessions already attached");
        sessions = directory;
    }

    public SessionDirectory sessions() {
        return sessions;
    }

    /** Checks every host once (bounded), then keeps checking them (Pgloom.start). */
    public void startBackends() throws InterruptedException {
        backends.start(servers::openHealthCheck);
    }

    public void onReload(Supplier<String> r) {
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
        if (!sessions.cancel(pid, secret)) {
            metrics.cancelRequests.labels("unknown_key").inc();
            Logger.info("event=cancel_dropped remote={} reason=unknown_key", remote);
        }
    }

    /** The pool for (database, user), created on first use (paused if its database is). */
    public ServerPool pool(PoolKey key) {
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
    private final Set<String> pausedDatabases = ConcurrentHashMap.newKeySet();
    private final Set<String> disabledDatabases = ConcurrentHashMap.newKeySet();

    private List<ServerPool> poolsOf(String db) {
        return pools.all().stream()
                .filter(p -> db == null || p.key().database().equals(db))
                .toList();
    }

    /** PAUSE [db]: new requests wait; returns once no server is in use, or the server count still in use. */
    public int pause(String db, Duration timeout) throws InterruptedException {
        if (db == null) pausedAll = true;
        else pausedDatabases.add(db);
        poolsOf(db).forEach(p -> p.paused(true));
        Logger.info("event=pause_started database={}", db == null ? "*" : db);
        int left = awaitZero(
                () -> poolsOf(db).stream().mapToInt(ServerPool::activeServers).sum(), timeout, "pause");
        Logger.info(
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
        Logger.info("event=resume database={}", db == null ? "*" : db);
    }

    public boolean paused(String db) {
        return pausedAll || pausedDatabases.contains(db);
    }

    /** DISABLE / ENABLE db: refuse new clients of a database; connected ones are not touched. */
    public void disabled(String db, boolean off) {
        if (off) disabledDatabases.add(db);
        else disabledDatabases.remove(db);
        Logger.info("event={} database={}", off ? "disable" : "enable", db);
    }

    public boolean isDisabled(String db) {
        return disabledDatabases.contains(db);
    }

    /** RECONNECT [db]: replace every server connection as it becomes free. */
    public void reconnect(String db) {
        poolsOf(db).forEach(ServerPool::reconnect);
        Logger.info("event=reconnect database={}", db == null ? "*" : db);
    }

    /** WAIT_CLOSE [db]: wait until the servers from before RECONNECT are gone; returns how many remain. */
    public int waitClose(String db, Duration timeout) throws InterruptedException {
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
        int n = sessions.endClientsOf(db);
        Logger.warn("event=kill_database database={} clients={}", db, n);
        return n;
    }

    /** Polls a count down to zero (50 ms steps) up to the timeout, logging progress every few seconds. */
    private int awaitZero(IntSupplier count, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextLog = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int left;
        while ((left = count.getAsInt()) > 0 && System.nanoTime() < deadline) {
            if (System.nanoTime() > nextLog) {
                Logger.info("event={}_progress servers_in_use={}", what, left);
                nextLog = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            }
            Thread.sleep(50);
        }
        return left;
    }

    /** SHOW CLIENTS. */
    public List<ClientRow> clientRows() {
        return sessions.clientRows();
    }

    /** SHOW SERVERS. */
    public List<ServerRow> serverRows() {
        long nowNanos = clock.nanoTime();
        long nowMillis = clock.currentTimeMillis();
        List<ServerRow> rows = new ArrayList<>();
        for (ServerPool p : pools.all()) {
            for (ServerConn c : p.servers()) {
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
        rows.sort(Comparator.comparingLong(r -> Long.parseLong(r.id().substring(2))));
        return rows;
    }

    /** KILL_CLIENT: ends one client session with 57P01; false when no such client. */
    public boolean killClient(String id) {
        return sessions.killClient(id);
    }

    public String reload() {
        return reloader.get();
    }

    /** SHUTDOWN [WAIT_FOR_CLIENTS]: the process wiring runs the shutdown sequence. */
    public void requestShutdown(boolean waitForClients) {
        requestShutdown(waitForClients, config().proxy().waitForClientsTimeout());
    }

    /**
     * SHUTDOWN WAIT_FOR_CLIENTS with a deadline (zero: none): past it, the clients still connected are shut down as
     * by a plain SHUTDOWN (each at the end of its transaction, then shutdown_timeout).
     */
    public void requestShutdown(boolean waitForClients, Duration drainDeadline) {
        this.drainDeadline = drainDeadline;
        this.waitForClients = waitForClients;
        shutdownTrigger.run();
    }

    private volatile boolean waitForClients;
    private volatile Duration drainDeadline = Duration.ZERO;

    /** How long SHUTDOWN WAIT_FOR_CLIENTS waits for clients to leave by themselves (zero: as long as they stay). */
    public Duration drainDeadline() {
        return drainDeadline;
    }

    /** The drain deadline passed: the clients left are shut down as by a plain SHUTDOWN. */
    public void endDrain() {
        waitForClients = false;
        if (shuttingDown) sessions.closeIdle();
    }

    /** SHUTDOWN WAIT_FOR_CLIENTS: no session is ended by pgloom; the process exits when the last client leaves. */
    public boolean waitForClients() {
        return waitForClients;
    }

    private volatile AdminHandler admin;

    public void adminHandler(AdminHandler h) {
        admin = h;
    }

    /** The admin console's handler, or null before the wiring set it. */
    public AdminHandler adminHandler() {
        return admin;
    }

    /** Janitor pass: every session's timeouts. */
    private void watchTimeouts() {
        SessionDirectory d = sessions;
        if (d != null) d.checkTimeouts();
    }

    /** The periodic stats line: one line a minute with the numbers an operator checks first. */
    private void logStats() {
        int clients = 0, waiting = 0, servers = 0, active = 0;
        for (PoolRow r : state.pools()) {
            clients += r.clientsActive() + r.clientsIdle() + r.clientsIdleInTransaction() + r.clientsWaiting();
            waiting += r.clientsWaiting();
            servers += r.serversActive() + r.serversIdle() + r.serversLogin() + r.serversTested();
            active += r.serversActive();
        }
        Logger.info(
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
    private final ConcurrentHashMap<String, AtomicInteger> authFailures = new ConcurrentHashMap<>();

    public int authFailed(String address) {
        if (authFailures.size() > 10_000) authFailures.clear(); // a flood of sources: start over rather than grow
        return authFailures.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
    }

    public void authSucceeded(String address) {
        authFailures.remove(address);
    }

    /** How many source addresses have failed logins pending (pgloom_auth_failure_sources). */
    public int authFailureSources() {
        return authFailures.size();
    }

    public int sessionCount() {
        SessionDirectory d = sessions;
        return d == null ? 0 : d.count();
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Stops new work: idle sessions close now with 57P01, busy ones after their transaction ends. */
    public void beginShutdown() {
        shuttingDown = true;
        if (waitForClients) return; // clients leave by themselves (rolling restart)
        sessions.closeIdle();
    }

    /** Shutdown timeout reached: everyone goes now. */
    public void forceCloseAll() {
        sessions.closeAll();
    }
}
