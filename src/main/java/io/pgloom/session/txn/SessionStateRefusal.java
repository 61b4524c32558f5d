// on_session_state = "error": a statement that would leave session state pgloom cannot move (LISTEN, a session
// advisory lock, a temporary table, a WITH HOLD cursor, SQL PREPARE) is replaced, before any server sees it, by one
// that fails on the server with 0A000 and a message naming the statement kind. The server answers it as it would
// any failing statement (an open transaction is aborted, replies and ReadyForQuery come in order), so nothing of
// pgloom's reply accounting changes. A replaced Parse takes no parameters; the Binds of that statement, in this run
// or a later one, are sent without their values. Each refused Query or Bind counts as one refusal.
package io.pgloom.session.txn;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.ProtocolException;
import io.pgloom.wire.SqlState;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

public final class SessionStateRefusal {
    /** The dollar-quote tag of the refusal block; a message never contains it. */
    private static final String TAG = "$pgloom_refusal$";

    /**
     * This client's statement names whose Parse was replaced, with what they would have created: their Binds carry
     * no parameters, and each is counted as one refused execution.
     */
    private final Map<String, SessionStateDetector.Kind> refusedStatements = new HashMap<>();

    /**
     * Whether the run [start, end) needs replacing: a whole Query or Parse creating unmovable session state, or a
     * Bind of a refused statement. Cheap for ordinary traffic (a byte scan of each query text).
     */
    public boolean applies(byte[] buf, int start, int end) throws ProtocolException {
        int p = start;
        while (end - p >= MessageType.HEADER_LENGTH) {
            byte type = buf[p];
            int len = FrameWriter.getInt(buf, p + 1);
            if ((long) p + 1 + len > end) break; // the last message streams: never replaced
            int body = p + MessageType.HEADER_LENGTH;
            int msgEnd = p + 1 + len;
            if (type == MessageType.QUERY && unmovable(buf, body, msgEnd - 1) != null) return true;
            if (type == MessageType.PARSE) {
                int nameEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
                int queryEnd = PreparedStatements.cstringEnd(buf, nameEnd + 1, msgEnd);
                if (unmovable(buf, nameEnd + 1, queryEnd) != null) return true;
                if (!refusedStatements.isEmpty() && refusedStatements.containsKey(name(buf, body, nameEnd)))
                    return true; // redefined: forget it
            }
            if (type == MessageType.BIND && !refusedStatements.isEmpty()) {
                int portalEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
                int nameEnd = PreparedStatements.cstringEnd(buf, portalEnd + 1, msgEnd);
                if (refusedStatements.containsKey(name(buf, portalEnd + 1, nameEnd))) return true;
            }
            p = msgEnd;
        }
        return false;
    }

