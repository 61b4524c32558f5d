// Read/write split for one transaction-mode client of a target = "auto" database: when a transaction starts, the
// messages that start it decide whether it goes to the read pool (a standby) or the primary's. The one place that
// decision is made; sessions of other targets never create one, so they pay nothing for it.
package io.pgloom.route;

import io.pgloom.config.Backends;
import io.pgloom.route.SqlClassifier.Kind;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.prometheus.client.Counter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class ReadWriteRouter {
    /** Where a transaction went, and the route label of pgloom_routed_total. */
    public enum Route {
        STANDBY("standby"),
        PRIMARY_WRITE("primary_write"),
        PRIMARY_UNCERTAIN("primary_uncertain"),
        PRIMARY_RECENT_WRITE("primary_recent_write");

        public final String label;

        Route(String label) {
            this.label = label;
        }
    }

    /** Named statements remembered per client at most; past it they are forgotten (and Binds of them are uncertain). */
    private static final int MAX_NAMED = 1000;
    /** One classifier per distinct read_only_functions list, shared by every client. */
    private static final Map<List<String>, SqlClassifier> CLASSIFIERS = new ConcurrentHashMap<>();

    private final SqlClassifier classifier;
    private final long readYourWritesNanos;
    private final Counter.Child[] routed = new Counter.Child[Route.values().length];
    /** The client's default_transaction_read_only: every transaction is read-only, a standby may take it. */
    private boolean readOnlyDefault;

    private boolean wrote;
    private long lastPrimaryNanos;
    /** What each named prepared statement is, classified once at its Parse; and the last unnamed one. */
    private final Map<String, Kind> named = new HashMap<>();

    private Kind unnamed = Kind.UNCERTAIN;

    public ReadWriteRouter(
            String database, Backends.ReadSplit split, String startupReadOnlyDefault, Counter routedTotal) {
        this.classifier = CLASSIFIERS.computeIfAbsent(
                split.readOnlyFunctions(), l -> new SqlClassifier(FunctionAllowList.withDefaults(l)));
        this.readYourWritesNanos = split.readYourWrites().toNanos();
        this.readOnlyDefault = isOn(startupReadOnlyDefault);
        for (Route r : Route.values()) routed[r.ordinal()] = routedTotal.labels(database, r.label);
    }

    private static boolean isOn(String v) {
        if (v == null) return false;
        String s = v.strip().toLowerCase(Locale.ROOT);
        return s.equals("on") || s.equals("true") || s.equals("1") || s.equals("yes");
    }

    /**
     * Routes the transaction the messages in buf[start, end) begin (a run read from the client; its last message
     * may be partial) and counts it. Not thread-safe: the client's own thread calls it, when no server is linked.
     */
    public Route route(byte[] buf, int start, int end, long nowNanos) {
        boolean write = false, uncertain = false, readOnlyTx = false, any = false;
        boolean readOnlyClient = readOnlyDefault; // a SET in this run counts from the next transaction on
        int p = start;
        while (end - p >= MessageType.HEADER_LENGTH) {
            byte type = buf[p];
            int len = FrameWriter.getInt(buf, p + 1);
            int body = p + MessageType.HEADER_LENGTH;
            int msgEnd = (long) p + 1 + len <= end ? p + 1 + len : -1;
            p = msgEnd < 0 ? end : msgEnd;
            Kind k;
            if (type == MessageType.QUERY) {
                k = msgEnd < 0 ? Kind.UNCERTAIN : classifier.classify(buf, body, cstringEnd(buf, body, msgEnd));
            } else if (type == MessageType.PARSE) {
                if (msgEnd < 0) {
                    uncertain = true;
                    continue;
                }
                int nameEnd = cstringEnd(buf, body, msgEnd);
                int textStart = Math.min(nameEnd + 1, msgEnd);
                Kind parsed = classifier.classify(buf, textStart, cstringEnd(buf, textStart, msgEnd));
                if (nameEnd == body) unnamed = parsed;
                else remember(new String(buf, body, nameEnd - body, StandardCharsets.UTF_8), parsed);
                continue; // a Parse runs nothing: the Bind that follows does
            } else if (type == MessageType.BIND) {
                if (msgEnd < 0) {
                    uncertain = true;
                    continue;
                }
                int portalEnd = cstringEnd(buf, body, msgEnd);
                int nameStart = Math.min(portalEnd + 1, msgEnd);
                int nameEnd = cstringEnd(buf, nameStart, msgEnd);
                k = nameEnd == nameStart
                        ? unnamed
                        : named.getOrDefault(
                                new String(buf, nameStart, nameEnd - nameStart, StandardCharsets.UTF_8),
                                Kind.UNCERTAIN);
            } else if (type == MessageType.FUNCTION_CALL) {
                k = Kind.UNCERTAIN;
            } else {
                continue; // Describe, Execute, Sync, Close, Flush: what they run was decided above
            }
            if (!any && k == Kind.BEGIN_READ_ONLY) readOnlyTx = true;
            any = true;
            switch (k) {
                case READ, BEGIN_READ_ONLY, SESSION -> {}
                case WRITE -> write = true;
                case DEFAULT_READ_ONLY_ON -> {
                    readOnlyDefault = true;
                    uncertain = true;
                }
                case DEFAULT_READ_ONLY_OFF -> {
                    readOnlyDefault = false;
                    uncertain = true;
                }
                default -> uncertain = true;
            }
        }
        Route r;
        if (write) r = Route.PRIMARY_WRITE;
        else if (readOnlyTx || readOnlyClient && any) r = Route.STANDBY;
        else if (!any || uncertain) r = Route.PRIMARY_UNCERTAIN;
        else if (wrote && nowNanos - lastPrimaryNanos < readYourWritesNanos) r = Route.PRIMARY_RECENT_WRITE;
        else r = Route.STANDBY;
        if (r == Route.PRIMARY_WRITE || r == Route.PRIMARY_UNCERTAIN) {
            wrote = true; // it may have written: this client's next reads stay on the primary for a while
            lastPrimaryNanos = nowNanos;
        }
        routed[r.ordinal()].inc();
        return r;
    }

    private void remember(String name, Kind k) {
        if (named.size() >= MAX_NAMED && !named.containsKey(name)) named.clear();
        named.put(name, k);
    }

    /** Index of the NUL ending the C string at from, or end when there is none. */
    private static int cstringEnd(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) if (b[i] == 0) return i;
        return end;
    }
}
