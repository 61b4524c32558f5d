// Per-host gauges computed at scrape time: up, role, draining, connections, consecutive failed checks, replica
// lag; and per database the failovers so far, the seconds since the last one and the standbys in and out of read
// rotation; and how many databases cannot be checked.
package io.pgloom.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public final class BackendCollector extends Collector {
    private final BackendSource source;

    public BackendCollector(BackendSource source) {
        this.source = source;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<String> dbHost = List.of("database", "host");
        GaugeMetricFamily up = new GaugeMetricFamily(
                "pgloom_backend_up",
                "1 when the host is usable: its health checks pass (hosts = [...]) or, for a single unchecked host, "
                        + "the last server connection to it opened.",
                dbHost);
        GaugeMetricFamily role = new GaugeMetricFamily(
                "pgloom_backend_role",
                "1 for the role health checks found the host in (primary, standby, unknown).",
                List.of("database", "host", "role"));
        GaugeMetricFamily draining =
                new GaugeMetricFamily("pgloom_backend_draining", "1 while the host is drained (DRAIN).", dbHost);
        GaugeMetricFamily connections =
                new GaugeMetricFamily("pgloom_backend_connections", "Server connections open to the host.", dbHost);
        GaugeMetricFamily failures = new GaugeMetricFamily(
                "pgloom_backend_check_failures", "Consecutive failed health checks or connects of the host.", dbHost);
        GaugeMetricFamily current = new GaugeMetricFamily(
                "pgloom_backend_current",
                "1 for the host the database's writes (target primary) or SWITCHOVER pin go to.",
                dbHost);
        GaugeMetricFamily lagBytes = new GaugeMetricFamily(
                "pgloom_backend_replica_lag_bytes",
                "Bytes of WAL the standby has not replayed yet, against the primary's position at its last check "
                        + "(standbys only, once measured).",
                dbHost);
        GaugeMetricFamily lagSeconds = new GaugeMetricFamily(
                "pgloom_backend_replica_lag_seconds",
                "Seconds the standby's replay is behind (0 when it replayed all WAL it received; standbys only).",
                dbHost);
        Map<String, int[]> rotation = new TreeMap<>(); // health-checked database -> {in rotation, out for lag}
        for (BackendRow r : source.backends()) {
            List<String> k = List.of(r.database(), r.name());
            if (r.lagBytes() >= 0) lagBytes.addMetric(k, r.lagBytes());
            if (r.lagSeconds() >= 0) lagSeconds.addMetric(k, r.lagSeconds());
            up.addMetric(k, r.up() ? 1 : 0);
            draining.addMetric(k, r.draining() ? 1 : 0);
            connections.addMetric(k, r.connections());
            failures.addMetric(k, r.consecutiveFailures());
            current.addMetric(k, r.current() ? 1 : 0);
            if (r.checked()) {
                int[] n = rotation.computeIfAbsent(r.database(), d -> new int[2]); // 0s for one without standbys
                if ("standby".equals(r.role()) && r.up() && !r.draining()) n[r.outOfRotation() ? 1 : 0]++;
                for (String name : List.of("primary", "standby", "unknown")) {
                    role.addMetric(List.of(r.database(), r.name(), name), name.equals(r.role()) ? 1 : 0);
                }
            }
        }
        CounterMetricFamily failovers = new CounterMetricFamily(
                "pgloom_backend_failovers_total",
                "Times the database's primary moved to another host (promotion, failover, SWITCHOVER).",
                List.of("database"));
        GaugeMetricFamily since = new GaugeMetricFamily(
                "pgloom_backend_seconds_since_failover",
                "Seconds since the database's primary last moved (absent until it has).",
                List.of("database"));
        long now = System.currentTimeMillis();
        source.failovers().forEach((db, v) -> {
            failovers.addMetric(List.of(db), v[0]);
            if (v[1] > 0) since.addMetric(List.of(db), (now - v[1]) / 1000.0);
        });
        GaugeMetricFamily uncheckable = new GaugeMetricFamily(
                "pgloom_backend_uncheckable_databases",
                "Health-checked databases with a host whose last check could not run for pgloom's own reasons (no "
                        + "user to log in as, credentials refused, database missing): failover is blind there.",
                source.uncheckableDatabases());
        GaugeMetricFamily inRotation = new GaugeMetricFamily(
                "pgloom_backend_standbys_in_rotation",
                "Standbys up and within max_replica_lag_bytes/max_replica_lag_seconds: where reads go.",
                List.of("database"));
        GaugeMetricFamily outOfRotation = new GaugeMetricFamily(
                "pgloom_backend_standbys_out_of_rotation",
                "Standbys up but taken out of read rotation because their replay lags past the limits.",
                List.of("database"));
        rotation.forEach((db, n) -> {
            inRotation.addMetric(List.of(db), n[0]);
            outOfRotation.addMetric(List.of(db), n[1]);
        });
        return List.of(
                up,
                role,
                draining,
                connections,
                failures,
                current,
                failovers,
                since,
                uncheckable,
                lagBytes,
                lagSeconds,
                inRotation,
                outOfRotation);
    }
}