    /** Writes the run with its refused statements replaced into out, reporting each to the client's session. */
    public void rewrite(TxnClient s, byte[] buf, int start, int end, FrameWriter out) throws ProtocolException {
        int p = start;
        while (end - p >= MessageType.HEADER_LENGTH) {
            byte type = buf[p];
            int len = FrameWriter.getInt(buf, p + 1);
            if ((long) p + 1 + len > end) break;
            int body = p + MessageType.HEADER_LENGTH;
            int msgEnd = p + 1 + len;
            SessionStateDetector.Kind kind;
            if (type == MessageType.QUERY && (kind = unmovable(buf, body, msgEnd - 1)) != null) {
                s.sessionStateRefused(kind);
                out.begin(MessageType.QUERY).cstring(refusal(kind)).end();
            } else if (type == MessageType.PARSE) {
                int nameEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
                int queryEnd = PreparedStatements.cstringEnd(buf, nameEnd + 1, msgEnd);
                String name = name(buf, body, nameEnd);
                kind = unmovable(buf, nameEnd + 1, queryEnd);
                if (kind != null) {
                    refusedStatements.put(name, kind);
                    out.begin(MessageType.PARSE)
                            .bytes(buf, body, nameEnd + 1 - body)
                            .cstring(refusal(kind))
                            .int16(0)
                            .end();
                } else {
                    refusedStatements.remove(name);
                    out.bytes(buf, p, msgEnd - p);
                }
            } else if (type == MessageType.BIND && !refusedStatements.isEmpty()) {
                int portalEnd = PreparedStatements.cstringEnd(buf, body, msgEnd);
                int nameEnd = PreparedStatements.cstringEnd(buf, portalEnd + 1, msgEnd);
                SessionStateDetector.Kind refused = refusedStatements.get(name(buf, portalEnd + 1, nameEnd));
                if (refused != null) {
                    s.sessionStateRefused(refused);
                    int results = resultFormats(buf, nameEnd + 1, msgEnd);
                    out.begin(MessageType.BIND)
                            .bytes(buf, body, nameEnd + 1 - body)
                            .int16(0) // parameter formats
                            .int16(0) // parameter values
                            .bytes(buf, results, msgEnd - results)
                            .end();
                } else {
                    out.bytes(buf, p, msgEnd - p);
                }
            } else if (type == MessageType.CLOSE && msgEnd > body && buf[body] == MessageType.TARGET_STATEMENT) {
                refusedStatements.remove(name(buf, body + 1, PreparedStatements.cstringEnd(buf, body + 1, msgEnd)));
                out.bytes(buf, p, msgEnd - p);
            } else {
                out.bytes(buf, p, msgEnd - p);
            }
            p = msgEnd;
        }
        if (p < end) out.bytes(buf, p, end - p);
    }

    /** Where a Bind's result-format codes start, after its parameter formats and values. */
    private static int resultFormats(byte[] buf, int afterName, int msgEnd) throws ProtocolException {
        int p = afterName;
        if (msgEnd - p < 2) throw new ProtocolException("truncated Bind message");
        int formats = FrameWriter.getShort(buf, p);
        p += 2 + 2 * formats;
        if (formats < 0 || msgEnd - p < 2) throw new ProtocolException("truncated Bind message");
        int values = FrameWriter.getShort(buf, p);
        p += 2;
        for (int i = 0; i < values; i++) {
            if (msgEnd - p < 4) throw new ProtocolException("truncated Bind message");
            int n = FrameWriter.getInt(buf, p);
            p += 4 + Math.max(0, n);
            if (p > msgEnd) throw new ProtocolException("truncated Bind message");
        }
        return p;
    }

    /** The kind of unmovable session state the query text creates, or null (settings are carried, not refused). */
    static SessionStateDetector.Kind unmovable(byte[] buf, int off, int end) {
        if (end <= off || !SessionStateDetector.mayChangeSession(buf, off, end)) return null;
        String text = new String(buf, off, end - off, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        for (String stmt : text.split(";")) {
            SessionStateDetector.Kind k = SessionStateDetector.classify(stmt.strip());
            if (k != null) return k;
        }
        return null;
    }

    /** A statement the server fails with 0A000, saying what was refused and what to do instead. */
    static String refusal(SessionStateDetector.Kind kind) {
        String message = ("on_session_state = error: " + what(kind)
                        + " would stay on one server, and transaction pooling runs this client's next transaction"
                        + " on any server")
                .replace("'", "''");
        String hint = "use a database with pool_mode = session for this client, or on_session_state = pin";
        return "DO " + TAG + "BEGIN RAISE EXCEPTION USING ERRCODE = '" + SqlState.FEATURE_NOT_SUPPORTED
                + "', MESSAGE = '" + message + "', HINT = '" + hint + "'; END" + TAG;
    }

    private static String what(SessionStateDetector.Kind kind) {
        return switch (kind) {
            case LISTEN -> "LISTEN (its notifications)";
            case ADVISORY_LOCK -> "a session advisory lock (pg_advisory_xact_lock is fine)";
            case WITH_HOLD_CURSOR -> "a WITH HOLD cursor";
            case TEMP_TABLE -> "a temporary table";
            case PREPARE -> "SQL PREPARE (use protocol-level prepared statements)";
            case SET -> "a setting";
        };
    }

    private static String name(byte[] buf, int off, int end) {
        return new String(buf, off, end - off, StandardCharsets.UTF_8);
    }
}
