// One pool's state at scrape time: what SHOW POOLS prints and the pool gauges export.
package io.pgloom.metrics;

public record PoolRow(
        String database,
        String user,
        String poolMode,
        int poolSize,
        int clientsActive,
        int clientsWaiting,
        int clientsIdle,
        int clientsIdleInTransaction,
        int serversActive,
        int serversIdle,
        int serversLogin,
        int serversTested,
        double maxWaitSeconds,
        double oldestTransactionSeconds,
        String serverVersion,
        boolean paused,
        boolean backendUp) {}
