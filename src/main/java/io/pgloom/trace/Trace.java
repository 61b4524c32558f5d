// One running trace: what it covers, at which level, who started it, when it expires, and what it has written.
package io.pgloom.trace;

import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

public final class Trace {
    public final String id;
    public final TraceScope scope;
    public final TraceLevel level;
    /** trace_values was on in the config file when the trace started. */
    public final boolean values;

    public final String by;
    public final String via;
    public final long startedMillis;
    public final long expiresMillis;
    final long expiresNanos;
    public final Path file;
    public final Path pcapFile;
    final LongAdder messages = new LongAdder();
    final LongAdder dropped = new LongAdder();

    Trace(
            String id,
            TraceScope scope,
            TraceLevel level,
            boolean values,
            String by,
            String via,
            long startedMillis,
            long durationNanos,
            long nowNanos,
            Path file,
            Path pcapFile) {
        this.id = id;
        this.scope = scope;
        this.level = level;
        this.values = values;
        this.by = by;
        this.via = via;
        this.startedMillis = startedMillis;
        this.expiresMillis = startedMillis + durationNanos / 1_000_000;
        this.expiresNanos = nowNanos + durationNanos;
        this.file = file;
        this.pcapFile = pcapFile;
    }

    public long messages() {
        return messages.sum();
    }

    public long dropped() {
        return dropped.sum();
    }
}
