// Transaction mode: accounts one run of client messages in the ReplyTracker and, when it names prepared
// statements, rewrites it into a staging buffer under pgloom's statement names. Runs under the link lock; no I/O.
package io.pgloom.session.txn;

import io.pgloom.pool.ServerConn;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.ProtocolException;
import java.nio.charset.StandardCharsets;

public final class TrackedBatch {
    private TrackedBatch() {}

    /**
     * Accounts (and if {@code rewrite}, rewrites into {@code out}) the messages in [start, end). The last message
     * may be partial (it streams). Replies pgloom must send the client itself right now, before the batch goes
     * to the server, are appended to {@code direct}.
     */
    public static void process(
            TxnClient s,
            ServerConn server,
            byte[] buf,
            int start,
            int end,
            boolean rewrite,
            FrameWriter out,
            FrameWriter direct,
            int maxPrepared)
            throws ProtocolException {
        ReplyTracker t = s.tracker();
        PreparedStatements ps = s.statements();
        int p = start;
        while (end - p >= MessageType.HEADER_LENGTH) {
            byte type = buf[p];
            int len = FrameWriter.getInt(buf, p + 1);
            int msgEnd = (int) Math.min((long) p + 1 + len, end);
            int body = p + MessageType.HEADER_LENGTH;
            boolean handled = false;
            boolean whole = (long) p + 1 + len <= end;
            if (whole && (ps.unnamedDeallocateReply != null || ps.deallocatePortal != null)) {
                if (type == MessageType.BIND) DeallocateRewrite.bind(ps, buf, body, msgEnd);
                else if (type == MessageType.EXECUTE && ps.deallocatePortal != null)
                    DeallocateRewrite.execute(ps, t, buf, body, msgEnd);
            }
            if (rewrite && PreparedStatements.namesStatement(buf, p, msgEnd - p - 1)) {
                handled = true;
                switch (type) {
                    case MessageType.PARSE -> {
                        int nameEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
                        String clientName = new String(buf, body, nameEnd - body, StandardCharsets.UTF_8);
                        PreparedStatements.Stmt st = PreparedStatements.stmtFor(buf, nameEnd + 1, msgEnd);
                        ps.byClientName.put(clientName, st);
                        if (server.prepared.get(st.name()) != null) {
                            fake(t, PreparedStatements.PARSE_COMPLETE, direct);
                        } else {
                            PreparedStatements.evictIfFull(server, maxPrepared, t, out);
                            out.raw(st.parseFrame());
                            server.prepared.put(st.name(), Boolean.TRUE);
                            t.add(new ReplyTracker.Action(t.sent++, ReplyTracker.Kind.TRACK_PARSE, st.name(), null));
                        }
                    }
                    case MessageType.BIND -> {
                        int portalEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
                        int nameEnd = PreparedStatements.cstringEnd(buf, portalEnd + 1, msgEnd);
                        String clientName =
                                new String(buf, portalEnd + 1, nameEnd - portalEnd - 1, StandardCharsets.UTF_8);
                        PreparedStatements.Stmt st = ps.byClientName.get(clientName);
                        if (st == null) {
                            handled = false; // unknown to us: the server answers with its own error
                        } else {
                            PreparedStatements.ensureOnServer(st, server, maxPrepared, t, out);
                            if (st.sessionLevel()) {
                                byte[] f = st.parseFrame();
                                int q = st.queryStart();
                                SessionStateDetector.inspect(
                                        s, server, f, q, PreparedStatements.cstringEnd(f, q, f.length));
                            }
                            byte[] newName = st.name().getBytes(StandardCharsets.US_ASCII);
                            int newLen = len - (nameEnd - portalEnd - 1) + newName.length;
                            out.int8(MessageType.BIND)
                                    .int32(newLen)
                                    .bytes(buf, body, portalEnd + 1 - body)
                                    .bytes(newName)
                                    .bytes(buf, nameEnd, msgEnd - nameEnd);
                            t.sent++;
                        }
                    }
                    case MessageType.DESCRIBE -> {
                        int nameEnd = PreparedStatements.cstringEnd(buf, body + 1, msgEnd);
                        String clientName = new String(buf, body + 1, nameEnd - body - 1, StandardCharsets.UTF_8);
                        PreparedStatements.Stmt st = ps.byClientName.get(clientName);
                        if (st == null) {
                            handled = false;
                        } else {
                            PreparedStatements.ensureOnServer(st, server, maxPrepared, t, out);
                            out.begin(MessageType.DESCRIBE)
                                    .int8(MessageType.TARGET_STATEMENT)
                                    .cstring(st.name())
                                    .end();
                            t.sent++;
                        }
                    }
                    case MessageType.CLOSE -> {
                        int nameEnd = PreparedStatements.cstringEnd(buf, body + 1, msgEnd);
                        String clientName = new String(buf, body + 1, nameEnd - body - 1, StandardCharsets.UTF_8);
                        // Other clients may share the server-side statement: forget the client's name, keep it there.
                        ps.byClientName.remove(clientName);
                        fake(t, PreparedStatements.CLOSE_COMPLETE, direct);
                    }
                    default -> handled = false;
                }
            } else if (whole && type == MessageType.QUERY) {
                handled = rewrite && DeallocateRewrite.query(s, buf, body, msgEnd, out);
                if (!rewrite) {
                    ps.unnamedDeallocateReply = null;
                    ps.deallocatePortal = null;
                }
            } else if (whole && type == MessageType.PARSE && msgEnd > body && buf[body] == 0) {
                handled = rewrite && DeallocateRewrite.unnamedParse(s, buf, body, msgEnd, out);
                if (!rewrite) ps.unnamedDeallocateReply = null;
            }
            if (type == MessageType.QUERY && whole) {
                SessionStateDetector.inspect(s, server, buf, body, Math.max(body, msgEnd - 1));
            } else if (type == MessageType.PARSE && whole && msgEnd > body) {
                int nameEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
                int queryEnd = PreparedStatements.cstringEnd(buf, nameEnd + 1, msgEnd);
                SessionStateDetector.inspect(s, server, buf, nameEnd + 1, queryEnd);
            }
            if (!handled) {
                switch (type) {
                    case MessageType.QUERY, MessageType.FUNCTION_CALL -> {
                        t.pushZ(true);
                        t.sent++;
                    }
                    case MessageType.SYNC -> {
                        t.pushZ(false);
                        t.sent++;
                    }
                    case MessageType.PARSE,
                            MessageType.BIND,
                            MessageType.EXECUTE,
                            MessageType.DESCRIBE,
                            MessageType.CLOSE -> t.sent++;
                    default -> {}
                }
                if (rewrite) out.bytes(buf, p, msgEnd - p);
            }
            p = msgEnd;
        }
        if (rewrite && p < end) out.bytes(buf, p, end - p);
    }

    /** pgloom answers a request itself: right now if nothing is in flight, else in order by the other pump. */
    private static void fake(ReplyTracker t, byte[] reply, FrameWriter direct) {
        if (t.flushed == t.sent && t.actions.isEmpty()) direct.raw(reply);
        else t.add(new ReplyTracker.Action(t.sent, ReplyTracker.Kind.FAKE, null, reply));
    }
}
