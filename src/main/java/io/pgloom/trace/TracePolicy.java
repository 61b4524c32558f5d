// What one tapped session shows right now: the traces covering it, the highest of their levels, and whether
// values may appear (only if every covering trace allows it). Immutable; replaced when traces start or end.
package io.pgloom.trace;

import java.util.List;

record TracePolicy(TraceLevel level, boolean values, Trace[] traces, String label) {
    static TracePolicy of(List<Trace> covering) {
        TraceLevel level = TraceLevel.HEADERS;
        boolean values = true;
        StringBuilder label = new StringBuilder();
        for (Trace t : covering) {
            if (t.level.compareTo(level) > 0) level = t.level;
            values &= t.values;
            if (!label.isEmpty()) label.append(',');
            label.append(t.id);
        }
        return new TracePolicy(level, values, covering.toArray(new Trace[0]), label.toString());
    }

    /** Bodies are copied off the pump only when the level decodes them. */
    boolean bodies() {
        return level != TraceLevel.HEADERS;
    }

    boolean covers(Trace t) {
        for (Trace x : traces) if (x == t) return true;
        return false;
    }
}
