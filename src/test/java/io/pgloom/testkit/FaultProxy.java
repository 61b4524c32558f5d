// A small fault-injecting TCP relay for tests: sits between pgloom and PostgreSQL on loopback and can pass traffic,
// delay it, swallow it (black hole: connections stay open, nothing arrives), or cut every connection. Each
// connection is two virtual threads; everything stops when the relay is closed.
package io.pgloom.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

public final class FaultProxy implements AutoCloseable {
    /** PASS forwards; DELAY sleeps before each chunk; BLACK_HOLE drops both ways; DROP_REPLIES drops only what the
     *  server sends (a request arrives, its answer is lost). Connections stay open in every mode. */
    public enum Mode {
        PASS,
        DELAY,
        BLACK_HOLE,
        DROP_REPLIES
    }

    private final ServerSocket server;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.PASS;
    private volatile long delayMillis;
    private volatile boolean closed;

    public FaultProxy(int targetPort) throws IOException {
        this(0, targetPort);
    }

    /** Relays from a chosen port (0: any free one), e.g. PostgreSQL's 5432 for a config written for it. */
    public FaultProxy(int listenPort, int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", listenPort));
        Thread.ofVirtual().name("fault-proxy-accept").start(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    public void mode(Mode m) {
        mode = m;
    }

    public void delay(long millis) {
        delayMillis = millis;
        mode = Mode.DELAY;
    }

    /** Resets every relayed connection now (both sides see the connection die). */
    public void cutAll() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        sockets.clear();
    }

    public int connections() {
        return sockets.size() / 2;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress("127.0.0.1", targetPort), 5000);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream, false));
                Thread.ofVirtual().start(() -> pump(upstream, client, true));
            } catch (IOException e) {
                if (closed) return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean reply) {
        byte[] buf = new byte[16 * 1024];
        try (from;
                to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                Mode m = mode;
                if (m == Mode.BLACK_HOLE || m == Mode.DROP_REPLIES && reply) continue; // the sender sees nothing wrong
                if (m == Mode.DELAY) TimeUnit.MILLISECONDS.sleep(delayMillis);
                out.write(buf, 0, n);
            }
        } catch (IOException | InterruptedException e) {
            // connection cut or relay closed
        } finally {
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        cutAll();
    }
}
