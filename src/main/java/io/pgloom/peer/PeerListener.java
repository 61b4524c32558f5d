// A second listening port for cancel requests only, opened when this instance's own [peers] entry names a port
// other than [proxy] listen: two processes sharing one port with so_reuseport during a restart each need an
// address of their own where a peer's forwarded cancel reaches exactly them. Anything but a CancelRequest is
// refused with 08P01.
package io.pgloom.peer;

import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SqlState;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Semaphore;
import org.tinylog.Logger;

public final class PeerListener implements AutoCloseable {
    /** What serves a CancelRequest (the runtime: route it, or cancel the local session). */
    @FunctionalInterface
    public interface CancelHandler {
        void cancel(int pid, byte[] secret, String remote);
    }

    private static final int READ_TIMEOUT_MS = 5_000;
    /** Cancels in flight at once; more are closed at once rather than queued (a flood is not a cancel storm). */
    private static final int MAX_IN_FLIGHT = 256;

    private final ServerSocket socket;
    private final CancelHandler handler;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Thread acceptor;
    private volatile boolean closing;

    private PeerListener(ServerSocket socket, CancelHandler handler) {
        this.socket = socket;
        this.handler = handler;
        this.acceptor =
                Thread.ofPlatform().name("pgloom-peer-accept").daemon(true).unstarted(this::acceptLoop);
    }

    /**
     * Opens the cancel port when this instance's own peer entry has a port other than listenPort (host "*" = every
     * address); null when there is nothing to open.
     */
    public static PeerListener open(Peers peers, String listenHost, int listenPort, CancelHandler handler)
            throws IOException {
        var self = peers.self();
        if (self == null || self.port() == listenPort) return null;
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(
                listenHost.equals("*")
                        ? new InetSocketAddress(self.port())
                        : new InetSocketAddress(listenHost, self.port()),
                128);
        PeerListener l = new PeerListener(ss, handler);
        l.acceptor.start();
        Logger.info("event=peer_listening peer_id={} address={}:{}", self.id(), listenHost, l.port());
        return l;
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!closing) {
            Socket c;
            try {
                c = socket.accept();
            } catch (IOException e) {
                if (closing) return;
                Logger.warn("event=peer_accept_failed error={}", e.getMessage());
                continue;
            }
            if (!inFlight.tryAcquire()) {
                closeQuietly(c);
                continue;
            }
            Thread.ofVirtual().name("pgloom-peer-cancel").start(() -> {
                try {
                    serve(c);
                } finally {
                    inFlight.release();
                    closeQuietly(c);
                }
            });
        }
    }

    private void serve(Socket c) {
        String remote = c.getInetAddress().getHostAddress();
        try {
            c.setSoTimeout(READ_TIMEOUT_MS);
            InputStream in = c.getInputStream();
            StartupPacket pkt = StartupPacket.read(in, -1);
            if (pkt.code() == MessageType.CANCEL_REQUEST) {
                handler.cancel(pkt.cancelProcessId(), pkt.cancelSecret(), remote);
                return;
            }
            OutputStream out = c.getOutputStream();
            out.write(ErrorResponses.fatal(
                    SqlState.PROTOCOL_VIOLATION,
                    "this port takes only cancel requests forwarded by pgloom peers; connect to [proxy] listen"));
            out.flush();
        } catch (IOException e) {
            Logger.debug("event=peer_cancel_unreadable remote={} error={}", remote, e.getMessage());
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
