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

    /** Live heap after the last collections, as a share of the maximum heap. */
    double heapLiveRatio();

    /** new_client_heap_limit (0: off). */
    double newClientHeapLimit();

    boolean shuttingDown();

    /** Loaded TLS certificates by subject: not-after as Unix seconds. */
    Map<List<String>, Double> certificateNotAfter();

    /** Source addresses with failed logins since their last success. */
    int authFailureSources();

    /** Per database: configured pool size and max_db_connections. */
    Map<String, int[]> databaseLimits();
}
