// GET /live/state.json for the live page: the snapshots /metrics and /status read (pools, backend hosts, TLS
// certificates, traces, flights) plus the history ring, as one small JSON document. Lists are capped, so the
// answer stays small with 10,000 clients: the page shows aggregates.
package io.pgloom.admin;

import io.pgloom.metrics.BackendRow;
import io.pgloom.metrics.PoolRow;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.session.Listener;
import io.pgloom.trace.FlightLog;
import io.pgloom.util.SafeText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

final class LiveState {
    static final int MAX_POOLS = 50;
    static final int MAX_BACKENDS = 50;
    static final int MAX_FLIGHTS = 5;
    /** A certificate expiring within this many days is listed under "needs attention". */
    static final long CERT_WARN_DAYS = 30;
    /** A primary that moved this recently is listed under "needs attention". */
    static final long MOVED_WARN_MILLIS = 15 * 60_000;

    // runbook.md headings the attention items link to (LiveStateTest checks each exists).
    static final String RB_SATURATION = "pool-saturation-queries-stall-then-fail-with-57014";
    static final String RB_BACKEND_DOWN = "backend-down-every-new-client-fails-with-08006";
    static final String RB_FAILOVER = "unplanned-failover-the-primary-stopped-answering";
    static final String RB_TLS = "tls-handshake-failures-and-certificate-expiry";
    static final String RB_SESSION_STATE = "session-state-in-transaction-mode";
    static final String RB_CANCELS = "cancel-does-not-work-queries-keep-running-after-a-cancel";
    static final String RB_TRACE = "wire-level-inspection";
    static final String RB_FLIGHTS = "after-an-abnormal-disconnect-what-was-on-the-wire";
    static final String RB_LIMIT = "clients-refused-with-53300-no-more-connections-allowed";
    static final List<String> RUNBOOK_ANCHORS = List.of(
            RB_SATURATION,
            RB_BACKEND_DOWN,
            RB_FAILOVER,
            RB_TLS,
            RB_SESSION_STATE,
            RB_CANCELS,
            RB_TRACE,
            RB_FLIGHTS,
            RB_LIMIT);

    private LiveState() {}

    static String json(ProxyRuntime runtime, Listener listener, String version, LiveHistory history) {
        long now = runtime.clock.currentTimeMillis();
        List<PoolRow> pools = runtime.state.pools();
        List<BackendRow> backends = runtime.backends.backends();
        List<String[]> attention = new ArrayList<>();
        StringBuilder j = new StringBuilder(4096).append('{');
        str(j, "version", version).append(',');
        j.append("\"now\":").append(now).append(",\"uptime_seconds\":").append((now - runtime.startedMillis) / 1000);
        j.append(",\"shutting_down\":").append(runtime.shuttingDown()).append(',');
        listener(j, runtime, listener);
        clients(j, runtime, pools, attention);
        poolsJson(j, pools, attention);
        backendsJson(j, backends, runtime.backends.failovers(), now, attention);
        otherAttention(runtime, history, now, attention);
        j.append(",\"attention\":[");
        for (int i = 0; i < attention.size(); i++) {
            String[] a = attention.get(i);
            j.append(i == 0 ? "{" : ",{");
            str(j, "severity", a[0]).append(',');
            str(j, "text", a[1]).append(',');
            str(j, "runbook", a[2]).append('}');
        }
        j.append(']');
        flights(j, runtime);
        series(j, history.points());
        return j.append("}\n").toString();
    }

    private static void listener(StringBuilder j, ProxyRuntime runtime, Listener listener) {
        var p = runtime.config().proxy();
        j.append("\"listener\":{");
        str(j, "address", p.listenHost() + ":" + p.listenPort()).append(',');
        str(j, "tls", runtime.config().tls().mode().name().toLowerCase()).append(',');
        j.append("\"tls_loaded\":").append(runtime.tls() != null);
        j.append(",\"accepting\":").append(listener.isAccepting()).append("},");
    }

    private static void clients(StringBuilder j, ProxyRuntime runtime, List<PoolRow> pools, List<String[]> attention) {
        int active = 0, idle = 0, waiting = 0, idleInTx = 0;
        for (PoolRow r : pools) {
            active += r.clientsActive();
            idle += r.clientsIdle();
            waiting += r.clientsWaiting();
            idleInTx += r.clientsIdleInTransaction();
        }
        int total = runtime.sessionCount();
        int max = runtime.config().proxy().maxClientConn();
        j.append("\"clients\":{\"total\":")
                .append(total)
                .append(",\"max\":")
                .append(max)
                .append(",\"active\":")
                .append(active)
                .append(",\"idle\":")
                .append(idle)
                .append(",\"waiting\":")
                .append(waiting)
                .append(",\"idle_in_transaction\":")
                .append(idleInTx)
                .append("},");
        if (max > 0 && total > max * 0.8) {
            attention.add(
                    new String[] {"warning", total + " of max_client_conn " + max + " clients connected", RB_LIMIT});
        }
    }

