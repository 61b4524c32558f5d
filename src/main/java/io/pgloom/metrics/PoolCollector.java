// Gauges computed at scrape time from snapshots (HikariCP's collector pattern): clients and servers by state,
// longest wait, oldest transaction, backend version, config limits, session-state violations.
package io.pgloom.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public final class PoolCollector extends Collector {
    private final StateSource source;

    public PoolCollector(StateSource source) {
        this.source = source;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<String> dbUser = List.of("database", "user");
        List<String> dbUserState = List.of("database", "user", "state");
        GaugeMetricFamily clients = new GaugeMetricFamily(
                "pgloom_pool_clients",
                "Client connections by pool and state (active, waiting, idle, idle_in_transaction).",
                dbUserState);
        GaugeMetricFamily servers = new GaugeMetricFamily(
                "pgloom_pool_servers",
                "Server connections by pool and state (active, idle, login, tested).",
                dbUserState);
        GaugeMetricFamily maxWait = new GaugeMetricFamily(
                "pgloom_client_maxwait_seconds", "Longest current wait for a server connection in the pool.", dbUser);
        GaugeMetricFamily oldestTx = new GaugeMetricFamily(
                "pgloom_oldest_transaction_seconds",
                "Age of the oldest open transaction (or idle-in-transaction) of the pool's clients.",
                dbUser);
        GaugeMetricFamily poolSize = new GaugeMetricFamily("pgloom_pool_size", "Configured pool size.", dbUser);
        GaugeMetricFamily backendVersion = new GaugeMetricFamily(
                "pgloom_backend_version_info",
                "PostgreSQL server_version reported by the pool's servers.",
                List.of("database", "server_version"));
        java.util.Set<String> versionSeen = new java.util.HashSet<>();
        GaugeMetricFamily paused =
                new GaugeMetricFamily("pgloom_pool_paused", "1 while the pool is paused (PAUSE).", dbUser);
        for (PoolRow r : source.pools()) {
            List<String> k = List.of(r.database(), r.user());
            clients.addMetric(List.of(r.database(), r.user(), "active"), r.clientsActive());
            clients.addMetric(List.of(r.database(), r.user(), "waiting"), r.clientsWaiting());
            clients.addMetric(List.of(r.database(), r.user(), "idle"), r.clientsIdle());
            clients.addMetric(List.of(r.database(), r.user(), "idle_in_transaction"), r.clientsIdleInTransaction());
            servers.addMetric(List.of(r.database(), r.user(), "active"), r.serversActive());
            servers.addMetric(List.of(r.database(), r.user(), "idle"), r.serversIdle());
            servers.addMetric(List.of(r.database(), r.user(), "login"), r.serversLogin());
            servers.addMetric(List.of(r.database(), r.user(), "tested"), r.serversTested());
            maxWait.addMetric(k, r.maxWaitSeconds());
            oldestTx.addMetric(k, r.oldestTransactionSeconds());
            poolSize.addMetric(k, r.poolSize());
            paused.addMetric(k, r.paused() ? 1 : 0);
            if (!r.serverVersion().isEmpty() && versionSeen.add(r.database())) {
                backendVersion.addMetric(List.of(r.database(), r.serverVersion()), 1);
            }
        }
        CounterMetricFamily violations = new CounterMetricFamily(
                "pgloom_session_state_violations",
                "Statements creating session state in transaction mode, by database and kind.",
                List.of("database", "kind"));
        for (Map.Entry<List<String>, Long> e : source.sessionStateViolations().entrySet()) {
            violations.addMetric(e.getKey(), e.getValue());
        }
        GaugeMetricFamily dbLimits = new GaugeMetricFamily(
                "pgloom_database_max_connections",
                "Configured max_db_connections per database (0 = unlimited).",
                List.of("database"));
        source.databaseLimits().forEach((db, v) -> dbLimits.addMetric(List.of(db), v[1]));
        List<MetricFamilySamples> out = new ArrayList<>(List.of(
                clients,
                servers,
                maxWait,
                oldestTx,
                poolSize,
                backendVersion,
                violations,
                dbLimits,
                paused)); // pgloom_backend_up: per host, in BackendCollector
        GaugeMetricFamily certs = new GaugeMetricFamily(
                "pgloom_tls_cert_not_after_seconds",
                "Expiry (not-after, Unix time) of each TLS certificate pgloom has loaded.",
                List.of("cert", "file"));
        source.certificateNotAfter().forEach(certs::addMetric);
        out.add(certs);
        out.add(new GaugeMetricFamily(
                "pgloom_auth_failure_sources",
                "Source addresses with failed logins since their last success (each slowed by auth_failure_delay).",
                source.authFailureSources()));
        out.add(new GaugeMetricFamily("pgloom_max_client_conn", "Configured max_client_conn.", source.maxClientConn()));
        out.add(new GaugeMetricFamily("pgloom_clients", "Client connections open now.", source.clients()));
        out.add(new GaugeMetricFamily(
                "pgloom_heap_live_ratio",
                "Heap in use after the last garbage collections (live data) as a share of the maximum heap.",
                source.heapLiveRatio()));
        out.add(new GaugeMetricFamily(
                "pgloom_new_client_heap_limit",
                "Configured new_client_heap_limit: from this pgloom_heap_live_ratio on, new clients are refused (0: off).",
                source.newClientHeapLimit()));
        out.add(new GaugeMetricFamily(
                "pgloom_shutting_down", "1 while pgloom is shutting down.", source.shuttingDown() ? 1 : 0));
        return out;
    }
}
