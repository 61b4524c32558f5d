// Client-to-server pump: reads what the client sent into the session's buffer, walks the 5-byte headers in place
// to count what will need a ReadyForQuery, links a server when none is linked, and writes each run of whole
// messages in one call. Messages larger than the buffer stream through. No allocation per message.
package io.pgloom.session;

import io.pgloom.config.ProxyConfig;
import io.pgloom.config.SessionStatePolicy;
import io.pgloom.pool.ServerConn;
import io.pgloom.session.txn.PreparedStatements;
import io.pgloom.session.txn.SessionStateRefusal;
import io.pgloom.session.txn.TrackedBatch;
import io.pgloom.trace.WireTap;
import io.pgloom.wire.FrameReader;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import java.io.IOException;

final class ClientToServerPump {
    private final ClientSession session;
    private final FrameReader r;
    private final int maxMessage;
    /** Transaction mode: replies are tracked and named statements rewritten. */
    private final boolean tracked;

    private final int maxPrepared;
    /** Rewritten runs (named statements); starts small and is dropped again after an unusually big run. */
    private FrameWriter staging;
    /** pgloom's own replies to send before a run; made with staging on the first transaction (idle clients hold neither). */
    private FrameWriter direct;
    /** on_session_state = error: the refusals of this client, and the run with its refused statements replaced. */
    private SessionStateRefusal refusal;

    private FrameWriter refused;
    /** read_spin_us: null when off. */
    private final ReadSpin spin;

    ClientToServerPump(ClientSession session) {
        this.session = session;
        this.r = session.reader;
        var p = session.runtime.config().proxy();
        this.maxMessage = Math.max(ClientSession.CLIENT_BUFFER, p.maxPacketSize());
        this.tracked = session.mode.sharesServers();
        this.maxPrepared = p.maxPreparedStatements();
        this.spin = ReadSpin.create(p.readSpinMicros());
    }

    /** Messages the rewriter must see whole (they carry statement names), however large. */
    private boolean mustBeWhole(byte type) {
        return tracked
                && maxPrepared > 0
                && (type == MessageType.PARSE || type == MessageType.DESCRIBE || type == MessageType.CLOSE);
    }

    void run() throws IOException, SessionClosed, InterruptedException {
        // No read tick: the janitor ends a session whose timeout ran out by closing its socket (Timeouts).
        while (true) {
            if (r.limit() - r.position() < MessageType.HEADER_LENGTH || !wholeOrStreamable()) {
                if (spin != null && r.limit() == r.position()) spin.await(r);
                int n = r.fill();
                if (n < 0) {
                    if (r.limit() > r.position()) throw SessionClosed.quiet("client_eof", "client closed mid-message");
                    throw SessionClosed.quiet("client_eof", "client closed the connection without Terminate");
                }
                continue;
            }
            if (forwardRun()) return;
        }
    }

    /** True when the message at the position is whole, or too big for the buffer (then it streams). */
    private boolean wholeOrStreamable() throws IOException {
        byte[] buf = r.buffer();
        int p = r.position();
        int len = FrameWriter.getInt(buf, p + 1);
        FrameReader.checkLength(buf[p] & 0xff, len, Integer.MAX_VALUE - 1);
        if ((long) p + 1 + len <= r.limit()) return true; // long: a forged length must not wrap around
        if (1 + len <= r.capacity()) return false;
        if (mustBeWhole(buf[p])) {
            if (len > maxMessage) return true; // forwardRun reports it
            r.ensureCapacity(1 + len);
            return false;
        }
        return true;
    }

