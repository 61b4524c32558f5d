// A consistent copy of one pool's counters, for SHOW POOLS and the metrics scrape.
package io.pgloom.pool;

public record PoolSnapshot(
        PoolKey key,
        int size,
        int idle,
        int active,
        int login,
        int tested,
        int waiting,
        long maxWaitNanos,
        long connectFailures,
        long waitTimeouts) {
    public int total() {
        return idle + active + login + tested;
    }
}
