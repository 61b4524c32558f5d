// A ReentrantLock usable in try-with-resources (pgjdbc's ResourceLock idiom): virtual threads park on it instead
// of pinning their carrier, as `synchronized` would on JDK 21, and the lock itself is the handle (no allocation).
package io.pgloom.util;

import java.util.concurrent.locks.ReentrantLock;

public final class ResourceLock extends ReentrantLock implements AutoCloseable {
    private static final long serialVersionUID = 1L;

    /** Locks and returns this, for {@code try (var h = lock.obtain()) { ... }}. */
    public ResourceLock obtain() {
        lock();
        return this;
    }

    @Override
    public void close() {
        unlock();
    }
}
