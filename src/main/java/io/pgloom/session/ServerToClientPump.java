// Server-to-client pump: forwards whatever the server sends in whole runs, and reads only ReadyForQuery (the
// release rule), ParameterStatus (what the server now has) and ErrorResponse (whether a FATAL was already relayed).
// It runs on its own virtual thread (session mode, pipelines, COPY IN) or, in transaction mode, inline on the
// client's thread for a request the client finished sending (runInline). It hands the server back at the idle point.
package io.pgloom.session;

import io.pgloom.pool.ServerConn;
import io.pgloom.session.settings.ParameterSync;
import io.pgloom.session.settings.SettingsReadback;
import io.pgloom.session.settings.SettingsReset;
import io.pgloom.session.txn.ReplyTracker;
import io.pgloom.trace.WireTap;
import io.pgloom.util.ResourceLock;
import io.pgloom.wire.BodyCursor;
import io.pgloom.wire.FrameReader;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import java.io.EOFException;
import java.io.IOException;
import java.util.Set;
import org.tinylog.Logger;

final class ServerToClientPump implements Runnable {
    /** read_spin_us, for the replies read inline: null when off. */
    private final ReadSpin spin;

    private final ClientSession session;
    /** The linked server and its inbound buffer; a pump that ran only inline is re-aimed at the next link. */
    private ServerConn server;

    private FrameReader r;
    private final int maxMessage;
    /** While detaching: the reset query failed, so the server must not be reused. */
    private boolean resetFailed;

    private byte lastForwarded;
    /** Transaction mode: replies are counted so pgloom's own additions and removals land in the right place. */
    private final boolean tracked;

    private final ReplyTracker t;
    /** Running on the client's thread (runInline): stop when nothing more is expected or the client must talk. */
    private boolean inline;
    /** Inline: every request written so far is answered; the client is read again (the link may stay). */
    private boolean answered;
    /** Inline: the server now waits for the client (COPY IN or COPY BOTH): a pump thread must take over. */
    private boolean handover;

    /** The client went away while we wrote to it. */
    private static final class ClientWriteFailed extends IOException {
        private static final long serialVersionUID = 1L;

