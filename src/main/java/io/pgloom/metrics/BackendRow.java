// One host of one database at scrape time: what SHOW BACKENDS prints and the pgloom_backend_* gauges export.
package io.pgloom.metrics;

public record BackendRow(
        String database,
        String host,
        int port,
        String name,
        String target,
        String role,
        boolean up,
        boolean draining,
        int weight,
        int connections,
        int sessions,
        long lastCheckMillis,
        int consecutiveFailures,
        String lastError,
        boolean current,
        boolean checked,
        long lagBytes,
        double lagSeconds,
        boolean lagging) {
    /** A standby whose lag took it out of read rotation (max_replica_lag_*). */
    public boolean outOfRotation() {
        return lagging && "standby".equals(role);
    }
}
