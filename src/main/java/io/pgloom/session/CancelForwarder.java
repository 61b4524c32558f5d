// A client's CancelRequest (or a query_timeout) reaches the server that client is linked to at that instant, over
// a connection of its own, as PostgreSQL's cancel protocol requires; never another client's server.
package io.pgloom.session;

import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLogin;
import java.io.IOException;
import org.tinylog.Logger;

final class CancelForwarder {
    private CancelForwarder() {}

    /** Forwards a cancel to the server the client is linked to right now, if a request of its is in flight. */
    static void cancel(ClientSession c) {
        ServerConn s = serverToCancel(c);
        if (s != null) send(c, s);
    }

    /** As cancel, without waiting for it: a timeout must not wait on a network that may be the problem. */
    static void cancelInBackground(ClientSession c) {
        ServerConn s = serverToCancel(c);
        if (s != null) Thread.ofVirtual().name("pgloom-cancel-" + c).start(() -> send(c, s));
    }

    private static ServerConn serverToCancel(ClientSession c) {
        ServerConn s = c.replicationServer; // its own server: whatever runs there (a base backup) is the client's
        if (s != null) return s;
        try (var h = c.link.lock.obtain()) {
            s = c.link.server();
            if (s == null || c.link.outstanding() == 0) s = null;
        }
        if (s == null) {
            c.runtime.metrics.cancelRequests.labels("not_linked").inc();
            Logger.info("event=cancel_dropped client={} reason=not_linked", c);
        }
        return s;
    }

    private static void send(ClientSession c, ServerConn s) {
        try {
            ServerLogin.sendCancel(
                    s.host,
                    s.port,
                    s.backendPid(),
                    s.cancelSecret(),
                    c.runtime.config().proxy().serverConnectTimeout());
            c.runtime.metrics.cancelRequests.labels("forwarded").inc();
            Logger.info("event=cancel_forwarded client={} server={} backend_pid={}", c, s.id, s.backendPid());
        } catch (IOException e) {
            c.runtime.metrics.cancelRequests.labels("failed").inc();
            Logger.warn("event=cancel_failed client={} server={} error={}", c, s.id, e.getMessage());
        }
    }
}
