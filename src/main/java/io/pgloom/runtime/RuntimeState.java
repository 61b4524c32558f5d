// Reads the pools, and the sessions' per-pool counts, into the rows SHOW POOLS and the scrape-time gauges use.
// Runs only on a scrape or an admin command, never on a pump.
package io.pgloom.runtime;

import io.pgloom.metrics.PoolRow;
import io.pgloom.metrics.StateSource;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolSnapshot;
import io.pgloom.pool.ServerPool;
import io.pgloom.session.txn.SessionStateDetector;
import io.pgloom.tls.TlsState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class RuntimeState implements StateSource {
    private final ProxyRuntime runtime;

    private static final PoolClients NONE = new PoolClients();

    RuntimeState(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public List<PoolRow> pools() {
        SessionDirectory sessions = runtime.sessions(); // null until the session layer attached (at construction)
        Map<PoolKey, PoolClients> byPool = sessions == null ? Map.of() : sessions.clientsByPool();
        long now = runtime.clock.nanoTime();
        List<PoolRow> rows = new ArrayList<>();
        for (ServerPool p : runtime.pools.all()) {
            PoolSnapshot snap = p.snapshot();
            PoolClients c = byPool.getOrDefault(p.key(), NONE);
            String version = p.serverVersion();
            String mode = runtime.config()
                    .poolModeFor(p.key().database(), p.key().user())
                    .name()
                    .toLowerCase();
            rows.add(new PoolRow(
                    p.key().label(),
                    p.key().user(),
                    mode,
                    snap.size(),
                    c.active,
                    c.waiting,
                    c.idle,
                    c.idleInTransaction,
                    snap.active(),
                    snap.idle(),
                    snap.login(),
                    snap.tested(),
                    snap.maxWaitNanos() / 1e9,
                    c.oldestTransactionStart == Long.MAX_VALUE ? 0 : (now - c.oldestTransactionStart) / 1e9,
                    version,
                    p.paused(),
                    p.backendUp()));
        }
        rows.sort((a, b) -> (a.database() + "/" + a.user()).compareTo(b.database() + "/" + b.user()));
        return rows;
    }

    @Override
    public Map<List<String>, Long> sessionStateViolations() {
        Map<List<String>, Long> out = new LinkedHashMap<>();
        SessionStateDetector.COUNTS.forEach((db, kinds) ->
                kinds.forEach((k, n) -> out.put(List.of(db, k.label()), n.sum())));
        return out;
    }

    @Override
    public int maxClientConn() {
        return runtime.config().proxy().maxClientConn();
    }

    @Override
    public int clients() {
        return runtime.sessionCount();
    }

    @Override
    public double heapLiveRatio() {
        return runtime.heapGuard.liveRatio();
    }

    @Override
    public double newClientHeapLimit() {
        return runtime.heapGuard.limit();
    }

    @Override
    public boolean shuttingDown() {
        return runtime.shuttingDown();
    }

    @Override
    public int authFailureSources() {
        return runtime.authFailureSources();
    }

    @Override
    public Map<List<String>, Double> certificateNotAfter() {
        Map<List<String>, Double> out = new LinkedHashMap<>();
        for (TlsState.LoadedCertificate c : runtime.tlsState().certificates()) {
            out.put(
                    List.of(c.certificate().getSubjectX500Principal().getName(), c.file()),
                    c.certificate().getNotAfter().getTime() / 1000.0);
        }
        return out;
    }

    @Override
    public Map<String, int[]> databaseLimits() {
        Map<String, int[]> out = new LinkedHashMap<>();
        var c = runtime.config();
        c.databases()
                .forEach((name, db) -> out.put(name, new int[] {
                    db.poolSize() != null ? db.poolSize() : c.proxy().defaultPoolSize(),
                    db.maxDbConnections() != null
                            ? db.maxDbConnections()
                            : c.proxy().maxDbConnections()
                }));
        return out;
    }
}