    private static void poolsJson(StringBuilder j, List<PoolRow> all, List<String[]> attention) {
        for (PoolRow r : all) {
            if (r.clientsWaiting() > 0 || r.maxWaitSeconds() > 1) {
                String severity = r.maxWaitSeconds() > 5 ? "critical" : "warning";
                attention.add(new String[] {
                    severity,
                    "pool " + r.database() + "/" + r.user() + " saturated: " + r.clientsWaiting()
                            + " clients waiting, longest wait "
                            + Math.round(r.maxWaitSeconds() * 10) / 10.0 + " s, " + r.serversActive() + " of "
                            + r.poolSize() + " servers in use",
                    RB_SATURATION
                });
            }
        }
        List<PoolRow> shown = all.stream()
                .sorted(Comparator.comparingInt(PoolRow::clientsWaiting)
                        .reversed()
                        .thenComparing(
                                Comparator.comparingInt(LiveState::clientsOf).reversed()))
                .limit(MAX_POOLS)
                .toList();
        j.append("\"pools_total\":").append(all.size()).append(",\"pools\":[");
        for (int i = 0; i < shown.size(); i++) {
            PoolRow r = shown.get(i);
            j.append(i == 0 ? "{" : ",{");
            str(j, "database", r.database()).append(',');
            str(j, "user", r.user()).append(',');
            str(j, "mode", r.poolMode()).append(',');
            str(j, "server_version", r.serverVersion()).append(',');
            j.append("\"size\":")
                    .append(r.poolSize())
                    .append(",\"clients_active\":")
                    .append(r.clientsActive())
                    .append(",\"clients_idle\":")
                    .append(r.clientsIdle())
                    .append(",\"clients_waiting\":")
                    .append(r.clientsWaiting())
                    .append(",\"clients_idle_in_transaction\":")
                    .append(r.clientsIdleInTransaction())
                    .append(",\"servers_active\":")
                    .append(r.serversActive())
                    .append(",\"servers_idle\":")
                    .append(r.serversIdle())
                    .append(",\"servers_other\":")
                    .append(r.serversLogin() + r.serversTested())
                    .append(",\"maxwait_seconds\":")
                    .append(r.maxWaitSeconds())
                    .append(",\"paused\":")
                    .append(r.paused())
                    .append('}');
        }
        j.append(']');
    }

    private static int clientsOf(PoolRow r) {
        return r.clientsActive() + r.clientsIdle() + r.clientsWaiting() + r.clientsIdleInTransaction();
    }

    private static void backendsJson(
            StringBuilder j, List<BackendRow> all, Map<String, long[]> failovers, long now, List<String[]> attention) {
        for (BackendRow b : all) {
            if (!b.up()) {
                attention.add(new String[] {
                    "critical",
                    "backend " + b.name() + " of database " + b.database() + " is down"
                            + (b.lastError().isEmpty() ? "" : ": " + b.lastError()),
                    RB_BACKEND_DOWN
                });
            }
        }
        failovers.forEach((db, f) -> {
            if (f[1] > 0 && now - f[1] < MOVED_WARN_MILLIS) {
                attention.add(new String[] {
                    "warning", "the primary of database " + db + " moved " + (now - f[1]) / 1000 + " s ago", RB_FAILOVER
                });
            }
        });
        j.append(",\"backends_total\":").append(all.size()).append(",\"backends\":[");
        int n = Math.min(all.size(), MAX_BACKENDS);
        for (int i = 0; i < n; i++) {
            BackendRow b = all.get(i);
            j.append(i == 0 ? "{" : ",{");
            str(j, "database", b.database()).append(',');
            str(j, "host", b.name()).append(',');
            str(j, "role", b.role()).append(',');
            str(j, "state", !b.up() ? "down" : b.draining() ? "draining" : "up").append(',');
            str(j, "last_error", b.lastError()).append(',');
            j.append("\"connections\":")
                    .append(b.connections())
                    .append(",\"current\":")
                    .append(b.current())
                    .append(",\"checked\":")
                    .append(b.checked())
                    .append(",\"failures\":")
                    .append(b.consecutiveFailures())
                    .append(",\"last_check_seconds_ago\":")
                    .append(b.lastCheckMillis() > 0 ? (now - b.lastCheckMillis()) / 1000.0 : -1)
                    .append(',');
            lagJson(j, b).append('}');
        }
        j.append(']');
    }

