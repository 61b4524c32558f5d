// What is left of a session once it ended: the disconnect counted by side and reason (or, before login, the failed
// connection), the trace told, the flight recorder dumped when the ending was abnormal, one client_disconnect line.
package io.pgloom.session;

import io.pgloom.trace.FlightRecorder;
import io.pgloom.util.SafeText;
import java.util.Set;
import org.tinylog.Logger;

final class SessionEnding {
    private SessionEnding() {}

    /** Endings that are part of normal operation: no flight-recorder dump for them. */
    private static final Set<String> NORMAL_ENDINGS = Set.of(
            "client_close",
            "cancel_request",
            "shutdown",
            "admin_kill",
            "client_idle_timeout",
            "auth_failed",
            "unknown_database",
            "admin_denied");

    /** Records the end of {@code s}; {@code level} is the log level the catch ladder chose. */
    static void record(ClientSession s, String reason, String detail, String level) {
        count(s, reason, detail);
        s.runtime.traces.sessionEnded(s.toString(), reason);
        dumpFlightRecorder(s, reason);
        long ms = s.runtime.clock.currentTimeMillis() - s.connectedAtMillis;
        String line =
                "event=client_disconnect client={} user={} database={} remote={}:{} duration_ms={} reason={} detail={}";
        Object[] args = {s, s.user, s.database, s.remoteAddress, s.remotePort, ms, reason, detail};
        switch (level) {
            case "warn" -> Logger.warn(line, args);
            case "error" -> Logger.error(line, args);
            case "debug" -> Logger.debug(line, args);
            default -> Logger.info(line, args);
        }
    }

    /** A session that ended abnormally leaves its last message headers in the log (and in SHOW FLIGHTS). */
    private static void dumpFlightRecorder(ClientSession s, String reason) {
        if (NORMAL_ENDINGS.contains(reason) || !s.sent.enabled()) return;
        String messages = FlightRecorder.dump(s.runtime.clock.nanoTime(), s.sent, s.received);
        if (messages.isEmpty()) return;
        Logger.warn(
                "event=flight_recorder client={} user={} database={} reason={} messages={}",
                s,
                s.user,
                s.database,
                reason,
                new SafeText.Whole(messages));
        s.runtime.flights.remember(s.toString(), reason, messages);
    }

    /** Disconnect by side and reason; for sessions that never logged in, the connection outcome. */
    private static void count(ClientSession s, String reason, String detail) {
        String side = switch (reason) {
            case "client_close", "client_eof", "client_io_error", "cancel_request" -> "client";
            case "server_gone", "server_unreachable", "server_connect_timeout", "server_login_failed" -> "server";
            default -> reason.startsWith("server_refused_") ? "server" : "proxy";
        };
        s.runtime.metrics.clientDisconnects.labels(side, reason).inc();
        if (!s.loggedIn && !reason.equals("cancel_request") && !(reason.equals("client_eof") && s.user.isEmpty())) {
            boolean auth = reason.equals("auth_failed");
            s.runtime
                    .metrics
                    .clientConnections
                    .labels(auth ? "auth_failed" : "error", String.valueOf(s.tls), "")
                    .inc();
            if (auth) {
                // The label is the reason word only: the detail may go on (hba_reject's rule, a certificate's cn).
                String r = detail != null && detail.startsWith("auth_reason=")
                        ? detail.substring(12).split(" ", 2)[0]
                        : "unknown";
                s.runtime.metrics.authFailures.labels(r).inc();
            }
        }
    }
}
