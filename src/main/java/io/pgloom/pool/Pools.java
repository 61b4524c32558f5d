// Every pool of the process by (database, user), and the janitor: the one timer that retires idle and old
// servers and keeps min_pool_size warm. No per-connection timers exist anywhere.
package io.pgloom.pool;

import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.tinylog.Logger;

public final class Pools implements AutoCloseable {
    private final ConcurrentHashMap<PoolKey, ServerPool> pools = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConnectionBudget> budgets = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Thread janitor;
    private volatile boolean running = true;

    public Pools(Clock clock, Duration janitorPeriod) {
        this.clock = clock;
        this.janitor =
                Thread.ofPlatform().name("pgloom-janitor").daemon(true).unstarted(() -> janitorLoop(janitorPeriod));
    }

    public void start() {
        janitor.start();
    }

    public ServerPool get(PoolKey key, Function<PoolKey, ServerPool> create) {
        return pools.computeIfAbsent(key, create);
    }

    /** The shared cap named e.g. "db:app" or "user:alice", created on first use; its max follows the config. */
    public ConnectionBudget budget(String name, int max) {
        ConnectionBudget b = budgets.computeIfAbsent(name, n -> new ConnectionBudget(n, max));
        b.max(max);
        return b;
    }

    /** Forgets a pool and its database's shared cap (an auto-created database dropped when idle). */
    public void remove(ServerPool pool) {
        pools.remove(pool.key(), pool);
        budgets.remove("db:" + pool.key().database());
    }

    public Collection<ConnectionBudget> budgets() {
        return budgets.values();
    }

    public Collection<ServerPool> all() {
        return pools.values();
    }

    public List<PoolSnapshot> snapshots() {
        List<PoolSnapshot> out = new ArrayList<>();
        for (ServerPool p : pools.values()) out.add(p.snapshot());
        out.sort((a, b) -> a.key().toString().compareTo(b.key().toString()));
        return out;
    }

    private volatile Runnable periodic = () -> {};
    private volatile Runnable everyPass = () -> {};

    /** Something to run on every janitor pass (about once a second), on the janitor thread: it must not block. */
    public void everyPass(Runnable r) {
        everyPass = r;
    }

    private static final int PERIODIC_TICKS = 60;

    /** Something to run about once a minute on the janitor thread (the stats log line). */
    public void everyMinute(Runnable r) {
        periodic = r;
    }

    /** How often waiters in line are looked at for query_wait_timeout and shared-cap re-checks. */
    static final Duration WAITER_TICK = Duration.ofMillis(100);

    private void janitorLoop(Duration period) {
        int ticks = 0;
        long nextPass = clock.nanoTime() + period.toNanos();
        while (running) {
            try {
                Thread.sleep(Math.min(WAITER_TICK.toMillis(), period.toMillis()));
            } catch (InterruptedException e) {
                return;
            }
            for (ServerPool p : pools.values()) p.tickWaiters();
            if (clock.nanoTime() - nextPass < 0) continue;
            nextPass += period.toNanos();
            if (++ticks % PERIODIC_TICKS == 0) {
                try {
                    periodic.run();
                } catch (RuntimeException e) {
                    Logger.error(e, "event=janitor_error task=periodic");
                }
            }
            try {
                everyPass.run();
            } catch (RuntimeException e) {
                Logger.error(e, "event=janitor_error task=every_pass");
            }
            for (ServerPool p : pools.values()) {
                try {
                    int missing = p.janitor();
                    // Warm-up connects run on their own virtual threads so one slow server never stalls the janitor.
                    for (int i = 0; i < missing; i++)
                        Thread.ofVirtual().name("pgloom-warm-" + p.key()).start(p::warmOne);
                } catch (RuntimeException e) {
                    Logger.error(e, "event=janitor_error pool={}", p.key());
                }
            }
        }
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public void close() {
        running = false;
        janitor.interrupt();
        pools.values().forEach(ServerPool::closeAll);
    }
}
