// What the backend collector reads (implemented by the backend layer, so this package depends on nothing of ours).
package io.pgloom.metrics;

import java.util.List;
import java.util.Map;

public interface BackendSource {
    List<BackendRow> backends();

    /** Per database: {failovers so far, wall-clock millis of the last one or 0}. */
    Map<String, long[]> failovers();

    /** Health-checked databases with a host whose last check could not run for pgloom's own reasons. */
    int uncheckableDatabases();
}
