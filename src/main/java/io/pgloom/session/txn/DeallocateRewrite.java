// Transaction mode: SQL `DEALLOCATE name` / `DEALLOCATE ALL` of statements pgloom renamed. The server knows them
// under pgloom's shared names (other clients may use them), so the client's names are dropped from its map and the
// statement goes to the server as an empty one of the same shape; the server's EmptyQueryResponse is swapped for
// the CommandComplete PostgreSQL would send. Every ReadyForQuery still comes from the server. Under the link lock.
package io.pgloom.session.txn;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.ProtocolException;
import java.nio.charset.StandardCharsets;

final class DeallocateRewrite {
    private DeallocateRewrite() {}

    static final byte[] DEALLOCATE_TAG = commandComplete("DEALLOCATE");
    static final byte[] DEALLOCATE_ALL_TAG = commandComplete("DEALLOCATE ALL");
    /** A simple query's stand-in: the empty statement through the extended protocol, ending in one ReadyForQuery. */
    private static final byte[] EMPTY_STATEMENT_RUN = new FrameWriter(40)
            .begin(MessageType.PARSE)
            .int8(0)
            .int8(0)
            .int16(0)
            .end()
            .begin(MessageType.BIND)
            .int8(0)
            .int8(0)
            .int16(0)
            .int16(0)
            .int16(0)
            .end()
            .begin(MessageType.EXECUTE)
            .int8(0)
            .int32(0)
            .end()
            .begin(MessageType.SYNC)
            .end()
            .toByteArray();

    private static byte[] commandComplete(String tag) {
        return new FrameWriter(tag.length() + 6)
                .begin(MessageType.COMMAND_COMPLETE)
                .cstring(tag)
                .end()
                .toByteArray();
    }

    /** Whether a Query or unnamed Parse (possibly not whole yet) may be a DEALLOCATE pgloom has to rewrite. */
    static boolean mayBeDeallocate(byte[] buf, int p, int end) {
        int body = p + MessageType.HEADER_LENGTH;
        return switch (buf[p]) {
            case MessageType.QUERY -> SqlDeallocate.startsWithDeallocate(buf, body, end);
            case MessageType.PARSE ->
                body < end && buf[body] == 0 && SqlDeallocate.startsWithDeallocate(buf, body + 1, end);
            default -> false;
        };
    }

    /**
     * A whole simple Query [body, msgEnd). When it is one DEALLOCATE of names pgloom maps, answers it through an
     * empty statement and returns true; otherwise returns false and the query goes to the server as it is (an
     * unknown name gets PostgreSQL's own 26000, a failed transaction its 25P02).
     */
    static boolean query(TxnClient s, byte[] buf, int body, int msgEnd, FrameWriter out) throws ProtocolException {
        PreparedStatements ps = s.statements();
        ps.unnamedDeallocateReply = null; // a simple query drops the unnamed statement and portal
        ps.deallocatePortal = null;
        int textEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
        byte[] reply = drop(s, buf, body, textEnd);
        if (reply == null) return false;
        ReplyTracker t = s.tracker();
        out.raw(EMPTY_STATEMENT_RUN);
        for (int i = 0; i < 3; i++) t.add(new ReplyTracker.Action(t.sent++, ReplyTracker.Kind.SKIP_REPLY, null, null));
        t.add(new ReplyTracker.Action(t.sent, ReplyTracker.Kind.FAKE, null, reply));
        t.pushZ(false);
        t.sent++;
        return true;
    }

    /**
     * A whole unnamed Parse: when its text is a DEALLOCATE pgloom answers, forwards it with the empty statement
     * (parameter types kept) and remembers the reply its Execute will get. Returns whether it wrote the message.
     */
    static boolean unnamedParse(TxnClient s, byte[] buf, int body, int msgEnd, FrameWriter out)
            throws ProtocolException {
        PreparedStatements ps = s.statements();
        ps.unnamedDeallocateReply = null;
        int textStart = body + 1;
        int textEnd = PreparedStatements.cstringEnd(buf, textStart, msgEnd);
        byte[] reply = drop(s, buf, textStart, textEnd);
        if (reply == null) return false;
        int rest = msgEnd - (textEnd + 1);
        out.int8(MessageType.PARSE).int32(4 + 2 + rest).int8(0).int8(0).bytes(buf, textEnd + 1, rest);
        ps.unnamedDeallocateReply = reply;
        s.tracker().sent++;
        return true;
    }

    /** A Bind: notes the portal that now holds a rewritten DEALLOCATE (or no longer does). */
    static void bind(PreparedStatements ps, byte[] buf, int body, int msgEnd) throws ProtocolException {
        int portalEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
        String portal = new String(buf, body, portalEnd - body, StandardCharsets.UTF_8);
        boolean fromUnnamed = portalEnd + 1 < msgEnd && buf[portalEnd + 1] == 0;
        if (fromUnnamed && ps.unnamedDeallocateReply != null) {
            ps.deallocatePortal = portal;
            ps.deallocatePortalReply = ps.unnamedDeallocateReply;
        } else if (portal.equals(ps.deallocatePortal)) {
            ps.deallocatePortal = null;
        }
    }

    /** An Execute of the portal holding a rewritten DEALLOCATE: its EmptyQueryResponse becomes the command tag. */
    static void execute(PreparedStatements ps, ReplyTracker t, byte[] buf, int body, int msgEnd)
            throws ProtocolException {
        int portalEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
        if (!ps.deallocatePortal.equals(new String(buf, body, portalEnd - body, StandardCharsets.UTF_8))) return;
        t.add(new ReplyTracker.Action(t.sent, ReplyTracker.Kind.SKIP_REPLY, null, null));
        t.add(new ReplyTracker.Action(t.sent + 1, ReplyTracker.Kind.FAKE, null, ps.deallocatePortalReply));
        ps.deallocatePortal = null; // PostgreSQL runs a utility statement's portal once
    }

    /**
     * Drops the client's statements a DEALLOCATE in [off, end) names, returning the reply to give, or null when
     * the server must see the statement as it is: not a plain DEALLOCATE, a name pgloom does not map, or a failed
     * transaction (where PostgreSQL refuses it with 25P02 and keeps the statement).
     */
    private static byte[] drop(TxnClient s, byte[] buf, int off, int end) {
        SqlDeallocate.Target target = SqlDeallocate.parse(buf, off, end);
        if (target == null || s.transactionFailed()) return null;
        PreparedStatements ps = s.statements();
        if (target.all()) {
            // Only this client's names go; the server keeps pgloom's shared statements for other clients.
            ps.byClientName.clear();
            return DEALLOCATE_ALL_TAG;
        }
        return ps.byClientName.remove(target.name()) != null ? DEALLOCATE_TAG : null;
    }
}
