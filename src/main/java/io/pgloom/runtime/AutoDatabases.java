// Databases served by [databases."*"] (PgBouncer's autodb): created on a client's first login, capped at
// max_auto_databases, dropped by the janitor once unused for autodb_idle_timeout (pools, servers, metric series).
package io.pgloom.runtime;

import io.pgloom.config.ProxyConfig;
import io.pgloom.metrics.Metrics;
import io.pgloom.pool.PoolSnapshot;
import io.pgloom.pool.Pools;
import io.pgloom.pool.ServerPool;
import io.pgloom.util.Clock;
import io.pgloom.util.ResourceLock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.tinylog.Logger;

public final class AutoDatabases {
    /** A pool whose server login failed (no such database, say) goes at the first pass after this, not after hours. */
    private static final long FAILED_GRACE_NANOS = 5_000_000_000L;

    private final Supplier<ProxyConfig> config;
    private final Pools pools;
    private final ClientCounts clients;
    private final Metrics metrics;
    private final Clock clock;
    private final ResourceLock lock = new ResourceLock();
    /** Auto-created database → when it was last in use (nanoTime). Guarded by lock. */
    private final Map<String, Long> lastUsed = new HashMap<>();

    public AutoDatabases(
            Supplier<ProxyConfig> config, Pools pools, ClientCounts clients, Metrics metrics, Clock clock) {
        this.config = config;
        this.pools = pools;
        this.clients = clients;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * A login to {@code database}, served by the wildcard: true when it exists or may be created now, false when
     * max_auto_databases exist already. Marks it in use, so the janitor keeps it while the login goes on.
     */
    public boolean admit(String database) {
        try (var h = lock.obtain()) {
            if (!lastUsed.containsKey(database)) {
                int max = config.get().proxy().maxAutoDatabases();
                if (lastUsed.size() >= max) return false;
                Logger.info("event=auto_database_created database={} auto_databases={}", database, lastUsed.size() + 1);
            }
            lastUsed.put(database, clock.nanoTime());
            return true;
        }
    }

    /** The auto-created databases now, sorted. */
    public Set<String> names() {
        try (var h = lock.obtain()) {
            return new TreeSet<>(lastUsed.keySet());
        }
    }

    /** Janitor pass: drops auto-created databases without clients or busy servers for autodb_idle_timeout. */
    public void sweep() {
        ProxyConfig c = config.get();
        long now = clock.nanoTime();
        long idle = c.proxy().autodbIdleTimeout().toNanos();
        Map<String, List<ServerPool>> byDatabase = new HashMap<>();
        for (ServerPool p : pools.all())
            byDatabase
                    .computeIfAbsent(p.key().database(), k -> new ArrayList<>())
                    .add(p);
        Map<String, String> dropped = new HashMap<>(); // name → why
        try (var h = lock.obtain()) {
            Iterator<Map.Entry<String, Long>> it = lastUsed.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, Long> e = it.next();
                String name = e.getKey();
                if (c.databases().containsKey(name)) { // RELOAD gave it a table: its pools are configured ones now
                    it.remove();
                    continue;
                }
                List<ServerPool> ps = byDatabase.getOrDefault(name, List.of());
                boolean busy = clients.ofDatabase(name) > 0;
                boolean failed = !ps.isEmpty();
                for (ServerPool p : ps) {
                    PoolSnapshot s = p.snapshot();
                    busy |= s.active() > 0 || s.login() > 0 || s.waiting() > 0 || s.tested() > 0;
                    failed &= s.total() == 0 && s.connectFailures() > 0;
                }
                long unused = now - e.getValue();
                if (busy) e.setValue(now);
                else if (unused >= idle
                        || failed && unused >= Math.min(idle, FAILED_GRACE_NANOS)
                        || !c.isAuto(name)) { // the wildcard was removed by RELOAD
                    it.remove();
                    for (ServerPool p : ps) {
                        pools.remove(p);
                        p.closeAll();
                    }
                    dropped.put(name, !c.isAuto(name) ? "wildcard_removed" : unused >= idle ? "idle" : "login_failed");
                }
            }
        }
        dropped.forEach((name, why) -> {
            metrics.forgetDatabase(name);
            Logger.info("event=auto_database_dropped database={} reason={}", name, why);
        });
    }
}