    /** "lag_bytes":..,"lag_seconds":..,"in_rotation":.. of a host (-1: unknown, e.g. a primary), for /status too. */
    static StringBuilder lagJson(StringBuilder j, BackendRow b) {
        return j.append("\"lag_bytes\":")
                .append(b.lagBytes())
                .append(",\"lag_seconds\":")
                .append(b.lagSeconds())
                .append(",\"in_rotation\":")
                .append(!b.outOfRotation());
    }

    private static void otherAttention(ProxyRuntime runtime, LiveHistory history, long now, List<String[]> attention) {
        runtime.state.certificateNotAfter().forEach((cert, notAfter) -> {
            String subject = cert.get(0) + " (" + cert.get(1) + ")";
            long days = (long) Math.floor((notAfter * 1000 - now) / 86_400_000.0);
            if (days < CERT_WARN_DAYS) {
                attention.add(new String[] {
                    days < 7 ? "critical" : "warning",
                    "TLS certificate " + subject + (days < 0 ? " has expired" : " expires in " + days + " days"),
                    RB_TLS
                });
            }
        });
        runtime.state.sessionStateViolations().forEach((k, v) -> {
            if (v > 0) {
                attention.add(new String[] {
                    "warning",
                    v + " session-state statements (" + k.get(1) + ") in database " + k.get(0) + " in transaction mode",
                    RB_SESSION_STATE
                });
            }
        });
        double dropped = 0;
        for (LiveHistory.Point p : history.points()) dropped += p.cancelsLost();
        if (dropped > 0) {
            attention.add(new String[] {
                "warning",
                Math.round(dropped) + " cancel requests lost in the last 5 minutes "
                        + "(unknown key or forwarding failed)",
                RB_CANCELS
            });
        }
        for (var t : runtime.traces.list()) {
            attention.add(new String[] {
                "info",
                "trace " + t.id + " running (by " + t.by + ", ends in " + Math.max(0, (t.expiresMillis - now) / 1000)
                        + " s): TRACE OFF " + t.id,
                RB_TRACE
            });
        }
    }

    private static void flights(StringBuilder j, ProxyRuntime runtime) {
        List<FlightLog.Flight> all = runtime.flights.all();
        j.append(",\"flights\":[");
        int from = Math.max(0, all.size() - MAX_FLIGHTS);
        for (int i = all.size() - 1; i >= from; i--) {
            FlightLog.Flight f = all.get(i);
            j.append(i == all.size() - 1 ? "{" : ",{");
            str(j, "client", f.client()).append(',');
            str(j, "reason", f.reason()).append(',');
            str(j, "messages", SafeText.capped(f.messages())).append(',');
            j.append("\"at\":").append(f.atMillis()).append('}');
        }
        j.append(']');
        str(j.append(','), "flights_runbook", RB_FLIGHTS);
    }

    private static void series(StringBuilder j, List<LiveHistory.Point> points) {
        j.append(",\"period_seconds\":")
                .append(LiveHistory.PERIOD_MILLIS / 1000)
                .append(",\"series\":{\"capacity\":")
                .append(LiveHistory.CAPACITY - 1)
                .append(",\"t\":[");
        for (int i = 0; i < points.size(); i++)
            j.append(i == 0 ? "" : ",").append(points.get(i).atMillis());
        j.append("],\"tps\":[");
        for (int i = 0; i < points.size(); i++)
            num(j.append(i == 0 ? "" : ","), points.get(i).transactionsPerSecond());
        j.append("],\"wait_ms\":[");
        for (int i = 0; i < points.size(); i++)
            num(j.append(i == 0 ? "" : ","), points.get(i).meanWaitMillis());
        j.append("],\"errors\":[");
        for (int i = 0; i < points.size(); i++) {
            j.append(i == 0 ? "{" : ",{");
            boolean first = true;
            for (Map.Entry<String, Double> e : points.get(i).errorsPerSecond().entrySet()) {
                if (!first) j.append(',');
                first = false;
                num(j.append(SafeText.json(e.getKey())).append(':'), e.getValue());
            }
            j.append('}');
        }
        j.append("]}");
    }

    private static void num(StringBuilder j, double v) {
        j.append(Math.round(v * 1000) / 1000.0);
    }

    private static StringBuilder str(StringBuilder j, String k, String v) {
        return j.append('"').append(k).append("\":").append(SafeText.json(v == null ? "" : v));
    }
}
