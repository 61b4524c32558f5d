// One PostgreSQL host of one database as pgloom sees it: its address (resolved off the hot path), the role and
// up/down state health checks found, whether it drains, and the server connections open to it. State fields are
// guarded by the database's Failover lock; the connection set and counts are concurrent.
package io.pgloom.backend;

import io.pgloom.config.Backends;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerState;
import io.pgloom.util.ResourceLock;
import java.net.InetAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

public final class Backend {
    public final String database;
    /** "host:port" (IPv6 in brackets), as operators name it. */
    public final String name;
    /** Host, port and weight; the weight follows RELOAD. */
    volatile Backends.Host host;
    /** Resolved by the health thread (HostResolver); null until then, and then ServerLogin resolves by name. */
    volatile InetAddress address;

    volatile boolean dnsFailing;

    // ---- guarded by Failover.lock ----
    boolean up;
    BackendRole role = BackendRole.UNKNOWN;
    boolean draining;
    boolean everChecked;
    int failures;
    int passes;
    long lastCheckMillis;
    String lastError = "";
    /** The last check could not run for pgloom's own reasons (no login, credentials refused); cleared by a pass. */
    boolean checkBlocked;
    /** WAL position the last check saw (primary: current, standby: replayed), -1 unknown. */
    long lsn = -1;
    /** Standby: bytes behind the primary's last seen LSN and seconds behind in replay, -1 unknown. */
    long lagBytes = -1;

    double lagSeconds = -1;
    /** Standby out of read rotation: past max_replica_lag_*, until below half of both. */
    boolean lagging;

    /** Server connections open or being opened to this host (least-connections balancing). */
    final AtomicInteger connections = new AtomicInteger();

    final Set<ServerConn> servers = ConcurrentHashMap.newKeySet();
    /** Why connections attached from now on are retired at once (down, draining), or null. */
    volatile String retiring;

    /** The health check's own connection, kept between checks; touched only under checkLock. */
    final ResourceLock checkLock = new ResourceLock();

    ServerConn checkConn;
    /** Health thread bookkeeping: next check due, and a check running now. */
    volatile long nextCheckNanos;

    volatile boolean checking;

    Backend(String database, Backends.Host host, boolean checked) {
        this.database = database;
        this.name = host.name();
        this.host = host;
        this.up = !checked; // a checked host is usable only once a check passed
    }

    public String hostName() {
        return host.host();
    }

    public int port() {
        return host.port();
    }

    public InetAddress address() {
        return address;
    }

    /** Whether this server connection goes to this host. */
    public boolean owns(ServerConn c) {
        return servers.contains(c);
    }

    /** A new server connection to this host: counted until its socket closes; retired at once if the host is. */
    void attach(ServerConn c) {
        servers.add(c);
        c.onClose(() -> {
            if (servers.remove(c)) connections.decrementAndGet();
        });
        String r = retiring;
        if (r != null) c.retire(r);
        if (c.isClosed() && servers.remove(c)) connections.decrementAndGet(); // closed before the hook was set
    }

    /** Every connection to this host is closed when idle or when it comes back (reason null: reusable again). */
    void retireAll(String reason) {
        retiring = reason;
        for (ServerConn c : servers) c.retire(reason);
    }

    /** Closes every connection to this host (or only read pools' ones) as it becomes idle; later ones are kept. */
    void retireOpen(String reason, boolean readPoolsOnly) {
        for (ServerConn c : servers) if (!readPoolsOnly || c.pool.reads()) c.retire(reason);
    }

    /** Server connections linked to a client right now. */
    int sessions() {
        int n = 0;
        for (ServerConn c : servers) if (c.state() == ServerState.ACTIVE) n++;
        return n;
    }

    void closeCheckConnection() {
        ServerConn c = checkConn;
        checkConn = null;
        if (c != null) c.closeSocket();
    }

    @Override
    public String toString() {
        return database + "/" + name;
    }
}
