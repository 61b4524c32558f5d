// read_spin_us (issue 17): before a read that would park the virtual thread, poll the socket for up to that many µs. A
// reply that comes sooner saves the park's wake-up chain (poller, carrier); a wait that outlasts
// the spin costs the spin. Only while the machine has spare capacity: fewer servers linked in the whole process than
// cores and no login under way (a busy proxy, or one taking new connections, spends the cycles better on other
// sessions), at most (cores - 1) spinners at once, and adaptive per session direction: each miss doubles how many
// reads skip the spin (up to 63), a hit resets it.
package io.pgloom.session;

import io.pgloom.pool.ServerPool;
import io.pgloom.wire.FrameReader;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

final class ReadSpin {
    private static final AtomicInteger SPINNING = new AtomicInteger();
    /** Clients between accept and the end of their login (TLS, authentication, the welcome). */
    private static final AtomicInteger LOGINS = new AtomicInteger();

    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final int MAX_SPINNERS = Math.max(1, CORES - 1);

    private final long budgetNanos;
    private int misses;
    private int skip;

    private ReadSpin(long budgetNanos) {
        this.budgetNanos = budgetNanos;
    }

    /** A spinner for one read direction of one session, or null when read_spin_us is 0. */
    static ReadSpin create(int micros) {
        return micros > 0 ? new ReadSpin(TimeUnit.MICROSECONDS.toNanos(micros)) : null;
    }

    /** Reads that will skip the spin (after misses); for tests. */
    int skipping() {
        return skip;
    }

    static void loginStarted() {
        LOGINS.incrementAndGet();
    }

    static void loginEnded() {
        LOGINS.decrementAndGet();
    }

    /** Returns when bytes are readable without parking, or the spin is spent, skipped or not allowed now. */
    void await(FrameReader r) throws IOException {
        if (skip > 0) {
            skip--;
            return;
        }
        if (ServerPool.linkedServers() >= CORES || LOGINS.get() > 0) return;
        if (SPINNING.incrementAndGet() > MAX_SPINNERS) {
            SPINNING.decrementAndGet();
            return;
        }
        try {
            long deadline = System.nanoTime() + budgetNanos;
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
