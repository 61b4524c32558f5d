// The real jar under a low `ulimit -n`, its descriptors used up by raw connections that never log in: connected
// clients keep being served, the accept loop backs off instead of spinning (a bounded log, not 600k lines), and
// new clients get in once the held sockets close.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class FileDescriptorLimitIT {
    /** Enough for the JVM and pgloom to start, with room for about a hundred clients. */
    private static final int FD_LIMIT = 160;

    private static final int HELD = 300;

    @Test
    void outOfDescriptorsTheAcceptorBacksOffKeepsServingAndRecovers() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash for ulimit");
        PostgresFixture pg = PostgresFixture.shared();
        int port = Await.freePort();
        Path dir = Files.createTempDirectory("pgloom-fds");
        Path conf = dir.resolve("proxy.toml");
        Path log = dir.resolve("pgloom.log");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                pool_mode = "transaction"
                default_pool_size = 2
                min_pool_size = 2
                max_client_conn = 1000
                client_login_timeout = 120
                [admin]
                http_listen = ""
                [log]
                level = "info"
                [databases.app]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                [users.app]
                password = "app"
                """.formatted(port, pg.port()));
        String java = ProcessHandle.current().info().command().orElse("java");
        String jar = Path.of(System.getProperty("pgloom.jar", "target/proxy.jar"))
                .toAbsolutePath()
                .toString();
        String script = "ulimit -n " + FD_LIMIT + " && exec \"$0\" -jar \"$1\" \"$2\"";
        Process proc = new ProcessBuilder("/bin/bash", "-c", script, java, jar, conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        List<Socket> held = new ArrayList<>();
        List<Connection> clients = new ArrayList<>();
        try {
            Await.until(() -> Files.readString(log).contains("event=listening"), 30, "pgloom to listen");
            for (int i = 0; i < 2; i++) {
                clients.add(connect(port, 20));
                query(clients.get(i), i);
            }
            // Both servers of the pool open (min_pool_size) before the descriptors run out: none is opened after.
            Await.until(() -> count(log, "event=server_connected") == 2, 30, "the pool's two servers");
            // Raw connections that never send a startup packet: each accepted one holds a descriptor in pgloom
            // (client_login_timeout is long). Past the limit the kernel still completes them into the backlog.
            for (int i = 0; i < HELD; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                held.add(s);
            }
            Await.until(() -> count(log, "event=accept_failed") > 0, 30, "accepts to fail for want of descriptors");
            long exhaustedAt = System.nanoTime();
            String first = firstLine(log, "event=accept_failed");
            assertTrue(first.contains("reason=emfile"), first);

            // Out of descriptors for 3 s: the connected clients are served all along (their servers are pooled).
            int served = 0;
            while (System.nanoTime() - exhaustedAt < TimeUnit.SECONDS.toNanos(3)) {
                query(clients.get(served % 2), served);
                served++;
            }
            assertTrue(served > 10, "queries served while out of descriptors: " + served);
            assertTrue(proc.isAlive(), "pgloom survives its own limit");
            long failedLines = count(log, "event=accept_failed");
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - exhaustedAt) + 1;
            assertTrue(failedLines <= seconds + 1, failedLines + " accept_failed lines in about " + seconds + " s");
            assertTrue(
                    Files.readAllLines(log).size() < 1000,
                    "the log stays small: " + Files.readAllLines(log).size());

            // The held sockets close: descriptors come back, the backlog drains, a new client gets in.
            for (Socket s : held) s.close();
            held.clear();
            Connection late = connect(port, 30);
            clients.add(late);
            query(late, 42);
            Await.until(() -> count(log, "event=accept_recovered") > 0, 10, "the recovery to be logged");
            String recovered = firstLine(log, "event=accept_recovered");
            assertTrue(recovered.matches(".*failed_accepts=\\d+ not_logged=\\d+.*"), recovered);
            // Back-off: a few dozen tries at most in those seconds (10 ms doubling to 1 s), not hundreds of thousands.
            long tries = Long.parseLong(recovered.replaceAll(".*failed_accepts=(\\d+).*", "$1"));
            assertTrue(tries < 100, "accept retried " + tries + " times");
            for (Connection c : clients) query(c, 7);
        } finally {
            for (Socket s : held) s.close();
            for (Connection c : clients) closeQuietly(c);
            proc.destroy();
            if (!proc.waitFor(20, TimeUnit.SECONDS)) proc.destroyForcibly();
        }
    }

    private static Connection connect(int port, int timeoutSeconds) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "app");
        p.setProperty("password", "app");
        p.setProperty("connectTimeout", String.valueOf(timeoutSeconds));
        p.setProperty("loginTimeout", String.valueOf(timeoutSeconds));
        p.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/app", p);
    }

    private static void query(Connection c, int n) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT " + n)) {
            assertTrue(rs.next());
            assertEquals(n, rs.getInt(1));
        }
    }

    private static long count(Path log, String what) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains(what)).count();
    }

    private static String firstLine(Path log, String what) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(what))
                .findFirst()
                .orElseThrow();
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the process is going away
        }
    }
}
