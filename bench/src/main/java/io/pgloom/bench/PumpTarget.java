// What a pump benchmark talks to: the fake backend directly, or the real pgloom (started from a TOML config through
// ConfigLoader, as ProxyHarness does) in session or transaction mode in front of it, all over loopback.
// Session mode gets a server per client (64); transaction mode shares 8 servers among up to 64 clients.
package io.pgloom.bench;

import io.pgloom.Pgloom;
import io.pgloom.config.ConfigLoader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

@State(Scope.Benchmark)
public class PumpTarget {
    static final int SESSION_POOL = 64;
    static final int TRANSACTION_POOL = 8;

    @Param({"direct", "session", "transaction"})
    public String target;

    private FakeBackend backend;
    private Pgloom pgloom;
    private Path config;

    @Setup(Level.Trial)
    public void start() throws Exception {
        backend = new FakeBackend();
        if (target.equals("direct")) return;
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String toml =
                """
                [proxy]
                listen = "127.0.0.1:%d"
                pool_mode = "%s"
                auth_type = "trust"
                default_pool_size = %d
                max_client_conn = 200
                shutdown_timeout = 1

                [admin]
                http_listen = ""

                [log]
                level = "warn"

                [databases.bench]
                host = "127.0.0.1"
                port = %d

                [users.bench]
                password = "bench"
                """.formatted(port, target, target.equals("session") ? SESSION_POOL : TRANSACTION_POOL, backend.port());
        config = Files.createTempFile("pgloom-bench", ".toml");
        Files.writeString(config, toml);
        pgloom = Pgloom.start(ConfigLoader.load(config), config);
    }

    /** The port a client connects to. */
    int port() {
        return pgloom != null ? pgloom.port() : backend.port();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        if (pgloom != null) pgloom.close();
        backend.close();
        if (config != null) Files.deleteIfExists(config);
    }
}
