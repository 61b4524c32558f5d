// SHOW POOLS | CLIENTS | SERVERS | DATABASES | STATS | CONFIG | STATE | VERSION | LISTS | PEERS: snapshots of the
// running proxy as tables. Column names follow PgBouncer's where the concept is the same.
package io.pgloom.admin;

import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.metrics.PoolRow;
import io.pgloom.peer.Peers;
import io.pgloom.runtime.ClientRow;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.runtime.ServerRow;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.SqlState;
import io.prometheus.client.Collector;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

final class ShowCommands {
    static final String LIST =
            "POOLS|CLIENTS|SERVERS|DATABASES|STATS|CONFIG|STATE|VERSION|LISTS|FLIGHTS|TRACES|BACKENDS|PEERS";

    private final ProxyRuntime runtime;
    private final String version;

    ShowCommands(ProxyRuntime runtime, String version) {
        this.runtime = runtime;
        this.version = version;
    }

    void run(String what, FrameWriter out) {
        switch (what) {
            case "POOLS" -> pools(out);
            case "CLIENTS" -> clients(out);
            case "SERVERS" -> servers(out);
            case "DATABASES" -> databases(out);
            case "STATS" -> stats(out);
            case "CONFIG" -> config(out);
            case "STATE" -> state(out);
            case "VERSION" -> {
                ResultSetWriter w = new ResultSetWriter(out, "version");
                w.row(List.of("pgloom " + version));
                w.done("SHOW");
            }
            case "LISTS" -> lists(out);
            case "FLIGHTS" -> {
                ResultSetWriter w = new ResultSetWriter(out, "time", "client", "reason", "last_messages");
                for (var f : runtime.flights.all())
                    w.row(List.of(time(f.atMillis()), f.client(), f.reason(), f.messages()));
                w.done("SHOW");
            }
            case "TRACES" -> TraceCommands.show(runtime, out);
            case "PEERS" -> peers(out);
            default ->
                out.raw(ErrorResponses.error(
                        SqlState.SYNTAX_ERROR, "SHOW " + what + " is not known; try SHOW " + LIST));
        }
    }

    /** SHOW PEERS: the configured peers (this instance included) and each one's last cancel forward. */
    private void peers(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(
                out,
                "peer_id",
                "host",
                "port",
                "self",
                "forwarded_ok",
                "forwarded_failed",
                "last_result",
                "last_at",
                "last_error");
        for (Peers.Row r : runtime.peers.rows()) {
            w.row(List.of(
                    r.peerId(),
                    r.host(),
                    r.port(),
                    r.self(),
                    r.forwardedOk(),
                    r.forwardedFailed(),
                    r.lastResult(),
                    time(r.lastAtMillis()),
                    r.lastError()));
        }
        w.done("SHOW");
    }

    private void pools(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(
                out,
                "database",
                "user",
                "cl_active",
                "cl_waiting",
                "cl_idle",
                "cl_idle_in_tx",
                "sv_active",
                "sv_idle",
                "sv_login",
                "sv_tested",
                "maxwait_seconds",
                "oldest_xact_seconds",
                "pool_mode",
                "pool_size",
                "server_version",
                "paused",
                "backend_up",
                "auto");
        for (PoolRow r : runtime.state.pools()) {
            w.row(List.of(
                    r.database(),
                    r.user(),
                    r.clientsActive(),
                    r.clientsWaiting(),
                    r.clientsIdle(),
                    r.clientsIdleInTransaction(),
                    r.serversActive(),
                    r.serversIdle(),
                    r.serversLogin(),
                    r.serversTested(),
                    r.maxWaitSeconds(),
                    r.oldestTransactionSeconds(),
                    r.poolMode(),
                    r.poolSize(),
                    r.serverVersion(),
                    r.paused(),
                    r.backendUp(),
                    runtime.config().isAuto(r.database()) ? "yes" : "no"));
        }
        w.done("SHOW");
    }

    private void clients(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(
                out,
                "id",
                "user",
                "database",
                "state",
                "addr",
                "port",
                "application_name",
                "tls",
                "pool_mode",
                "connect_time",
                "request_time",
                "wait_seconds",
                "link",
                "backend_pid",
                "auth_method");
        for (ClientRow r : runtime.clientRows()) {
            w.row(List.of(
                    r.id(),
                    r.user(),
                    r.database(),
                    r.state(),
                    r.address(),
                    r.port(),
                    r.applicationName(),
                    r.tls(),
                    r.poolMode(),
                    time(r.connectedAtMillis()),
                    time(r.lastRequestMillis()),
                    r.waitSeconds(),
                    r.linkedServer(),
                    r.backendPid(),
                    r.authMethod()));
        }
        w.done("SHOW");
    }

    private void servers(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(
                out,
                "id",
                "database",
                "user",
                "state",
                "addr",
                "port",
                "backend_pid",
                "server_version",
                "connect_time",
                "last_used",
                "link",
                "prepared_statements");
        for (ServerRow r : runtime.serverRows()) {
            w.row(List.of(
                    r.id(),
                    r.database(),
                    r.user(),
                    r.state(),
                    r.host(),
                    r.port(),
                    r.backendPid(),
                    r.serverVersion(),
                    time(r.connectedAtMillis()),
                    time(r.lastUsedMillis()),
                    r.linkedClient(),
                    r.preparedStatements()));
        }
        w.done("SHOW");
    }

