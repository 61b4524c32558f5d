// Opens ServerConn objects over loopback sockets with no PostgreSQL behind them, and pools of them, for the pool
// benchmarks.
package io.pgloom.bench;

import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolSettings;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.pool.ServerPool;
import io.pgloom.util.Clock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

final class LoopbackServers implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Socket> accepted = new ArrayList<>();

    LoopbackServers() throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) accepted.add(listener.accept());
            } catch (IOException closed) {
                // done
            }
        });
    }

    /** A pool of {@code size} servers from here: no minimum, reserve, idle timeout, lifetime or health check. */
    ServerPool pool(int size) {
        PoolSettings s = new PoolSettings(
                size,
                0,
                0,
                Duration.ofSeconds(5),
                Duration.ofSeconds(60),
                Duration.ZERO,
                Duration.ZERO,
                Duration.ofSeconds(1),
                Duration.ZERO,
                "");
        return new ServerPool(new PoolKey("bench", "bench"), s, this::open, Clock.SYSTEM);
    }

    ServerConn open(PoolKey key) throws ServerLoginException {
        try {
            Socket s = new Socket("127.0.0.1", listener.getLocalPort());
            return ServerConn.unauthenticated(key, s);
        } catch (IOException e) {
            throw new ServerLoginException("server_unreachable", "08006", e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : accepted) s.close();
    }
}