        ClientWriteFailed(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    ServerToClientPump(ClientSession session, ServerConn server) {
        this.session = session;
        this.server = server;
        this.r = server.reader;
        this.maxMessage = Math.max(64 * 1024, session.runtime.config().proxy().maxPacketSize());
        this.tracked = session.mode.sharesServers();
        this.t = session.tracker;
        this.spin = ReadSpin.create(session.runtime.config().proxy().readSpinMicros());
    }

    /** Re-aims a pump that ran only inline (no thread of its own) at the session's next server. */
    ServerToClientPump relink(ServerConn next) {
        server = next;
        r = next.reader;
        resetFailed = false;
        lastForwarded = 0;
        return this;
    }

    static void start(ClientSession session, ServerConn server) {
        new ServerToClientPump(session, server).startThread();
    }

    /** Continues this pump on a virtual thread of its own until its link is over. */
    void startThread() {
        Thread.ofVirtual().name("pgloom-s2c-" + session + "-S" + server.id).start(this);
    }

    @Override
    public void run() {
        try {
            runLoop();
        } catch (SessionClosed e) {
            session.terminate(e.reason(), e.sqlState(), e.clientMessage());
        }
    }

    /**
     * Transaction mode, on the client's thread, after it wrote a request that ends in Sync or Query and sent
     * nothing more: forwards the replies until every request written is answered (true; the link is released or,
     * inside a transaction, kept for the client's next request) or until the server waits for the client's COPY
     * data (false: the caller continues this pump on its own thread). This saves a thread start and a wake-up per
     * transaction. It cannot deadlock where PostgreSQL itself would not: like PostgreSQL, it reads the client's next
     * request only once the replies to the last one are written.
     */
    boolean runInline() throws SessionClosed {
        inline = true;
        answered = false;
        handover = false;
        session.inlineServer = server;
        try {
            return runLoop();
        } finally {
            inline = false;
            session.inlineServer = null;
        }
    }

    /**
     * The loop both ways of running share, with its endings sorted out: true when the link is over or (inline)
     * everything is answered, false when (inline) a pump thread must take over.
     */
    private boolean runLoop() throws SessionClosed {
        try {
            return pump();
        } catch (ClientWriteFailed e) {
            clientGone();
        } catch (IOException e) {
            serverGone(e);
        } catch (RuntimeException e) {
            Logger.error(e, "event=internal_error client={} server={}", session, server.id);
            serverGone(new IOException(e.toString()));
        }
        return true;
    }

    /**
     * Forwards until the link is over (true) or, inline, until everything is answered (true) or a pump thread must
     * take over (false); what escapes is what runLoop() sorts out (the fuzz harness calls it directly).
     */
    boolean pump() throws IOException, SessionClosed {
        while (true) {
            if (!hasWholeOrStreamable()) {
                if (inline && spin != null) spin.await(r);
                int n = r.fill(); // query_timeout is the janitor's: it closes the server to wake this read
                if (n < 0) throw new EOFException("server closed the connection");
                continue;
            }
            if (forwardRun()) return true;
            if (inline && answered) return true;
            if (inline && handover) return false;
        }
    }

    private boolean hasWholeOrStreamable() throws IOException {
        if (r.limit() - r.position() < MessageType.HEADER_LENGTH) return false;
        byte[] buf = r.buffer();
        int p = r.position();
        int len = FrameWriter.getInt(buf, p + 1);
        FrameReader.checkLength(buf[p] & 0xff, len, Integer.MAX_VALUE - 1);
        if ((long) p + 1 + len <= r.limit()) return true; // long: a forged length must not wrap around
        if (1 + len <= r.capacity()) return false;
        if (mustParse(buf[p])) {
            // A message we must read whole that is bigger than the buffer: grow (bounded) and read on.
            if (len > maxMessage) throw new IOException("server message of " + len + " bytes exceeds max_packet_size");
            r.ensureCapacity(1 + len);
            return false;
        }
        return true;
    }

    private static boolean mustParse(byte type) {
        return type == MessageType.READY_FOR_QUERY || type == MessageType.PARAMETER_STATUS;
    }

    /** Forwards the buffered run; returns true when this pump's link is over. */
    private boolean forwardRun() throws IOException {
        byte[] buf = r.buffer();
        int start = r.position();
        int limit = r.limit();
        int p = start;
        long now = session.received.enabled() ? session.runtime.clock.nanoTime() : 0;
        WireTap tap = session.tap;
        while (limit - p >= MessageType.HEADER_LENGTH) {
            byte type = buf[p];
            int len = FrameWriter.getInt(buf, p + 1);
            FrameReader.checkLength(type & 0xff, len, Integer.MAX_VALUE - 1);
            boolean whole = (long) p + 1 + len <= limit;
            if (!whole) {
                if (mustParse(type) || 1 + len <= r.capacity()) break;
                session.received.record(type, len, now);
                if (tap != null) tap.fromServer(buf, p, len, limit);
                // Larger than the buffer and not ours to read: stream it.
                long remaining = (long) p + 1 + len - limit;
                toClient(buf, start, limit - start);
                lastForwarded = type;
                stream(remaining);
                return false;
            }
            session.received.record(type, len, now);
            if (tap != null) tap.fromServer(buf, p, len, limit);
            if (type == MessageType.PARAMETER_STATUS) {
                onParameterStatus(buf, p + 5, len - 4);
            } else if (type == MessageType.READY_FOR_QUERY) {
                byte status = buf[p + 5];
                int ready = p;
                p += 1 + len;
                LinkState.Decision decision = decideReady(status);
                try {
                    if (decision == LinkState.Decision.REFUSE_TRANSACTION) {
                        toClient(buf, start, ready - start); // the client sees its replies, never the 'T'
                        r.position(p);
                    } else if (readback == null) {
                        toClient(buf, start, p - start);
                        r.position(p);
                    } else {
                        // The client's SETs are read back before it sees ReadyForQuery, so that its next
                        // transaction, on whichever server, starts with them. The read reuses the buffer.
                        toClient(buf, start, ready - start);
                        r.position(p);
                        decision = readBack(decision);
                        toClient(Messages.READY_IDLE, 0, Messages.READY_IDLE.length);
                    }
                } catch (ClientWriteFailed e) {
                    // A clean server goes back to the pool even though its client vanished.
                    if (decision != LinkState.Decision.STAY && decision != LinkState.Decision.SHUTDOWN) {
                        finishReady(decision);
                    }
                    throw e;
                }
                lastForwarded = type;
                if (finishReady(decision)) return true;
                if (tracked) afterWrite(); // replies pgloom owes right after this ReadyForQuery
                if (inline && allAnswered()) {
                    answered = true;
                    return false;
                }
                start = p;
                continue;
            } else if (type == MessageType.ERROR_RESPONSE && session.link.detaching()) {
                resetFailed = true;
            } else if (inline && (type == MessageType.COPY_IN_RESPONSE || type == MessageType.COPY_BOTH_RESPONSE)) {
                // The server now waits for the client's data: the client's thread must go back to reading it.
                p += 1 + len;
                toClient(buf, start, p - start);
                r.position(p);
                lastForwarded = type;
                if (tracked) afterWrite();
                handover = true;
                return false;
            }
            if (tracked) {
                ReplyTracker.Verdict verdict =
                        t.onReply(type, buf, p, len, server, session.statements, session.link.lock, countLock());
                if (verdict != ReplyTracker.Verdict.KEEP) {
                    int next = p + 1 + len;
                    if (verdict == ReplyTracker.Verdict.DROP) {
                        toClient(buf, start, p - start);
                    } else {
                        toClient(buf, start, next - start);
                    }
                    lastForwarded = type;
                    afterWrite();
                    p = next;
                    start = p;
                    continue;
                }
            }
            lastForwarded = type;
            p += 1 + len;
        }
        toClient(buf, start, p - start);
        r.position(p);
        if (tracked) afterWrite();
        return false;
    }

    /** Inline: nothing written to this server is still waiting for its ReadyForQuery. */
    private boolean allAnswered() {
        try (var h = session.link.lock.obtain()) {
            return session.link.allAnswered();
        }
    }

    /** What happens to one reply in transaction mode (track). */
    /**
     * The lock for the tracker's plain counts: the link lock, or null while running inline, when the client's own
     * thread is the only one touching the tracker.
     */
    private ResourceLock countLock() {
        return inline ? null : session.link.lock;
    }

    /** After a write: the replies pgloom owes the client at this point. */
    private void afterWrite() throws IOException {
        byte[] reply;
        while ((reply = t.nextOwedReply(countLock())) != null) toClient(reply, 0, reply.length);
    }

    private void stream(long remaining) throws IOException {
        byte[] buf = r.scratch();
        while (remaining > 0) {
            int n = server.in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) throw new EOFException("server closed the connection mid-message");
            toClient(buf, 0, n);
            remaining -= n;
        }
    }

