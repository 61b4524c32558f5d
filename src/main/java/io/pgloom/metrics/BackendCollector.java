// Per-host gauges computed at scrape time: up, role, draining, connections, consecutive failed checks; and per
// database the failovers so far and the seconds since the last one; and how many databases cannot be checked.
package io.pgloom.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.List;

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
        for (BackendRow r : source.backends()) {
            List<String> k = List.of(r.database(), r.name());
            up.addMetric(k, r.up() ? 1 : 0);
            draining.addMetric(k, r.draining() ? 1 : 0);
            connections.addMetric(k, r.connections());
            failures.addMetric(k, r.consecutiveFailures());
            current.addMetric(k, r.current() ? 1 : 0);
            if (r.checked()) {
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
        return List.of(up, role, draining, connections, failures, current, failovers, since, uncheckable);
    }
}
