// A TCP server on 127.0.0.1 that accepts every connection and never sends a byte: a hung peer (an LDAP server that
// stopped answering, say) for timeout tests. Closing it closes the connections it holds.
package io.pgloom.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

public final class SilentServer implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public SilentServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().name("silent-server").start(() -> {
            try {
                while (true) held.add(socket.accept());
            } catch (IOException closed) {
                // close() ended it
            }
        });
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        socket.close();
        acceptor.join(5_000);
        for (Socket s : held) s.close();
    }
}
