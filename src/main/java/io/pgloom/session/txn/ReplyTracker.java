// Transaction mode with named statements: where in the server's reply stream pgloom must drop a reply (to a Parse
// or Close it injected) or add one (for a Parse or Close it answered itself). Every request that gets exactly one
// final reply (Parse, Bind, Close, Describe, Execute, Sync, Query, FunctionCall) advances a counter on each side;
// an error in an extended-protocol batch skips to that batch's Sync, as PostgreSQL does. Guarded by the link lock.
package io.pgloom.session.txn;

import io.pgloom.pool.ServerConn;
import io.pgloom.util.ResourceLock;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SqlState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;

public final class ReplyTracker {
    enum Kind {
        /** Send the client this reply here; the server will not (pgloom answered the request itself). */
        FAKE,
        /** Drop the server's reply to a Parse pgloom injected. */
        SKIP_PARSE,
        /** Drop the server's reply to a Close pgloom injected (LRU eviction). */
        SKIP_CLOSE,
        /** A client's Parse forwarded under pgloom's name: if it fails, the statement is not on the server. */
        TRACK_PARSE,
        /** Drop the server's reply to a request pgloom rewrote; a FAKE right after it says what the client gets. */
        SKIP_REPLY
    }

    /** An action at a position in the reply stream. */
    record Action(long index, Kind kind, String statement, byte[] reply) {}

    /** Final replies requested so far on this link (client-to-server side). */
    long sent;
    /** Final replies seen (server-to-client side). */
    long received;
    /** Final replies seen and already written to the client. */
    long flushed;
    /**
     * Positions of the ReadyForQuery-terminated requests, encoded index*2 + (simple query ? 1 : 0). Grown on demand:
     * most links have one request in flight, and every idle client keeps its tracker.
     */
    private long[] zRing = new long[2];

    private int zHead;
    private int zSize;
    final ArrayDeque<Action> actions = new ArrayDeque<>(2);
    volatile boolean actionsPending;

    public void reset() {
        sent = received = flushed = 0;
        zHead = zSize = 0;
        actions.clear();
        actionsPending = false;
    }

    void pushZ(boolean simpleQuery) {
        if (zSize == zRing.length) {
            long[] bigger = new long[zRing.length * 2];
            for (int i = 0; i < zSize; i++) bigger[i] = zRing[(zHead + i) % zRing.length];
            zRing = bigger;
            zHead = 0;
        }
        zRing[(zHead + zSize) % zRing.length] = sent * 2 + (simpleQuery ? 1 : 0);
        zSize++;
    }

    boolean hasZ() {
        return zSize > 0;
    }

    long zIndex() {
        return zRing[zHead] >>> 1;
    }

    boolean zIsSimpleQuery() {
        return (zRing[zHead] & 1) == 1;
    }

    void popZ() {
        zHead = (zHead + 1) % zRing.length;
        zSize--;
    }

    /** What the server-to-client pump does with a reply it just read (transaction mode). */
    public enum Verdict {
        /** Forward it within the run. */
        KEEP,
        /** The reply to a request pgloom injected itself: the client never sees it. */
        DROP,
        /** Forward it, and write the run now: pgloom's own replies follow it. */
        SPLIT
    }

    /**
     * A whole reply the server sent (its header at {@code p}, {@code len} as in the header): counts final replies
     * and applies the actions due at them. {@code countLock} guards the plain count: the link lock, or null while
     * the client's own thread reads inline and is the only one touching the tracker (taking the lock for each reply
     * was a measurable part of a transaction); actions are always applied under {@code linkLock}.
     */
    public Verdict onReply(
            byte type,
            byte[] buf,
            int p,
            int len,
            ServerConn server,
            PreparedStatements statements,
            ResourceLock linkLock,
            ResourceLock countLock) {
        boolean terminator = switch (type) {
            case MessageType.PARSE_COMPLETE,
                    MessageType.BIND_COMPLETE,
                    MessageType.CLOSE_COMPLETE,
                    MessageType.ROW_DESCRIPTION,
                    MessageType.NO_DATA,
                    MessageType.COMMAND_COMPLETE,
                    MessageType.EMPTY_QUERY_RESPONSE,
                    MessageType.PORTAL_SUSPENDED -> true;
            default -> false;
        };
        if (type == MessageType.COMMAND_COMPLETE && (len == 16 || len == 19))
            statements.onCommandTag(buf, p + MessageType.HEADER_LENGTH, len - 4, server, linkLock);
        if (!terminator && type != MessageType.ERROR_RESPONSE) return Verdict.KEEP;
        if (!actionsPending && type != MessageType.ERROR_RESPONSE) {
            // Fast path: nothing of pgloom's own is pending; just count (ReadyForQuery-bounded runs need the lock).
            try (var h = countLock == null ? null : countLock.obtain()) {
                if (!inSimpleQuery()) received++;
            }
            return Verdict.KEEP;
        }
        Verdict verdict = Verdict.KEEP;
        try (var h = linkLock.obtain()) {
            if (inSimpleQuery()) return Verdict.KEEP;
            if (type == MessageType.ERROR_RESPONSE) {
                onError(server, buf, p + MessageType.HEADER_LENGTH, len - 4);
            } else {
                long idx = received++;
                Action a = actions.peekFirst();
                if (a != null && a.index() == idx && a.kind() != Kind.FAKE) {
                    actions.pollFirst();
                    if (a.kind() != Kind.TRACK_PARSE) verdict = Verdict.DROP;
                }
            }
            actionsPending = !actions.isEmpty();
            if (hasFakeDue() && verdict != Verdict.DROP) verdict = Verdict.SPLIT;
        }
        return verdict;
    }

