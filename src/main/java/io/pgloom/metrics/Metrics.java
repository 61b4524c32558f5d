// Every counter and histogram pgloom records, in one registry. Names are a contract (parallel to the PgBouncer
// exporter's where the concept is the same). Sessions resolve their label children once; nothing here is
// touched per forwarded message, only per query, transaction or connection.
package io.pgloom.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import io.prometheus.client.SimpleCollector;
import io.prometheus.client.hotspot.DefaultExports;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

public final class Metrics {
    public final CollectorRegistry registry = new CollectorRegistry(true);

    public final Counter clientConnections = Counter.build(
                    "pgloom_client_connections_total",
                    "Client connection attempts by outcome (ok, auth_failed, rejected, error), TLS or not, and auth method.")
            .labelNames("result", "tls", "auth_method")
            .register(registry);
    public final Counter clientDisconnects = Counter.build(
                    "pgloom_client_disconnects_total",
                    "Client sessions ended, by the side that ended them and the reason (the log's reason= vocabulary).")
            .labelNames("side", "reason")
            .register(registry);
    public final Counter errorsSent = Counter.build(
                    "pgloom_errors_sent_total",
                    "FATAL ErrorResponses pgloom sent to clients, by SQLSTATE and origin: pgloom (its own limits, "
                            + "timeouts and checks) or postgresql (PostgreSQL refused pgloom's login and pgloom "
                            + "passed its error on).")
            .labelNames("sqlstate", "origin")
            .register(registry);
    public final Counter authFailures = Counter.build(
                    "pgloom_auth_failures_total", "Failed client authentications by reason.")
            .labelNames("reason")
            .register(registry);
    public final Counter ldapAuth = Counter.build(
                    "pgloom_ldap_auth_total",
                    "LDAP password checks ([[hba]] method ldap) by outcome (ok, bad_password, no_such_user, "
                            + "ldap_unreachable, timeout, tls_failed, error).")
            .labelNames("outcome")
            .register(registry);
    public final Counter acceptFailures = Counter.build(
                    "pgloom_accept_failures_total",
                    "Failed accepts of client connections by reason (emfile: the process's file descriptor limit, enfile: the "
                            + "system's, no_memory, other); each is followed by a back-off of 10 ms doubling up to 1 s.")
            .labelNames("reason")
            .register(registry);
    public final Counter cancelRequests = Counter.build(
                    "pgloom_cancel_requests_total",
                    "Cancel requests by result: forwarded (to PostgreSQL), not_linked (nothing running), unknown_key, "
                            + "failed (PostgreSQL unreachable); with peering also peer_forwarded, peer_failed, "
                            + "unknown_peer (no [peers] entry for the key's peer id), forward_loop (forwarded already).")
            .labelNames("result")
            .register(registry);
    public final Counter serverConnects = Counter.build(
                    "pgloom_server_connects_total",
                    "Server connections opened, by database, user and result (ok or the failure reason).")
            .labelNames("database", "user", "result")
            .register(registry);
    public final Histogram waitSeconds = Histogram.build(
                    "pgloom_client_wait_seconds", "Time clients waited for a server connection.")
            .labelNames("database", "user")
            .buckets(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 120)
            .register(registry);
    public final Histogram querySeconds = Histogram.build(
                    "pgloom_query_duration_seconds",
                    "Request cycles (from the client's request to ReadyForQuery) as seen by the proxy.")
            .labelNames("database", "user")
            .buckets(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30)
            .register(registry);
    public final Histogram transactionSeconds = Histogram.build(
                    "pgloom_transaction_duration_seconds",
                    "Transactions (first request until ReadyForQuery 'I') as seen by the proxy.")
            .labelNames("database", "user")
            .buckets(0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300)
            .register(registry);
    public final Histogram handshakeSeconds = Histogram.build(
                    "pgloom_client_handshake_seconds", "From accept to the first ReadyForQuery sent to the client.")
            .buckets(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5)
            .register(registry);
    public final Counter bytes = Counter.build(
                    "pgloom_bytes_total",
                    "Bytes forwarded, by database, user and direction (client_to_server, server_to_client).")
            .labelNames("database", "user", "direction")
            .register(registry);
    public final Counter sessionStateRefusals = Counter.build(
                    "pgloom_session_state_refusals_total",
                    "Statements refused with 0A000 in transaction mode (on_session_state = \"error\"), by database and "
                            + "the kind of session state they would have left on one server.")
            .labelNames("database", "kind")
            .register(registry);
    public final Counter sessionPins = Counter.build(
                    "pgloom_session_pins_total",
                    "Transaction-mode clients pinned to their server (on_session_state = \"pin\"), by database and the "
                            + "kind of session state that pinned them.")
            .labelNames("database", "kind")
            .register(registry);
    public final Counter routed = Counter.build(
                    "pgloom_routed_total",
                    "Transactions of target = \"auto\" databases by where they went: standby (known read-only), "
                            + "primary_write, primary_uncertain (not provably read-only), primary_recent_write "
                            + "(a read within read_your_writes of the client's last write).")
            .labelNames("database", "route")
            .register(registry);
    public final Counter abandonedTransactions = Counter.build(
                    "pgloom_abandoned_transactions_total",
                    "Servers whose client left inside a transaction, by outcome: reused (rolled back, reset, back to the pool) "
                            + "or closed (a request was in flight, or the rollback failed or ran out of time).")
            .labelNames("outcome")
            .register(registry);
    public final Gauge replicationClients = Gauge.build(
                    "pgloom_replication_clients",
                    "Replication connections (startup parameter replication, e.g. pg_basebackup, a standby, a logical "
                            + "subscriber) relayed to a primary now; each holds a server connection outside the pools.")
            .register(registry);
    public final Counter replicationConnections = Counter.build(
                    "pgloom_replication_connections_total",
                    "Replication connections asked for, by result: ok (relayed), refused_pool_mode (the database is "
                            + "in transaction mode), or why the server login failed (server_unreachable, no_backend ...).")
            .labelNames("result")
            .register(registry);
    /** Set per socket file by the listener that binds it: no series while unix_socket_dir is off. */
    public final Gauge unixSocketUp = Gauge.build(
                    "pgloom_unix_socket_up",
                    "1 while the Unix-domain socket file (unix_socket_dir) is there for clients to connect to, 0 when "
                            + "it was removed under the running process (a cleaned /tmp); read at scrape time.")
            .labelNames("path")
            .register(registry);