    private void toClient(byte[] buf, int off, int len) throws IOException {
        if (len == 0 || session.link.detaching()) return;
        try {
            session.write(buf, off, len);
            session.bytesOut.inc(len);
        } catch (IOException e) {
            throw new ClientWriteFailed(e);
        }
    }

    private void onParameterStatus(byte[] buf, int off, int len) throws IOException {
        BodyCursor c = new BodyCursor(buf, off, len);
        String name = c.cstring();
        String value = c.cstring();
        server.reported(name, value);
        // The client changed it itself (SET): that is now what it wants on every server it lands on.
        server.unreportedSets.remove(name);
        if (!session.link.detaching() && ParameterSync.carried(name) && !value.equals(session.settings.get(name))) {
            session.settings.want(name, value);
        }
    }

    /**
     * At a ReadyForQuery, before the client sees it: the reply tracker's bookkeeping, then the link's release rule
     * (LinkState.onReady). The server itself is handed back only after the bytes in its buffer were written
     * ({@link #finishReady}).
     */
    private LinkState.Decision decideReady(byte status) {
        LinkState<ServerToClientPump> link = session.link;
        try (var h = link.lock.obtain()) {
            if (tracked) t.onReady();
            boolean shutdownNow = session.runtime.shuttingDown() && !session.runtime.waitForClients();
            LinkState.Decision d = link.onReady(
                    status, session.runtime.clock.nanoTime(), session.mode, resetFailed, shutdownNow, session.timings);
            if (d == LinkState.Decision.RELEASE && !link.detaching()) readback = session.settings.readback.take();
            return d;
        }
    }

