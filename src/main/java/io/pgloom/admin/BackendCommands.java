// Admin verbs on backend hosts: SHOW BACKENDS, DRAIN host, UNDRAIN host, SWITCHOVER db TO host. Each blocks the
// console only as long as the operation's own bounded wait (drain_timeout).
package io.pgloom.admin;

import io.pgloom.backend.Switchover;
import io.pgloom.metrics.BackendRow;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SqlState;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

final class BackendCommands {
    private final ProxyRuntime runtime;

    BackendCommands(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    void show(FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(
                out,
                "database",
                "host",
                "port",
                "target",
                "role",
                "up",
                "draining",
                "current",
                "weight",
                "connections",
                "sessions",
                "last_check",
                "consecutive_failures",
                "last_error",
                "lag_bytes",
                "lag_seconds",
                "in_rotation");
        for (BackendRow r : runtime.backends.backends()) {
            // lag columns are NULL where unknown (a primary, a standby before its first check)
            w.row(Arrays.<Object>asList(
                    r.database(),
                    r.host(),
                    r.port(),
                    r.target(),
                    r.role(),
                    r.up(),
                    r.draining(),
                    r.current(),
                    r.weight(),
                    r.connections(),
                    r.sessions(),
                    r.lastCheckMillis() == 0
                            ? ""
                            : Instant.ofEpochMilli(r.lastCheckMillis()).toString(),
                    r.consecutiveFailures(),
                    r.lastError(),
                    r.lagBytes() < 0 ? null : r.lagBytes(),
                    r.lagSeconds() < 0 ? null : r.lagSeconds(),
                    !r.outOfRotation()));
        }
        w.done("SHOW");
    }

    /** DRAIN host | UNDRAIN host. */
    void drain(String verb, List<String> words, FrameWriter out) {
        if (words.size() != 2) {
            out.raw(ErrorResponses.error(
                    SqlState.SYNTAX_ERROR,
                    verb + " needs a host as SHOW BACKENDS names it, e.g. " + verb + " 10.0.0.2:5432"));
            return;
        }
        String host = unquote(words.get(1));
        String error;
        try {
            error = verb.equals("DRAIN") ? runtime.backends.drain(host) : runtime.backends.undrain(host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = verb + " interrupted";
        }
        if (error == null) out.begin(MessageType.COMMAND_COMPLETE).cstring(verb).end();
        else out.raw(ErrorResponses.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, error));
    }

    /** SWITCHOVER db TO host. */
    void switchover(List<String> words, FrameWriter out) {
        if (words.size() != 4 || !words.get(2).toUpperCase(Locale.ROOT).equals("TO")) {
            out.raw(ErrorResponses.error(
                    SqlState.SYNTAX_ERROR, "usage: SWITCHOVER db TO host, e.g. SWITCHOVER app TO 10.0.0.2:5432"));
            return;
        }
        Switchover.Pools pools = new Switchover.Pools() {
            @Override
            public int pause(String database, Duration timeout) throws InterruptedException {
                return runtime.pause(database, timeout);
            }

            @Override
            public void resume(String database) {
                runtime.resume(database);
            }

            @Override
            public void reconnect(String database) {
                runtime.reconnect(database);
            }
        };
        try {
            Switchover.run(runtime.backends, pools, words.get(1), unquote(words.get(3)));
            out.begin(MessageType.COMMAND_COMPLETE).cstring("SWITCHOVER").end();
        } catch (Switchover.Failed e) {
            out.raw(ErrorResponses.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.raw(ErrorResponses.error(SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE, "SWITCHOVER interrupted"));
        }
    }

    private static String unquote(String s) {
        return s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))
                ? s.substring(1, s.length() - 1)
                : s;
    }
}