    /** Inside a simple Query's replies: its final replies are not counted one by one (its ReadyForQuery is). */
    private boolean inSimpleQuery() {
        return hasZ() && zIsSimpleQuery() && received == zIndex();
    }

    private boolean hasFakeDue() {
        Action a = actions.peekFirst();
        return a != null && a.kind() == Kind.FAKE && a.index() == received;
    }

    /**
     * After the pump wrote what it read to the client: records the progress and returns the next reply pgloom owes
     * the client at this point, or null. {@code countLock} as in {@link #onReply}.
     */
    public byte[] nextOwedReply(ResourceLock countLock) {
        try (var h = countLock == null ? null : countLock.obtain()) {
            flushed = received;
            if (!hasFakeDue()) return null;
            byte[] reply = actions.pollFirst().reply();
            actionsPending = !actions.isEmpty();
            return reply;
        }
    }

    /** A ReadyForQuery arrived (link lock held): the request it ends is answered whole. */
    public void onReady() {
        if (hasZ()) {
            received = zIndex() + 1;
            popZ();
        }
    }

    void add(Action a) {
        actions.addLast(a);
        actionsPending = true;
    }

    /**
     * An ErrorResponse in an extended-protocol batch. 0A000 (cached plan must not change result type: a table
     * under a prepared statement changed shape) means the shared statement is stale on every server that has it:
     * pgloom stops handing out its name, so the client's re-prepare (pgjdbc does it) gets a fresh statement.
     */
    void onError(ServerConn server, byte[] buf, int bodyOff, int bodyLen) {
        if (staleStatement(buf, bodyOff, bodyOff + bodyLen)) PreparedStatements.forgetNames();
        skipToSync(server);
    }

    private static final byte[] REVALIDATE = "RevalidateCachedQuery".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STALE_STATE = SqlState.FEATURE_NOT_SUPPORTED.getBytes(StandardCharsets.US_ASCII);

    /** 0A000 raised by the plan cache's revalidation (the routine field is never translated, the message may be). */
    static boolean staleStatement(byte[] b, int p, int end) {
        boolean state = false, routine = false;
        while (p < end && b[p] != 0) {
            byte field = b[p++];
            int start = p;
            while (p < end && b[p] != 0) p++;
            if (field == MessageType.FIELD_SQLSTATE)
                state = Arrays.equals(b, start, p, STALE_STATE, 0, STALE_STATE.length);
            else if (field == MessageType.FIELD_ROUTINE)
                routine = Arrays.equals(b, start, p, REVALIDATE, 0, REVALIDATE.length);
            p++;
        }
        return state && routine;
    }

    /**
     * An ErrorResponse in an extended-protocol batch: PostgreSQL skips to the next Sync, so the replies between
     * never come. Their actions are void: an added reply for a skipped Parse is not sent, a Parse that never ran
     * prepared nothing, a Close that never ran closed nothing.
     */
    void skipToSync(ServerConn server) {
        long target = hasZ() ? zIndex() : sent;
        while (!actions.isEmpty() && actions.peekFirst().index() <= target) {
            Action a = actions.pollFirst();
            switch (a.kind()) {
                case TRACK_PARSE, SKIP_PARSE -> server.prepared.remove(a.statement());
                case SKIP_CLOSE -> server.prepared.put(a.statement(), Boolean.TRUE);
                case FAKE, SKIP_REPLY -> {}
            }
        }
        received = target;
        actionsPending = !actions.isEmpty();
    }
}
