// How much of each message a trace shows: headers (direction, type, length, timing), summary (plus the
// structural fields), full (plus query and message text). Values need trace_values on top of any level.
package io.pgloom.trace;

import java.util.Locale;

public enum TraceLevel {
    HEADERS,
    SUMMARY,
    FULL;

    /** The word used in TRACE ON … LEVEL and in SHOW TRACES. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TraceLevel parse(String word) {
        for (TraceLevel l : values()) if (l.word().equalsIgnoreCase(word)) return l;
        throw new IllegalArgumentException("LEVEL must be headers, summary or full (got \"" + word + "\")");
    }
}
