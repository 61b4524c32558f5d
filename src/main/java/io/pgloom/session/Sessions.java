// The live client sessions of one process: registered at accept, removed at close, and everything done to all of
// them (SHOW CLIENTS, KILL, shutdown, the janitor's timeouts, health-check failover, tracing, pool gauges). Attached
// to the runtime as its SessionDirectory; also holds what only sessions share: the cancel keys and read buffers.
package io.pgloom.session;

import io.pgloom.backend.Backend;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerPool;
import io.pgloom.runtime.ClientRow;
import io.pgloom.runtime.PoolClients;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.runtime.SessionDirectory;
import io.pgloom.trace.Traced;
import io.pgloom.wire.BufferPool;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SqlState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class Sessions implements SessionDirectory {
    final ProxyRuntime runtime;
    final CancelRegistry cancels;
    /** Full-size client read buffers, lent while a message is in flight (an idle client holds only a small one). */
    final BufferPool clientBuffers = new BufferPool(ClientSession.CLIENT_BUFFER, 1024);

    private final ConcurrentHashMap<Long, ClientSession> byId = new ConcurrentHashMap<>();

    private Sessions(ProxyRuntime runtime) {
        this.runtime = runtime;
        this.cancels = new CancelRegistry(runtime.peers.keys());
    }

    /** The sessions of this runtime, attached to it as its directory (once per runtime). */
    public static Sessions attach(ProxyRuntime runtime) {
        Sessions s = new Sessions(runtime);
        runtime.attach(s);
        return s;
    }

    void add(ClientSession s) {
        byId.put(s.id, s);
    }

    void remove(ClientSession s) {
        byId.remove(s.id, s);
    }

    /** Every session open now. */
    public Collection<ClientSession> all() {
        return byId.values();
    }

    @Override
    public int count() {
        return byId.size();
    }

    @Override
    public Map<PoolKey, PoolClients> clientsByPool() {
        Map<PoolKey, PoolClients> byPool = new HashMap<>();
        for (ClientSession s : byId.values()) {
            ServerPool p = s.pool;
            if (p == null) continue;
            PoolClients c = byPool.computeIfAbsent(p.key(), k -> new PoolClients());
            if (s.waiting) {
                c.waiting++;
                continue;
            }
            try (var h = s.link.lock.obtain()) {
                boolean inTx = s.link.txStatus() != MessageType.TX_IDLE;
                if (s.link.outstanding() > 0) c.active++;
                else if (inTx) c.idleInTransaction++;
                else c.idle++;
                long txStart = s.link.txStartNanos();
                if (txStart != 0) c.oldestTransactionStart = Math.min(c.oldestTransactionStart, txStart);
            }
        }
        return byPool;
    }

    @Override
    public List<ClientRow> clientRows() {
        long nowNanos = runtime.clock.nanoTime();
        List<ClientRow> rows = new ArrayList<>();
        for (ClientSession s : byId.values()) {
            String state;
            String linked = "";
            int pid = 0;
            try (var h = s.link.lock.obtain()) {
                if (s.waiting) state = "waiting";
                else if (s.link.outstanding() > 0) state = "active";
                else if (s.link.txStatus() != MessageType.TX_IDLE) state = "idle_in_transaction";
                else if (s.database.equals(ProxyRuntime.ADMIN_DATABASE)) state = "admin";
                else if (s.link.pinned()) state = "pinned";
                else if (s.replicationServer != null) state = "replication";
                else state = s.pool == null ? "login" : "idle";
                ServerConn server = s.link.server() != null ? s.link.server() : s.replicationServer;
                if (server != null) {
                    linked = "S-" + server.id;
                    pid = server.backendPid();
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
                    s.mode.name().toLowerCase(Locale.ROOT),
                    s.connectedAtMillis,
                    s.lastRequestMillis,
                    wait,
                    linked,
                    pid,
                    s.authMethod));
        }
        rows.sort(Comparator.comparingLong(r -> Long.parseLong(r.id().substring(2))));
        return rows;
    }

    @Override
    public boolean cancel(int pid, byte[] secret) {
        ClientSession target = cancels.find(pid, secret);
        if (target == null) return false;
        CancelForwarder.cancel(target);
        return true;
    }

    @Override
    public boolean killClient(String id) {
        String n = id.startsWith("C-") || id.startsWith("c-") ? id.substring(2) : id;
        try {
            ClientSession s = byId.get(Long.parseLong(n));
            if (s == null) return false;
            s.terminate(
                    "admin_kill",
                    SqlState.ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command (KILL_CLIENT)");
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public int endClientsOf(String database) {
        int n = 0;
        for (ClientSession s : byId.values()) {
            if (database.equals(s.database)) {
                s.terminate(
                        "admin_kill",
                        SqlState.ADMIN_SHUTDOWN,
                        "terminating connection due to administrator command (KILL " + database + ")");
                n++;
            }
        }
        return n;
    }

    @Override
    public int endSessionsOn(Backend b) {
        int n = 0;
        for (ClientSession s : byId.values()) {
            ServerConn linked;
            try (var h = s.link.lock.obtain()) {
                linked = s.link.server() != null ? s.link.server() : s.replicationServer;
            }
            if (linked != null && b.owns(linked)) {
                s.terminate(
                        "backend_down",
                        SqlState.CONNECTION_FAILURE,
                        "server connection lost: backend host " + b.name
                                + " was marked down by health checks; the transaction, if one was open, is lost and"
                                + " was not retried");
                n++;
            }
        }
        return n;
    }

    @Override
    public void closeIdle() {
        for (ClientSession s : byId.values()) s.shutdownIfIdle();
    }

    @Override
    public void closeAll() {
        for (ClientSession s : byId.values())
            s.terminate(
                    "shutdown_timeout",
                    SqlState.ADMIN_SHUTDOWN,
                    "terminating connection because pgloom is shutting down");
    }

    @Override
    public void checkTimeouts() {
        Timeouts.Limits limits = Timeouts.Limits.of(runtime.config().proxy());
        if (!limits.anyOn()) return;
        long now = runtime.clock.nanoTime();
        for (ClientSession s : byId.values()) {
            Runnable end = s.expiredTimeout(now, limits);
            if (end != null) Thread.ofVirtual().name("pgloom-timeout-" + s).start(end);
        }
    }

    @Override
    public List<Traced> traced() {
        List<Traced> out = new ArrayList<>(byId.size());
        for (ClientSession s : byId.values()) out.add(new TracedSession(s));
        return out;
    }
}