    /**
     * Forwards every whole message buffered (and the start of one that streams). Returns true when the client
     * sent Terminate.
     */
    private boolean forwardRun() throws IOException, SessionClosed, InterruptedException {
        byte[] buf = r.buffer();
        int start = r.position();
        int limit = r.limit();
        int p = start;
        int replies = 0;
        int unsyncedChange = 0; // 0 none, 1 became unsynced, -1 synced
        boolean terminate = false;
        boolean rewrite = false;
        long streamRemaining = 0;
        byte lastType = 0;
        // Extended-protocol messages not yet followed by a Sync (this thread alone writes link.unsynced). After an
        // error PostgreSQL discards everything up to the next Sync, a Query too: whether such a Query is answered
        // cannot be known, so its replies are never awaited inline (a pump thread reads them, and this thread
        // keeps reading the client).
        boolean extendedOpen = session.link.unsynced();
        boolean replyUncertain = false;
        long now = session.sent.enabled() ? session.runtime.clock.nanoTime() : 0;
        WireTap tap = session.tap;
        while (limit - p >= MessageType.HEADER_LENGTH) {
            byte type = buf[p];
            int len = FrameWriter.getInt(buf, p + 1);
            FrameReader.checkLength(type & 0xff, len, Integer.MAX_VALUE - 1);
            if (type == MessageType.TERMINATE) {
                if (tap != null) tap.fromClient(buf, p, len, limit);
                terminate = true;
                break;
            }
            if (!MessageType.isFrontend(type)) {
                // Refused here, before a server sees it or pgloom waits for a message that will never end.
                throw SessionClosed.protocolViolation("invalid frontend message type " + MessageType.printable(type));
            }
            boolean whole = (long) p + 1 + len <= limit;
            if (!whole && (1 + len <= r.capacity() || mustBeWhole(type) && p > start)) break; // read the rest first
            session.sent.record(type, len, now);
            if (tap != null) tap.fromClient(buf, p, len, limit);
            if (!whole && len > maxMessage && isBufferedType(type)) {
                throw SessionClosed.fatal(
                        "message_too_large",
                        SqlState.PROGRAM_LIMIT_EXCEEDED,
                        "message of type " + MessageType.printable(type) + " is " + len
                                + " bytes, more than max_packet_size (" + maxMessage + ")",
                        "oversized message");
            }
            switch (type) {
                case MessageType.QUERY, MessageType.FUNCTION_CALL -> {
                    replies++;
                    if (extendedOpen) replyUncertain = true;
                }
                case MessageType.SYNC -> {
                    replies++;
                    unsyncedChange = -1;
                    extendedOpen = false;
                }
                case MessageType.PARSE,
                        MessageType.BIND,
                        MessageType.EXECUTE,
                        MessageType.DESCRIBE,
                        MessageType.CLOSE,
                        MessageType.FLUSH -> {
                    unsyncedChange = 1;
                    extendedOpen = true;
                }
                default -> {}
            }
            if (tracked
                    && maxPrepared > 0
                    && !rewrite
                    && type != MessageType.FLUSH
                    && type != MessageType.SYNC
                    && PreparedStatements.needsRewrite(buf, p, (int) Math.min(len, limit - p - 1))) {
                rewrite = true;
            }
            lastType = type;
            if (!whole) {
                streamRemaining = (long) p + 1 + len - limit;
                p = limit;
                break;
            }
            p += 1 + len;
        }
        if (p > start) {
            ServerConn server = session.linkForWrite(replies, unsyncedChange, buf, start, p);
            // What goes to the server: the client's bytes, or a copy with refused statements replaced.
            byte[] run = buf;
            int runStart = start;
            int runEnd = p;
            if (tracked) {
                if (staging == null) {
                    staging = new FrameWriter(256);
                    direct = new FrameWriter(64);
                }
                staging.reset();
                direct.reset();
                try (var h = session.link.lock.obtain()) {
                    if (refusesSessionState() && refusal().applies(buf, start, p)) {
                        if (refused == null) refused = new FrameWriter(256);
                        refused.reset();
                        refusal.rewrite(session.txn, buf, start, p, refused);
                        run = refused.array();
                        runStart = 0;
                        runEnd = refused.size();
                    }
                    TrackedBatch.process(
                            session.txn, server, run, runStart, runEnd, rewrite, staging, direct, maxPrepared);
                }
                if (direct.size() > 0) session.write(direct.array(), 0, direct.size());
            }
            try {
                if (rewrite) {
                    server.out.write(staging.array(), 0, staging.size());
                    if (staging.array().length > ClientSession.CLIENT_BUFFER) staging = new FrameWriter(256);
                } else server.out.write(run, runStart, runEnd - runStart);
                session.bytesIn.inc(p - start);
                r.position(p);
                if (streamRemaining > 0) {
                    // The server may refuse the message before its end arrives: its reply must reach the client.
                    if (tracked) session.afterForward(server, false);
                    stream(server, streamRemaining);
                }
            } catch (IOException e) {
                throw serverWriteFailed(server, e);
            }
            if (tracked) {
                // The client finished a request and sent nothing after it: its replies can be read on this thread.
                boolean finished = streamRemaining == 0
                        && !terminate
                        && p == limit
                        && !replyUncertain
                        && (lastType == MessageType.SYNC
                                || lastType == MessageType.QUERY
                                || lastType == MessageType.FUNCTION_CALL);
                session.afterForward(server, finished);
            }
        }
        if (terminate) {
            r.position(p + 5);
            return true;
        }
        return false;
    }

    /** The config the policy below was read from: looked up again only after a RELOAD or SET. */
    private ProxyConfig policySource;

    private boolean refuses;

    /** Whether this client's database refuses unmovable session state (on_session_state = error, not pinned). */
    private boolean refusesSessionState() {
        ProxyConfig c = session.runtime.config();
        if (c != policySource) {
            refuses = c.sessionStatePolicyFor(session.database) == SessionStatePolicy.ERROR;
            policySource = c;
        }
        return refuses && !session.link.pinned();
    }

    private SessionStateRefusal refusal() {
        if (refusal == null) refusal = new SessionStateRefusal();
        return refusal;
    }

    /** Types whose bodies a later pump stage may need whole; others stream at any size. */
    private static boolean isBufferedType(byte type) {
        return type == MessageType.PARSE || type == MessageType.CLOSE || type == MessageType.DESCRIBE;
    }

    /** Copies the rest of a message larger than the buffer straight from client to server. */
    private void stream(ServerConn server, long remaining) throws IOException, SessionClosed {
        // Everything buffered has been written: the buffer is scratch space until the message ends.
        byte[] buf = r.scratch();
        while (remaining > 0) {
            int n = session.in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) throw SessionClosed.quiet("client_eof", "client closed mid-message");
            server.out.write(buf, 0, n);
            remaining -= n;
        }
    }

    private SessionClosed serverWriteFailed(ServerConn server, IOException e) {
        return SessionClosed.fatal(
                "server_gone",
                SqlState.CONNECTION_FAILURE,
                "server connection failed while sending the query: " + e.getMessage(),
                "write to " + server + " failed");
    }
}