    /** Settings the client SET in the transaction that just ended, to read back before the release; else null. */
    private Set<String> readback;

    /** Reads back the client's settings (SettingsReadback); a server that fails it is not reused. */
    private LinkState.Decision readBack(LinkState.Decision decision) {
        Set<String> names = readback;
        readback = null;
        try {
            SettingsReadback.run(session.settings, server, names);
            return decision;
        } catch (IOException e) {
            Logger.warn(
                    "event=settings_readback_failed client={} server={} reason={}", session, server.id, e.getMessage());
            return LinkState.Decision.DISCARD;
        }
    }

    /** Acts on the decision; true when this pump's link is over. */
    private boolean finishReady(LinkState.Decision decision) {
        switch (decision) {
            case RELEASE -> {
                if (session.link.detaching()) {
                    if (session.link.rollingBack())
                        session.runtime
                                .metrics
                                .abandonedTransactions
                                .labels("reused")
                                .inc();
                    server.settingsMatch = null;
                    // Only a reset query that resets everything (DISCARD ALL, RESET ALL) put every setting back.
                    if (SettingsReset.resetsAll(session.runtime.config().proxy().serverResetQuery())) {
                        server.unreportedSets.clear();
                    }
                }
                session.poolOf(server).release(server);
                // Transaction mode during a shutdown: the client's transaction just ended, so it goes now, as in
                // session mode (without this it would stay until shutdown_timeout ran out).
                if (!session.link.detaching() && session.runtime.shuttingDown() && !session.runtime.waitForClients()) {
                    session.terminate(
                            "shutdown",
                            SqlState.ADMIN_SHUTDOWN,
                            "terminating connection because pgloom is shutting down");
                }
                return true;
            }
            case DISCARD -> {
                if (session.link.rollingBack())
                    session.runtime
                            .metrics
                            .abandonedTransactions
                            .labels("closed")
                            .inc();
                session.poolOf(server).discard(server, "reset_failed");
                return true;
            }
            case REFUSE_TRANSACTION -> {
                session.pool.discard(server, "statement_mode_transaction");
                Logger.warn(
                        "event=statement_mode_transaction client={} user={} database={} server={}",
                        session,
                        session.user,
                        session.database,
                        server.id);
                session.terminate(
                        "statement_mode_transaction",
                        SqlState.PROTOCOL_VIOLATION,
                        "transaction blocks not allowed in statement pooling mode");
                return true;
            }
            case SHUTDOWN -> {
                session.terminate(
                        "shutdown", SqlState.ADMIN_SHUTDOWN, "terminating connection because pgloom is shutting down");
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    private void serverGone(IOException e) {
        boolean tell;
        try (var h = session.link.lock.obtain()) {
            tell = session.link.sever(server) && !session.link.detaching() && !session.isClosed();
        }
        if (session.link.rollingBack())
            session.runtime.metrics.abandonedTransactions.labels("closed").inc();
        session.poolOf(server).discard(server, tell ? "server_gone" : "session_closed");
        if (tell) {
            Logger.warn(
                    "event=server_lost client={} server={} backend_pid={} error={}",
                    session,
                    server.id,
                    server.backendPid(),
                    e.getMessage());
            if (lastForwarded == MessageType.ERROR_RESPONSE) {
                // The server already said why (e.g. FATAL 57P01 from pg_terminate_backend); just close.
                session.terminate("server_gone", null, null);
            } else {
                session.terminate(
                        "server_gone",
                        SqlState.CONNECTION_FAILURE,
                        "server closed the connection unexpectedly; the query may or may not have run");
            }
        }
    }

    private void clientGone() {
        boolean discard;
        try (var h = session.link.lock.obtain()) {
            discard = session.link.sever(server);
        }
        if (discard) session.poolOf(server).discard(server, "client_gone_mid_result");
        session.closeClientSocket();
    }
}
