// A cap on server connections shared by several pools: max_db_connections (all pools of a database) and
// max_user_connections (all pools of a user). 0 means unlimited. Lock-free: taken before connecting, given back
// exactly once when the connection closes.
package io.pgloom.pool;

import java.util.concurrent.atomic.AtomicInteger;

public final class ConnectionBudget {
    private final String name;
    private final AtomicInteger used = new AtomicInteger();
    private volatile int max;

    public ConnectionBudget(String name, int max) {
        this.name = name;
        this.max = max;
    }

    public void max(int m) {
        max = m;
    }

    public int max() {
        return max;
    }

    public int used() {
        return used.get();
    }

    public String name() {
        return name;
    }

    boolean tryTake() {
        while (true) {
            int u = used.get();
            int m = max;
            if (m > 0 && u >= m) return false;
            if (used.compareAndSet(u, u + 1)) return true;
        }
    }

    void give() {
        used.decrementAndGet();
    }
}
