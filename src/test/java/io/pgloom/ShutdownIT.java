// SIGTERM with a transaction in flight, against the real jar: the listener stops, the open transaction still
// commits, the client is then told 57P01, and the process exits 0. SHUTDOWN WAIT_FOR_CLIENTS waits for clients to
// leave by themselves, for at most its deadline.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShutdownIT {
    @Test
    void sigtermLetsTheOpenTransactionCommitThenExitsZero() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection su = pg.superuser();
                Statement st = su.createStatement()) {
            st.execute("DROP TABLE IF EXISTS shutdown_t");
            st.execute("CREATE TABLE shutdown_t (v text)");
            st.execute("GRANT ALL ON shutdown_t TO app");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = Files.createTempFile("pgloom-shutdown", ".toml");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                shutdown_timeout = 30
                [admin]
                http_listen = ""
                [databases.postgres]
                host = "127.0.0.1"
                port = %d
                [users.app]
                password = "app"
                """.formatted(port, pg.port()));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process proc = new ProcessBuilder(
                        java, "-jar", System.getProperty("pgloom.jar", "target/proxy.jar"), conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        Path.of(System.getProperty("java.io.tmpdir"), "pgloom-shutdown-it.log")
                                .toFile()))
                .start();
        try {
            Await.until(() -> Await.accepts(port), 30, "pgloom to accept");
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=app&password=app";
            try (Connection c = DriverManager.getConnection(url)) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO shutdown_t VALUES ('committed-during-shutdown')");
                }
                proc.destroy(); // SIGTERM
                Await.until(() -> !Await.accepts(port), 30, "the listener to close");
                assertTrue(proc.isAlive(), "still running while a transaction is open");
                c.commit();
                // The session ends right after its transaction: the next statement fails.
                assertThrows(SQLException.class, () -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("SELECT 1");
                    }
                });
            }
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS), "pgloom exited");
            assertEquals(0, proc.exitValue());
            try (Connection su = pg.superuser();
                    Statement st = su.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT count(*) FROM shutdown_t WHERE v = 'committed-during-shutdown'")) {
                rs.next();
                assertEquals(1, rs.getInt(1), "the in-flight transaction committed");
            }
        } finally {
            proc.destroyForcibly();
            Files.deleteIfExists(conf);
        }
    }

    @Test
    void shutdownWaitForClientsLetsClientsFinishOnTheirOwn() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = Files.createTempFile("pgloom-shutdown-wait", ".toml");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                pool_mode = "transaction"
                shutdown_timeout = 1
                [admin]
                http_listen = ""
                users = ["admin"]
                [databases.postgres]
                host = "127.0.0.1"
                port = %d
                [users.app]
                password = "app"
                [users.admin]
                password = "admin"
                """.formatted(port, pg.port()));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process proc = new ProcessBuilder(
                        java, "-jar", System.getProperty("pgloom.jar", "target/proxy.jar"), conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            Await.until(() -> Await.accepts(port), 30, "pgloom to accept");
            String base = "jdbc:postgresql://127.0.0.1:" + port;
            try (Connection c = DriverManager.getConnection(base + "/postgres?user=app&password=app")) {
                try (Connection adm = DriverManager.getConnection(
                        base + "/pgloom?user=admin&password=admin&preferQueryMode=simple")) {
                    adm.createStatement().execute("SHUTDOWN WAIT_FOR_CLIENTS");
                }
                Await.until(() -> !Await.accepts(port), 30, "the listener to close");
                // Well past shutdown_timeout, the connected client is still served: nobody is forced out.
                TimeUnit.MILLISECONDS.sleep(1500);
                for (int i = 0; i < 3; i++) {
                    try (ResultSet rs = c.createStatement().executeQuery("SELECT " + i)) {
                        rs.next();
                        assertEquals(i, rs.getInt(1));
                    }
                }
                assertTrue(proc.isAlive(), "waits while a client is connected");
            }
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS), "exits once the last client left");
            assertEquals(0, proc.exitValue());
        } finally {
            proc.destroyForcibly();
            Files.deleteIfExists(conf);
        }
    }

    @Test
    void aDrainDeadlineEndsTheClientsThatStayedAtTheirTransactionsEnd() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "shutdown_timeout = 20", "");
                Connection idle = p.app();
                Connection busy = p.app()) {
            // Main's wiring: the admin command releases the thread that runs the shutdown sequence.
            CountDownLatch requested = new CountDownLatch(1);
            p.pgloom().runtime().onShutdown(requested::countDown);
            Thread shutdown = Thread.ofVirtual().start(() -> {
                try {
                    requested.await();
                    p.pgloom().shutdown();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            busy.setAutoCommit(false);
            busy.createStatement().execute("CREATE TEMP TABLE IF NOT EXISTS drain_t (x int)");
            try (Connection adm = p.connect("pgloom", "admin", "admin", simple())) {
                adm.createStatement().execute("SHUTDOWN WAIT_FOR_CLIENTS 1.5");
            }
            assertEquals(1500, p.pgloom().runtime().drainDeadline().toMillis(), "the command's own deadline");
            try (ResultSet rs = idle.createStatement().executeQuery("SELECT 7")) {
                rs.next();
                assertEquals(7, rs.getInt(1), "inside the deadline an idle client is still served");
            }
            assertTrue(shutdown.isAlive(), "inside the deadline nobody is ended");
            // Past it: the idle client is shut down (57P01); the one inside a transaction may still commit it.
            Await.until(
                    () -> {
                        try (ResultSet rs = idle.createStatement().executeQuery("SELECT 1")) {
                            return false;
                        } catch (SQLException e) {
                            return true;
                        }
                    },
                    10,
                    "the idle client to be shut down after the drain deadline");
            busy.createStatement().execute("INSERT INTO drain_t VALUES (1)");
            busy.commit();
            shutdown.join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(shutdown.isAlive(), "the shutdown completes once the last transaction ended");
            assertEquals(0, p.pgloom().runtime().sessionCount());
        }
    }

    private static Properties simple() {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return props;
    }
}
