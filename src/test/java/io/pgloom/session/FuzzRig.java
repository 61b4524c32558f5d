// What the session fuzz harnesses share: a ProxyRuntime built from a real TOML config (through ConfigLoader), and
// sessions over in-memory sockets whose servers come from a pool of in-memory server connections. Everything runs
// on the calling thread: no network, no second pump thread, so an input replays the same way every time.
package io.pgloom.session;

import io.pgloom.Version;
import io.pgloom.config.ConfigLoader;
import io.pgloom.config.PoolMode;
import io.pgloom.metrics.Metrics;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerPool;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.testkit.MemorySocket;
import io.pgloom.util.Clock;
import io.pgloom.wire.ProtocolException;
import io.pgloom.wire.SessionClosed;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

final class FuzzRig {
    /** The cap the harnesses run with (max_packet_size). */
    static final int MAX_PACKET_SIZE = 65_536;

    /**
     * What one input may allocate: a few buffers at the cap, plus work in proportion to what was sent (each query
     * text pgloom inspects is decoded, say). A length field claiming more than was sent must not count.
     */
    static long allocationCap(byte[] input) {
        return 16L * MAX_PACKET_SIZE + (4 << 20) + 1024L * input.length;
    }

    static final PoolKey KEY = new PoolKey("app", "app");

    /** For harnesses that start after login (trust): transaction mode with 200 or 2 prepared statements per
     *  server (eviction), and session mode. */
    static final FuzzRig[] LOGGED_IN = {
        new FuzzRig("transaction", "trust", 200),
        new FuzzRig("transaction", "trust", 2),
        new FuzzRig("session", "trust", 200),
    };

    /** The rig an input's first byte selects. */
    static FuzzRig pick(FuzzRig[] rigs, byte b) {
        return rigs[(b & 0xff) % rigs.length];
    }

    final ProxyRuntime runtime;
    final Sessions sessions;
    /** What the next server taken from the pool will send (set per input). */
    private volatile byte[] serverBytes = new byte[0];

    FuzzRig(String poolMode, String authType, int maxPrepared) {
        try {
            Path f = Files.createTempFile("pgloom-fuzz", ".toml");
            Files.writeString(f, """
                    [proxy]
                    listen = "127.0.0.1:6432"
                    pool_mode = "%s"
                    auth_type = "%s"
                    auth_failure_delay = 0
                    max_packet_size = %d
                    max_prepared_statements = %d
                    [log]
                    level = "error"
                    [databases.app]
                    host = "127.0.0.1"
                    port = 1
                    [users.app]
                    password = "app"
                    """.formatted(poolMode, authType, MAX_PACKET_SIZE, maxPrepared));
            var config = ConfigLoader.load(f);
            Files.delete(f);
            runtime = new ProxyRuntime(config, Clock.SYSTEM, new Metrics(Version.get()));
            sessions = Sessions.attach(runtime);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        // Registered before any session asks, so runtime.pool(KEY) hands out in-memory servers.
        runtime.pools.get(
                KEY,
                k -> new ServerPool(
                        k,
                        io.pgloom.runtime.ServerConnector.poolSettings(runtime.config(), k),
                        key -> {
                            try {
                                return ServerConn.unauthenticated(key, new MemorySocket(serverBytes));
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        Clock.SYSTEM));
        // Transaction mode welcomes from the pool's cached parameters, so a login needs no server.
        runtime.pool(KEY)
                .welcome(new ServerPool.Welcome(Map.of("server_version", "17.0", "TimeZone", "UTC"), Map.of()));
    }

    /** A fresh session whose client sends {@code clientBytes}. */
    ClientSession session(byte[] clientBytes) throws IOException {
        return new ClientSession(sessions, new MemorySocket(clientBytes), () -> {});
    }

    /** The state ClientLogin leaves behind, without the exchange (for harnesses that start after login). */
    void loggedIn(ClientSession s) {
        s.user = KEY.user();
        s.database = KEY.database();
        s.mode = runtime.config().poolModeFor(KEY.database(), KEY.user());
        s.settings.startWith(Map.of());
        s.pool = runtime.pool(KEY);
        s.loggedIn("trust");
    }

    /** Links a server that will send {@code bytes} without starting its pump thread (the harness runs it). */
    ServerConn link(ClientSession s, byte[] bytes) throws Exception {
        serverBytes = bytes;
        ServerConn server = s.pool.acquire();
        try (var h = s.link.lock.obtain()) {
            s.link.link(server, null);
            s.tracker.reset();
        }
        return server;
    }

    /** Gives back what one input took: the cancel key and whatever server is still linked. */
    void cleanUp(ClientSession s) {
        if (s.cancelPid != 0) sessions.cancels.unregister(s.cancelPid, s);
        ServerConn linked;
        try (var h = s.link.lock.obtain()) {
            linked = s.link.server();
            s.link.sever(linked);
        }
        ServerPool pool = runtime.pool(KEY);
        if (linked != null) pool.discard(linked, "fuzz_input_done");
        for (ServerConn c : pool.servers()) pool.discard(c, "fuzz_input_done");
    }

    boolean transactionMode() {
        return runtime.config().proxy().poolMode() == PoolMode.TRANSACTION;
    }

    /**
     * The endings a session may have on bad input: a protocol error or the end of the input (IOException), or a
     * SessionClosed for a known reason other than an internal error. Anything else is a bug.
     */
    static boolean clean(Throwable t) {
        if (t instanceof SessionClosed c) return !"internal_error".equals(c.reason());
        return t instanceof ProtocolException || t instanceof EOFException || t instanceof IOException;
    }
}
