// What the process does when the backend layer changes routing: end the sessions on a host marked down (with
// 08006, nothing retried) and let pools of the database stop failing fast on the error from before.
package io.pgloom.runtime;

import io.pgloom.backend.Backend;
import io.pgloom.backend.Failover;
import io.pgloom.pool.ServerPool;
import org.tinylog.Logger;

final class BackendEvents implements Failover.Events {
    private final ProxyRuntime runtime;

    BackendEvents(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void hostDown(Backend b) {
        int n = runtime.sessions().endSessionsOn(b);
        if (n > 0) Logger.warn("event=backend_sessions_ended database={} host={} sessions={}", b.database, b.name, n);
    }

    @Override
    public void routingChanged(String database) {
        for (ServerPool p : runtime.pools.all()) {
            if (p.key().database().equals(database)) p.forgetLoginFailure();
        }
    }
}
