// Experiment of issue 17, off unless -Dpgloom.readSpinMicros=N: before a read that would park the virtual thread,
// poll the socket for up to N µs. A reply that comes sooner saves the park's wake-up chain (poller, carrier); a
// wait that outlasts the spin costs the spin. Adaptive: each miss doubles how many reads skip the spin (up to 63),
// a hit resets it; and at most (cores - 1) sessions spin at once, so spinners never hold every carrier.
package io.pgloom.session;

import io.pgloom.wire.FrameReader;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

final class ReadSpin {
    static final long BUDGET_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("pgloom.readSpinMicros", 0));
    private static final AtomicInteger SPINNING = new AtomicInteger();
    private static final int MAX_SPINNERS = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);

    private int misses;
    private int skip;

    private ReadSpin() {}

    /** A spinner for one read direction of one session, or null when spinning is off (the default). */
    static ReadSpin create() {
        return BUDGET_NANOS > 0 ? new ReadSpin() : null;
    }

    /** Returns when bytes are readable without parking, or the spin is spent, skipped or not allowed now. */
    void await(FrameReader r) throws IOException {
        if (skip > 0) {
            skip--;
            return;
        }
        if (SPINNING.incrementAndGet() > MAX_SPINNERS) {
            SPINNING.decrementAndGet();
            return;
        }
        try {
            long deadline = System.nanoTime() + BUDGET_NANOS;
            do {
                if (r.available() > 0) {
                    misses = 0;
                    return;
                }
                Thread.onSpinWait();
            } while (System.nanoTime() - deadline < 0);
            misses = Math.min(misses + 1, 6);
            skip = (1 << misses) - 1;
        } finally {
            SPINNING.decrementAndGet();
        }
    }
}