    private void databases(FrameWriter out) {
        ProxyConfig c = runtime.config();
        ResultSetWriter w = new ResultSetWriter(
                out,
                "name",
                "host",
                "port",
                "dbname",
                "force_user",
                "pool_size",
                "min_pool_size",
                "max_db_connections",
                "current_connections",
                "pool_mode",
                "auto");
        // The tables, then the databases created from [databases."*"] (auto = yes), as PgBouncer lists its autodb.
        List<DatabaseConfig> all = new ArrayList<>(c.databases().values());
        for (String name : runtime.autoDatabases.names()) c.database(name).ifPresent(all::add);
        for (DatabaseConfig d : all) {
            int size = d.poolSize() != null ? d.poolSize() : c.proxy().defaultPoolSize();
            int min = d.minPoolSize() != null ? d.minPoolSize() : c.proxy().minPoolSize();
            int max = d.maxDbConnections() != null
                    ? d.maxDbConnections()
                    : c.proxy().maxDbConnections();
            int current = runtime.pools.budget("db:" + d.name(), max).used();
            String mode = (d.poolMode() != null ? d.poolMode() : c.proxy().poolMode())
                    .name()
                    .toLowerCase();
            w.row(List.of(
                    d.name(),
                    d.host(),
                    d.port(),
                    d.dbname(),
                    d.user() == null ? "" : d.user(),
                    size,
                    min,
                    max,
                    current,
                    mode,
                    c.isAuto(d.name()) ? "yes" : "no"));
        }
        w.done("SHOW");
    }

    /** Totals from the metrics registry, per (database, user). */
    private void stats(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(
                out,
                "database",
                "user",
                "total_query_count",
                "total_query_seconds",
                "total_xact_count",
                "total_xact_seconds",
                "total_wait_count",
                "total_wait_seconds",
                "total_received_bytes",
                "total_sent_bytes");
        java.util.Map<String, double[]> acc = new java.util.TreeMap<>();
        for (Collector.MetricFamilySamples f :
                java.util.Collections.list(runtime.metrics.registry.metricFamilySamples())) {
            for (Collector.MetricFamilySamples.Sample s : f.samples) {
                int slot = switch (s.name) {
                    case "pgloom_query_duration_seconds_count" -> 0;
                    case "pgloom_query_duration_seconds_sum" -> 1;
                    case "pgloom_transaction_duration_seconds_count" -> 2;
                    case "pgloom_transaction_duration_seconds_sum" -> 3;
                    case "pgloom_client_wait_seconds_count" -> 4;
                    case "pgloom_client_wait_seconds_sum" -> 5;
                    case "pgloom_bytes_total" -> s.labelValues.get(2).equals("client_to_server") ? 6 : 7;
                    default -> -1;
                };
                if (slot < 0) continue;
                String key = s.labelValues.get(0) + "\u0000" + s.labelValues.get(1);
                acc.computeIfAbsent(key, k -> new double[8])[slot] += s.value;
            }
        }
        acc.forEach((k, v) -> {
            String[] du = k.split("\u0000");
            w.row(List.of(
                    du[0], du[1], (long) v[0], v[1], (long) v[2], v[3], (long) v[4], v[5], (long) v[6], (long) v[7]));
        });
        w.done("SHOW");
    }

    /** Every [proxy] setting in force, under its config key name. */
    private void config(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(out, "key", "value");
        var p = runtime.config().proxy();
        w.row(List.of("listen", p.listenHost() + ":" + p.listenPort()));
        for (RecordComponent rc : p.getClass().getRecordComponents()) {
            String name = rc.getName();
            if (name.equals("listenHost") || name.equals("listenPort")) continue;
            Object v;
            try {
                v = rc.getAccessor().invoke(p);
            } catch (ReflectiveOperationException e) {
                v = "?";
            }
            String text = v instanceof Duration d
                    ? seconds(d)
                    : v instanceof Enum<?> e ? e.name().toLowerCase().replace('_', '-') : String.valueOf(v);
            w.row(List.of(io.pgloom.config.RuntimeSettings.snake(name), text));
        }
        var a = runtime.config().admin();
        w.row(List.of("admin.http_listen", a.httpEnabled() ? a.httpHost() + ":" + a.httpPort() : ""));
        w.row(List.of("admin.users", String.join(",", a.users())));
        w.done("SHOW");
    }

    private void state(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(out, "key", "value");
        w.row(List.of("version", version));
        w.row(List.of("uptime_seconds", String.valueOf((System.currentTimeMillis() - runtime.startedMillis) / 1000)));
        w.row(List.of("shutting_down", String.valueOf(runtime.shuttingDown())));
        List<String> paused = new ArrayList<>();
        for (String db : runtime.config().databases().keySet()) {
            if (runtime.paused(db)) paused.add(db);
        }
        w.row(List.of("paused_databases", String.join(",", paused)));
        w.row(List.of("clients", String.valueOf(runtime.sessionCount())));
        w.row(List.of("max_client_conn", String.valueOf(runtime.config().proxy().maxClientConn())));
        w.row(List.of("config_file", String.valueOf(runtime.config().source())));
        w.done("SHOW");
    }

    private void lists(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(out, "list", "items");
        w.row(List.of("databases", runtime.config().databases().size()));
        w.row(List.of("users", runtime.config().users().size()));
        w.row(List.of("pools", runtime.pools.all().size()));
        w.row(List.of("clients", runtime.sessionCount()));
        w.row(List.of("servers", runtime.serverRows().size()));
        w.done("SHOW");
    }

    private static String time(long millis) {
        return millis <= 0 ? "" : Instant.ofEpochMilli(millis).toString();
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.valueOf(ms / 1000.0);
    }
}
