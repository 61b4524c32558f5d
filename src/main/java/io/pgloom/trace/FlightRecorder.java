// The last N message headers one pump forwarded (type, length, time; never a body), in primitive arrays so
// recording allocates nothing. Each pump owns one; a session that ends abnormally merges both into one log line.
package io.pgloom.trace;

import io.pgloom.wire.MessageType;
import java.util.ArrayList;
import java.util.List;

public final class FlightRecorder {
    private final byte[] types;
    private final int[] lengths;
    private final long[] nanos;
    private final char direction;
    private int next;
    private long count;

    /** @param direction '>' for client to server, '<' for server to client */
    public FlightRecorder(int size, char direction) {
        this.types = new byte[size];
        this.lengths = new int[size];
        this.nanos = new long[size];
        this.direction = direction;
    }

    public boolean enabled() {
        return types.length > 0;
    }

    /** Called by the owning pump only; one time stamp per run of messages is enough. */
    public void record(byte type, int length, long timeNanos) {
        if (types.length == 0) return;
        types[next] = type;
        lengths[next] = length;
        nanos[next] = timeNanos;
        next = next + 1 == types.length ? 0 : next + 1;
        count++;
    }

    /** One recorded header. */
    public record Entry(long nanos, char direction, byte type, int length) {}

    /** A copy of what is recorded, oldest first (read after the pump stopped, or racily for a best-effort dump). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        int n = (int) Math.min(count, types.length);
        int start = count > types.length ? next : 0;
        for (int i = 0; i < n; i++) {
            int k = (start + i) % types.length;
            out.add(new Entry(nanos[k], direction, types[k], lengths[k]));
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
            sb.append(String.format(java.util.Locale.ROOT, "-%.3fs %c %s %d", (nowNanos - e.nanos()) / 1e9, e.direction(),
                    MessageType.printable(e.type()), e.length()));
        }
        return sb.toString();
    }
}
