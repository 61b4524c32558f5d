// TCP keepalive as configured ([proxy] tcp_keepalive, tcp_keepidle, tcp_keepintvl, tcp_keepcnt, PgBouncer's names),
// applied to every accepted client socket and every server socket, so a peer that vanished without a FIN or RST
// (a rebooted host, a dropped NAT entry) is noticed by the kernel instead of holding a session forever.
package io.pgloom.util;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketOption;
import jdk.net.ExtendedSocketOptions;

/**
 * @param idleSeconds     idle time before the first probe (TCP_KEEPIDLE); 0 = the operating system's default
 * @param intervalSeconds time between probes (TCP_KEEPINTERVAL); 0 = the operating system's default
 * @param count           unanswered probes before the connection is dropped (TCP_KEEPCOUNT); 0 = the OS default
 */
public record TcpKeepalive(boolean enabled, int idleSeconds, int intervalSeconds, int count) {
    public TcpKeepalive enabled(boolean on) {
        return new TcpKeepalive(on, idleSeconds, intervalSeconds, count);
    }

    /** As SHOW CONFIG prints it under tcp_keepalive. */
    @Override
    public String toString() {
        if (!enabled) return "false";
        return "true (tcp_keepidle=" + idleSeconds + " tcp_keepintvl=" + intervalSeconds + " tcp_keepcnt=" + count
                + "; 0 = OS default)";
    }

    /** Sets SO_KEEPALIVE and the timings that are not 0; a timing the platform lacks is left to the OS. */
    public void applyTo(Socket s) throws IOException {
        s.setKeepAlive(enabled);
        if (!enabled) return;
        set(s, ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
        set(s, ExtendedSocketOptions.TCP_KEEPINTERVAL, intervalSeconds);
        set(s, ExtendedSocketOptions.TCP_KEEPCOUNT, count);
    }

    private static void set(Socket s, SocketOption<Integer> option, int value) throws IOException {
        if (value > 0 && s.supportedOptions().contains(option)) s.setOption(option, value);
    }
}
