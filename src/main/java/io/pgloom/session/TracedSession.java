// A ClientSession as tracing sees it, and the login hooks: while any trace runs, a new session's streams pass
// through its tap during login (again after TLS, so the trace sees the decrypted protocol); once logged in it
// keeps a tap only if a trace covers it. With no trace running none of this is reached.
package io.pgloom.session;

import io.pgloom.trace.Traced;
import io.pgloom.trace.WireTap;
import io.pgloom.wire.FrameReader;
import java.net.InetSocketAddress;

final class TracedSession implements Traced {
    private final ClientSession s;

    TracedSession(ClientSession s) {
        this.s = s;
    }

    /** The tap following this login, or null when no trace runs. */
    static WireTap beginLogin(ClientSession s) {
        if (!s.runtime.traces.active()) return null;
        WireTap tap = s.runtime.traces.loginTap(s.toString(), remote(s), local(s));
        wrap(s, tap);
        return tap;
    }

    /** Routes the session's current streams (plain, or TLS after a handshake) through the login tap. */
    static void wrap(ClientSession s, WireTap tap) {
        if (tap == null) return;
        s.in = tap.loginIn(s.in);
        s.out = tap.loginOut(s.out);
        s.reader = new FrameReader(
                s.in,
                ClientSession.CLIENT_BUFFER,
                Math.max(ClientSession.CLIENT_BUFFER, s.runtime.config().proxy().maxPacketSize()));
    }

    /** Logged in: the pumps get a tap if a trace covers the session. */
    static void loggedIn(ClientSession s, WireTap loginTap) {
        if (loginTap != null || s.runtime.traces.active()) s.runtime.traces.attach(new TracedSession(s));
    }

    private static InetSocketAddress remote(ClientSession s) {
        return s.socket != null && s.socket.getRemoteSocketAddress() instanceof InetSocketAddress a ? a : null;
    }

    private static InetSocketAddress local(ClientSession s) {
        return s.socket != null && s.socket.getLocalSocketAddress() instanceof InetSocketAddress a ? a : null;
    }

    @Override
    public String clientId() {
        return s.toString();
    }

    @Override
    public String user() {
        return s.user;
    }

    @Override
    public String database() {
        return s.database;
    }

    @Override
    public InetSocketAddress remote() {
        return remote(s);
    }

    @Override
    public InetSocketAddress local() {
        return local(s);
    }

    @Override
    public boolean traceable() {
        return s.pool != null && !s.isClosed();
    }

    @Override
    public void tap(WireTap tap) {
        s.tap = tap;
    }
}
