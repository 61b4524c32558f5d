// One traced session's hook: the pumps hand it each message they forward, it copies what the level needs and
// queues it for the writer thread; nothing here blocks or does I/O. A session without a trace has no tap at
// all (its field is null), so the pumps pay one null check. One tap is one TCP stream in the pcap.
package io.pgloom.trace;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public final class WireTap {
    /** Most bytes of one message copied (and written to the pcap); the rest is counted, not kept. */
    static final int MAX_COPY = 65_000;

    final String client;
    final InetSocketAddress remote;
    final InetSocketAddress local;
    private final TraceRegistry registry;
    volatile String user = "";
    volatile String database = "";
    /** Identity known (startup packet seen, or the session logged in): traces can be matched. */
    volatile boolean identified;
    /** What to show; null while no trace covers the session (nothing is queued). */
    volatile TracePolicy policy;
    /** The session whose field holds this tap once it logged in; null during login. */
    volatile Traced session;

    private volatile LoginStreams login;
    /** Login events from before the startup packet said who this is (session thread only). */
    private List<TraceEvent> early;

    volatile boolean emitted;
    volatile boolean closed;

    // Writer thread only.
    long lastNanos;
    String lastLabel = "";
    boolean announced;
    PcapStream pcap;
    byte[] heldSslRequest;

    WireTap(TraceRegistry registry, String client, InetSocketAddress remote, InetSocketAddress local) {
        this.registry = registry;
        this.client = client;
        this.remote = remote;
        this.local = local;
    }

    /** A message the client sent, at buf[p] (type byte), with its length field; bytes up to limit are there. */
    public void fromClient(byte[] buf, int p, int len, int limit) {
        message(true, false, buf, p, len, limit);
    }

    /** A message PostgreSQL sent that the session forwards to the client. */
    public void fromServer(byte[] buf, int p, int len, int limit) {
        message(false, false, buf, p, len, limit);
    }

    /** Whole messages pgloom itself sends the client (its own errors). */
    public void fromProxy(byte[] frames) {
        int p = 0;
        while (frames.length - p >= MessageType.HEADER_LENGTH) {
            int len = FrameWriter.getInt(frames, p + 1);
            if (len < 4) return;
            message(false, true, frames, p, len, frames.length);
            p += 1 + len;
        }
    }

    private void message(boolean fromClient, boolean fromProxy, byte[] buf, int p, int len, int limit) {
        TracePolicy pol = policy;
        if (pol == null && identified) return;
        int have = (int) Math.min((long) len + 1, limit - p);
        int keep = pol != null && !pol.bodies() ? Math.min(have, MessageType.HEADER_LENGTH) : Math.min(have, MAX_COPY);
        byte[] copy = Arrays.copyOfRange(buf, p, p + keep);
        queue(new TraceEvent(
                TraceEvent.Kind.MESSAGE, this, pol, System.nanoTime(), fromClient, fromProxy, len, copy, null));
    }

    /** An untyped login packet (length first) or a one-byte SSL answer, from the login streams. */
    void login(TraceEvent.Kind kind, boolean fromClient, byte[] bytes, int length) {
        queue(new TraceEvent(kind, this, policy, System.nanoTime(), fromClient, !fromClient, length, bytes, null));
    }

    void loginMessage(boolean fromClient, byte[] frame, int len) {
        message(fromClient, !fromClient, frame, 0, len, frame.length);
    }

    private void queue(TraceEvent e) {
        if (e.policy() == null) {
            // Before the startup packet: keep the few events (SSLRequest and its answer) until we know who it is.
            if (identified) return;
            if (early == null) early = new ArrayList<>(4);
            if (early.size() < 16) early.add(e);
            return;
        }
        emitted = true;
        registry.offer(e);
    }

    /** The startup packet named the user and database: match traces, then send or forget what came before. */
    void identify(String user, String database) {
        this.user = user == null ? "" : user;
        this.database = database == null || database.isEmpty() ? this.user : database;
        registry.decide(this);
        identified = true;
        if (policy == null) endLogin(); // not covered: the login streams just pass bytes on
        List<TraceEvent> before = early;
        early = null;
        TracePolicy pol = policy;
        if (before == null || pol == null) return;
        for (TraceEvent e : before) {
            queue(new TraceEvent(
                    e.kind(),
                    this,
                    pol,
                    e.nanos(),
                    e.fromClient(),
                    e.fromProxy(),
                    e.length(),
                    pol.bodies() || e.kind() == TraceEvent.Kind.ANSWER
                            ? e.bytes()
                            : Arrays.copyOf(e.bytes(), Math.min(e.bytes().length, 4)),
                    null));
        }
    }

    /** Ends this tap's stream (session over, or no trace covers it any more). */
    void close(String reason) {
        TracePolicy pol = policy;
        policy = null;
        identified = true;
        closed = true;
        endLogin();
        if (emitted && pol != null) {
            registry.offer(
                    new TraceEvent(TraceEvent.Kind.CLOSE, this, pol, System.nanoTime(), false, false, 0, null, reason));
        }
    }

    // ---- Login: the session's streams pass through the tap until the session is logged in ----

    /** Wraps a client stream for the login (again after a TLS handshake, over the TLS streams). */
    public InputStream loginIn(InputStream raw) {
        return streams().in(raw);
    }

    public OutputStream loginOut(OutputStream raw) {
        return streams().out(raw);
    }

    private LoginStreams streams() {
        LoginStreams s = login;
        if (s == null) login = s = new LoginStreams(this);
        return s;
    }

    /** The login is over: the wrapped streams pass bytes through untouched from now on. */
    void endLogin() {
        LoginStreams s = login;
        if (s != null) s.stop();
    }

    @Override
    public String toString() {
        return client;
    }
}
