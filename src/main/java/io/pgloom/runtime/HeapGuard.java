// new_client_heap_limit: while the heap is nearly full of live data, new clients are refused (53200) so that the
// connected ones keep being served, instead of a flood of logins pushing the JVM into OutOfMemoryError for all.
package io.pgloom.runtime;

import io.pgloom.util.Clock;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.function.DoubleSupplier;

public final class HeapGuard {
    /** The accept loop asks per connection; the pools are read at most this often. */
    private static final long RECHECK_NANOS = 100_000_000L;

    private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .toList();
    private final long maxHeap = Runtime.getRuntime().maxMemory();
    private final Clock clock;
    private final DoubleSupplier limit;
    private volatile long checkedAtNanos;
    private volatile double ratio;
    private volatile boolean checked;

    public HeapGuard(Clock clock, DoubleSupplier limit) {
        this.clock = clock;
        this.limit = limit;
    }

    /**
     * The heap the last collections left in use (live data, not garbage waiting for the next collection), as a
     * share of the maximum heap. 0 until the first collection.
     */
    public double liveRatio() {
        long now = clock.nanoTime();
        if (checked && now - checkedAtNanos < RECHECK_NANOS) return ratio;
        long live = 0;
        for (MemoryPoolMXBean p : heapPools) {
            MemoryUsage u = p.getCollectionUsage();
            if (u != null) live += u.getUsed();
        }
        double r = maxHeap > 0 ? (double) live / maxHeap : 0;
        ratio = r;
        checkedAtNanos = now;
        checked = true;
        return r;
    }

    public double limit() {
        return limit.getAsDouble();
    }

    /** Why a new client is refused now, or null when it may come in. */
    public String refusal() {
        double l = limit.getAsDouble();
        if (l <= 0) return null;
        double r = liveRatio();
        if (r < l) return null;
        return "pgloom is low on memory (%d%% of its heap is live after garbage collection, new_client_heap_limit = %.2f):"
                        .formatted(Math.round(r * 100), l)
                + " new connections are refused until it falls; connected clients are served";
    }
}
