// ReentrantLock as try-with-resources (pgjdbc's ResourceLock idiom): virtual threads park on it instead of
// pinning their carrier, which `synchronized` would do on JDK 21.
package io.pgloom.util;

import java.util.concurrent.locks.ReentrantLock;

public final class Locks {
    private Locks() {}

    /** Holds a lock until closed. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    public static Held lock(ReentrantLock lock) {
        lock.lock();
        return lock::unlock;
    }
}
