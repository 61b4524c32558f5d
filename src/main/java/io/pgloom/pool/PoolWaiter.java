// A client in a pool's line for a server: parked on its own thread until a server is handed to it, its deadline
// passes or a shared cap may have freed (ServerPool wakes it with the pool lock held).
package io.pgloom.pool;

import io.pgloom.util.ResourceLock;
import java.util.concurrent.locks.LockSupport;

/**
 * It waits without a timeout of its own: a timed park costs a timer registration and a cancellation per wait (a
 * third of the CPU at 64 clients over 16 servers), so the janitor's waiter tick ({@link ServerPool#tickWaiters})
 * wakes it when its deadline passes or when it must re-check a shared cap or the reserve. It parks its own thread
 * rather than awaiting a Condition, which would allocate a node for every wait.
 */
public final class PoolWaiter {
    private final ResourceLock lock;
    private Thread thread;
    /** Set by whoever wakes it; a wake before the park is not lost (the park returns at once). */
    private volatile boolean woken;

    long sinceNanos;
    /** query_wait_timeout deadline (clock nanos), or Long.MAX_VALUE for none. */
    long deadlineNanos = Long.MAX_VALUE;
    /** Blocked by max_db/max_user_connections or eligible for the reserve: woken every tick to look again. */
    boolean recheck;

    ServerConn handed;

    PoolWaiter(ResourceLock lock) {
        this.lock = lock;
    }

    /** Ready for another wait (by one thread at a time: a client waits for one server at a time). */
    PoolWaiter begin(long since) {
        thread = Thread.currentThread();
        woken = false;
        sinceNanos = since;
        deadlineNanos = Long.MAX_VALUE;
        recheck = false;
        handed = null;
        return this;
    }

    /** Wakes the waiting thread to look at the pool again (call with the pool lock held). */
    void wake() {
        woken = true;
        LockSupport.unpark(thread);
    }

    /** Releases the pool lock, parks until woken, takes the lock again. */
    void await() throws InterruptedException {
        lock.unlock();
        try {
            while (!woken) {
                LockSupport.park(this);
                if (Thread.interrupted()) throw new InterruptedException();
            }
            woken = false;
        } finally {
            lock.lock();
        }
    }
}
