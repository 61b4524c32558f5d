// Named prepared statements in transaction mode. A client's statement names map to pgloom-wide names (one per
// distinct query text and parameter types, shared by all clients), so a statement parsed on one server can be
// used on any other: pgloom prepares it there first, hides that extra ParseComplete, answers a repeated Parse or a
// Close itself, and keeps at most max_prepared_statements per server (least recently used are closed).
package io.pgloom.session.txn;

import io.pgloom.pool.ServerConn;
import io.pgloom.util.ResourceLock;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

public final class PreparedStatements {
    /** A statement under its pgloom-wide name, with the Parse message that creates it on a server. */
    /**
     * A statement under pgloom's name. {@code sessionLevel}: its text may change session state (a SET, ...), so each
     * execution is inspected again, not only its Parse (a driver prepares a SET it runs often).
     */
    record Stmt(String name, byte[] parseFrame, boolean sessionLevel) {
        /** Offset of the query text inside parseFrame: after the 5-byte header and the name's C string. */
        int queryStart() {
            return MessageType.HEADER_LENGTH + name.length() + 1;
        }
    }

    private static final ConcurrentHashMap<String, String> NAMES = new ConcurrentHashMap<>();
    private static final AtomicLong IDS = new AtomicLong();
    private static final int MAX_NAMES = 100_000;
    static final byte[] PARSE_COMPLETE =
            new FrameWriter(5).begin(MessageType.PARSE_COMPLETE).end().toByteArray();
    static final byte[] CLOSE_COMPLETE =
            new FrameWriter(5).begin(MessageType.CLOSE_COMPLETE).end().toByteArray();

    /** This client's statements by the names it chose. */
    final Map<String, Stmt> byClientName = new ConcurrentHashMap<>();
    /** SQL DEALLOCATE sent as an unnamed statement (DeallocateRewrite): the reply its Execute gets, or null. */
    byte[] unnamedDeallocateReply;
    /** The portal bound from that statement, and its reply; null when none. */
    String deallocatePortal;

    byte[] deallocatePortalReply;

    /** The pgloom-wide statement for a Parse body (after the statement name). */
    static Stmt stmtFor(byte[] buf, int restStart, int restEnd) {
        // Key: the query text and parameter type OIDs, exactly as sent.
        String key = new String(buf, restStart, restEnd - restStart, StandardCharsets.ISO_8859_1);
        if (NAMES.size() > MAX_NAMES) NAMES.clear(); // existing Stmt objects keep their names
        String name = NAMES.computeIfAbsent(key, k -> "pgloom_" + IDS.incrementAndGet());
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        FrameWriter w = new FrameWriter(restEnd - restStart + nameBytes.length + 8)
                .begin(MessageType.PARSE)
                .bytes(nameBytes)
                .int8(0)
                .bytes(buf, restStart, restEnd - restStart)
                .end();
        int queryEnd = restStart;
        while (queryEnd < restEnd && buf[queryEnd] != 0) queryEnd++;
        return new Stmt(name, w.toByteArray(), SessionStateDetector.mayChangeSession(buf, restStart, queryEnd));
    }

    /** New Parses get new names from now on (statements already on servers stay there until evicted). */
    static void forgetNames() {
        NAMES.clear();
    }

    /** Index of the NUL ending the C string at off, within [off, end). */
    static int cstringEnd(byte[] buf, int off, int end) throws ProtocolException {
        for (int i = off; i < end; i++) if (buf[i] == 0) return i;
        throw new ProtocolException("unterminated string in message");
    }

    /**
     * Whether the message at p names a statement (the only messages that need rewriting): Parse or Bind with a
     * statement name, Describe/Close of a named statement.
     */
    static boolean namesStatement(byte[] buf, int p, int len) throws ProtocolException {
        int body = p + MessageType.HEADER_LENGTH;
        int end = p + 1 + len;
        return switch (buf[p]) {
            case MessageType.PARSE -> body < end && buf[body] != 0;
            case MessageType.BIND -> {
                int portalEnd = cstringEnd(buf, body, end);
                yield portalEnd + 1 < end && buf[portalEnd + 1] != 0;
            }
            case MessageType.DESCRIBE, MessageType.CLOSE ->
                body + 1 < end && buf[body] == MessageType.TARGET_STATEMENT && buf[body + 1] != 0;
            default -> false;
        };
    }

    /** Whether pgloom must see the message at p to rewrite it: it names a statement, or is an SQL DEALLOCATE. */
    public static boolean needsRewrite(byte[] buf, int p, int len) throws ProtocolException {
        return namesStatement(buf, p, len) || DeallocateRewrite.mayBeDeallocate(buf, p, p + 1 + len);
    }

    static byte[] closeFrame(String name) {
        return new FrameWriter(name.length() + 8)
                .begin(MessageType.CLOSE)
                .int8(MessageType.TARGET_STATEMENT)
                .cstring(name)
                .end()
                .toByteArray();
    }

    /** Makes room on the server for one more statement: closes the least recently used one (its reply hidden). */
    static void evictIfFull(ServerConn server, int max, ReplyTracker t, FrameWriter out) {
        while (server.prepared.size() >= max) {
            String eldest = server.prepared.keySet().iterator().next();
            server.prepared.remove(eldest);
            out.raw(closeFrame(eldest));
            t.add(new ReplyTracker.Action(t.sent++, ReplyTracker.Kind.SKIP_CLOSE, eldest, null));
        }
    }

    /** Prepares the statement on the server first if it is not there (its ParseComplete hidden). */
    static void ensureOnServer(Stmt s, ServerConn server, int max, ReplyTracker t, FrameWriter out) {
        if (server.prepared.get(s.name()) != null) return;
        evictIfFull(server, max, t, out);
        out.raw(s.parseFrame());
        server.prepared.put(s.name(), Boolean.TRUE);
        t.add(new ReplyTracker.Action(t.sent++, ReplyTracker.Kind.SKIP_PARSE, s.name(), null));
    }

    /** A CommandComplete tag: DISCARD ALL and DEALLOCATE ALL dropped every prepared statement on this server. */
    void onCommandTag(byte[] buf, int off, int len, ServerConn server, ResourceLock linkLock) {
        String tag = new String(buf, off, len - 1, StandardCharsets.US_ASCII);
        if (tag.equals("DISCARD ALL") || tag.equals("DEALLOCATE ALL")) {
            try (var h = linkLock.obtain()) {
                server.prepared.clear();
            }
            byClientName.clear();
        }
    }
}
