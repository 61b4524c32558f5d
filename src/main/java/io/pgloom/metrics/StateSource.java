// What the scrape-time collector reads from the running proxy; implemented by the session layer so this package
// depends on nothing of ours.
package io.pgloom.metrics;

import java.util.List;
import java.util.Map;

public interface StateSource {
    List<PoolRow> pools();

    /** Session-state uses in transaction mode: (database, kind) → count. */
    Map<List<String>, Long> sessionStateViolations();

    int maxClientConn();

    int clients();

    boolean shuttingDown();

    /** Loaded TLS certificates by subject: not-after as Unix seconds. */
    Map<List<String>, Double> certificateNotAfter();

    /** Source addresses with failed logins since their last success. */
    int authFailureSources();

    /** Per database: configured pool size and max_db_connections. */
    Map<String, int[]> databaseLimits();
}
