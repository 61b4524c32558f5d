// Logged-in clients of one pool by state, counted by the session layer for the pool gauges and SHOW POOLS.
package io.pgloom.runtime;

public final class PoolClients {
    public int active;
    public int waiting;
    public int idle;
    public int idleInTransaction;
    /** clock.nanoTime() of the oldest open transaction, or Long.MAX_VALUE when none is open. */
    public long oldestTransactionStart = Long.MAX_VALUE;
}
