// Reads the live sessions and pools into the rows SHOW POOLS and the scrape-time gauges use. Takes each
// session's link lock briefly; runs only on a scrape or an admin command, never on a pump.
package io.pgloom.session;

import io.pgloom.metrics.PoolRow;
import io.pgloom.metrics.StateSource;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolSnapshot;
import io.pgloom.pool.ServerPool;
import io.pgloom.session.txn.SessionStateDetector;
import io.pgloom.wire.MessageType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class RuntimeState implements StateSource {
    private final ProxyRuntime runtime;

    RuntimeState(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    /** Client counts of one pool: active, waiting, idle, idle in transaction; and the oldest transaction start. */
    private static final class Counts {
        int active, waiting, idle, idleInTx;
        long oldestTxStart = Long.MAX_VALUE;
    }

    @Override
    public List<PoolRow> pools() {
        Map<PoolKey, Counts> byPool = new HashMap<>();
        for (ClientSession s : runtime.sessions()) {
            ServerPool p = s.pool;
            if (p == null) continue;
            Counts c = byPool.computeIfAbsent(p.key(), k -> new Counts());
            if (s.waiting) {
                c.waiting++;
                continue;
            }
            try (var h = s.link.lock.obtain()) {
                boolean inTx = s.link.txStatus() != MessageType.TX_IDLE;
                if (s.link.outstanding() > 0) c.active++;
                else if (inTx) c.idleInTx++;
                else c.idle++;
                long txStart = s.link.txStartNanos();
                if (txStart != 0) c.oldestTxStart = Math.min(c.oldestTxStart, txStart);
            }
        }
        long now = runtime.clock.nanoTime();
        List<PoolRow> rows = new ArrayList<>();
        for (ServerPool p : runtime.pools.all()) {
            PoolSnapshot snap = p.snapshot();
            Counts c = byPool.getOrDefault(p.key(), new Counts());
            String version = p.serverVersion();
            String mode = runtime.config()
                    .poolModeFor(p.key().database(), p.key().user())
                    .name()
                    .toLowerCase();
            rows.add(new PoolRow(
                    p.key().database(),
                    p.key().user(),
                    mode,
                    snap.size(),
                    c.active,
                    c.waiting,
                    c.idle,
                    c.idleInTx,
                    snap.active(),
                    snap.idle(),
                    snap.login(),
                    snap.tested(),
                    snap.maxWaitNanos() / 1e9,
                    c.oldestTxStart == Long.MAX_VALUE ? 0 : (now - c.oldestTxStart) / 1e9,
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
    public boolean shuttingDown() {
        return runtime.shuttingDown();
    }

    @Override
    public int authFailureSources() {
        return runtime.authFailureSources();
    }

    @Override
    public Map<String, Double> certificateNotAfter() {
        Map<String, Double> out = new LinkedHashMap<>();
        var tls = runtime.tls();
        if (tls != null) {
            for (var c : tls.certificates())
                out.put(c.getSubjectX500Principal().getName(), c.getNotAfter().getTime() / 1000.0);
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