    public final Counter reloads = Counter.build("pgloom_reloads_total", "Config reloads by result (ok, rejected).")
            .labelNames("result")
            .register(registry);
    // Wire tracing (TRACE ON): counted by the trace writer, and by the pumps only when the queue is full.
    public final Gauge tracesActive = Gauge.build("pgloom_traces_active", "Traces running now (TRACE ON).")
            .register(registry);
    public final Counter traceMessages = Counter.build(
                    "pgloom_trace_messages_total", "Messages written to the trace file by running traces.")
            .register(registry);
    public final Counter traceDropped = Counter.build(
                    "pgloom_trace_dropped_total",
                    "Traced messages dropped because the trace queue was full (the trace file says where).")
            .register(registry);
    public final Gauge buildInfo = Gauge.build("pgloom_build_info", "pgloom version.")
            .labelNames("version")
            .register(registry);
    public final Gauge startTime = Gauge.build("pgloom_start_time_seconds", "Process start, Unix time.")
            .register(registry);

    /**
     * Removes every series of a database that is gone (an auto-created one, dropped when idle), so the label values
     * stay bounded by the databases that exist, not by every name ever asked for.
     */
    public void forgetDatabase(String database) {
        record Labelled(SimpleCollector<?> collector, int labels) {}
        for (Labelled l : List.of(
                new Labelled(serverConnects, 3),
                new Labelled(waitSeconds, 2),
                new Labelled(querySeconds, 2),
                new Labelled(transactionSeconds, 2),
                new Labelled(bytes, 3))) {
            Set<List<String>> children = new HashSet<>();
            for (Collector.MetricFamilySamples f : l.collector().collect()) {
                for (Collector.MetricFamilySamples.Sample s : f.samples) {
                    if (s.labelValues.size() >= l.labels()
                            && s.labelValues.get(0).equals(database))
                        children.add(s.labelValues.subList(0, l.labels()));
                }
            }
            for (List<String> c : children) l.collector().remove(c.toArray(new String[0]));
        }
    }

    public Metrics(String version) {
        buildInfo.labels(version).set(1);
        startTime.set(System.currentTimeMillis() / 1000.0);
        DefaultExports.register(registry);
        // Both outcomes show from the start (at 0), so a dashboard or grep finds the series before the first event.
        abandonedTransactions.labels("reused");
        abandonedTransactions.labels("closed");
        replicationConnections.labels("ok");
        for (String o :
                new String[] {"ok", "bad_password", "no_such_user", "ldap_unreachable", "timeout", "tls_failed"})
            ldapAuth.labels(o);
    }
}
