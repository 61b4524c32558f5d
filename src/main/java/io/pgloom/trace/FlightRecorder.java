// The last N message headers one pump forwarded (type, length, time; never a body), in primitive arrays so
// recording allocates nothing. Each pump owns one; a session that ends abnormally merges both into one log line.
package io.pgloom.trace;

import io.pgloom.wire.MessageType;
import java.util.ArrayList;
import java.util.List;

public final class FlightRecorder {
    /**
     * One long per header: type (8 bits), length (24 bits; larger ones show as the cap) and time (32 bits, in
     * units of 2^14 ns = 16.4 µs) — 60 % of the memory of three arrays, for every idle client. Times are rebuilt
     * backwards from the newest entry, whose full time is kept, so they stay right for the ~19 hours before it.
     */
    private final long[] entries;

    private final char direction;
    private int next;
    private long count;
    private long lastNanos;
    private static final int LENGTH_CAP = 0xff_ffff;
    private static final int UNIT_SHIFT = 14;

    /** @param direction '>' for client to server, '<' for server to client */
    public FlightRecorder(int size, char direction) {
        this.entries = new long[size];
        this.direction = direction;
    }

    public boolean enabled() {
        return entries.length > 0;
    }

    /** Called by the owning pump only; one time stamp per run of messages is enough. */
    public void record(byte type, int length, long timeNanos) {
        if (entries.length == 0) return;
        long units = (timeNanos >>> UNIT_SHIFT) & 0xffff_ffffL;
        entries[next] = ((long) (type & 0xff) << 56) | ((long) Math.min(Math.max(length, 0), LENGTH_CAP) << 32) | units;
        lastNanos = timeNanos;
        next = next + 1 == entries.length ? 0 : next + 1;
        count++;
    }

    /** One recorded header. */
    public record Entry(long nanos, char direction, byte type, int length) {}

    /** A copy of what is recorded, oldest first (read after the pump stopped, or racily for a best-effort dump). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        int n = (int) Math.min(count, entries.length);
        int start = count > entries.length ? next : 0;
        long lastUnits = (lastNanos >>> UNIT_SHIFT) & 0xffff_ffffL;
        for (int i = 0; i < n; i++) {
            long e = entries[(start + i) % entries.length];
            long unitsBefore = (lastUnits - (e & 0xffff_ffffL)) & 0xffff_ffffL;
            out.add(new Entry(lastNanos - (unitsBefore << UNIT_SHIFT), direction, (byte) (e >>> 56), (int)
                    ((e >>> 32) & LENGTH_CAP)));
        }
        return out;
    }

    /** Both directions merged by time, as "-1.204s > Q 45, -1.203s < T 30, …" relative to {@code nowNanos}. */
    public static String dump(long nowNanos, FlightRecorder... recorders) {
        List<Entry> all = new ArrayList<>();
        for (FlightRecorder r : recorders) if (r != null) all.addAll(r.entries());
        all.sort((a, b) -> Long.compare(a.nanos(), b.nanos()));
        StringBuilder sb = new StringBuilder();
        for (Entry e : all) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "-%.3fs %c %s %d",
                    (nowNanos - e.nanos()) / 1e9,
                    e.direction(),
                    MessageType.printable(e.type()),
                    e.length()));
        }
        return sb.toString();
    }
}
