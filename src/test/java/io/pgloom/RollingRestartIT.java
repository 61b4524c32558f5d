// A rolling restart on one host with the real jar: a second pgloom binds the same port (so_reuseport), the old
// one gets SIGUSR1 (SHUTDOWN WAIT_FOR_CLIENTS for that process) and exits once its clients have left, while
// clients that reconnect as applications do run write transactions throughout. Not one transaction may fail.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RollingRestartIT {
    private static final int CLIENTS = 8;
    /** Transactions per connection before the client reconnects (a pool's max lifetime, shortened). */
    private static final int PER_CONNECTION = 20;

    private static Process launch(Path conf, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-jar", System.getProperty("pgloom.jar", "target/proxy.jar"), conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    @Test
    void secondProcessTakesOverTheSamePortWithoutAFailedTransaction() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection su = pg.connect("app", "app", "app");
                Statement st = su.createStatement()) {
            st.execute("DROP TABLE IF EXISTS rolling_t");
            st.execute("CREATE TABLE rolling_t (id bigserial PRIMARY KEY, worker int)");
        }
        int port = Await.freePort();
        Path dir = Files.createTempDirectory("pgloom-rolling");
        Path conf = dir.resolve("proxy.toml");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                pool_mode = "transaction"
                so_reuseport = true
                shutdown_timeout = 30
                [admin]
                http_listen = ""
                [databases.app]
                host = "127.0.0.1"
                port = %d
                [users.app]
                password = "app"
                """.formatted(port, pg.port()));
        Path oldLog = dir.resolve("old.log"), newLog = dir.resolve("new.log");
        Process old = launch(conf, oldLog);
        Process next = null;
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger committed = new AtomicInteger(),
                failed = new AtomicInteger(),
                connectRetries = new AtomicInteger();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        try {
            Await.until(() -> Await.accepts(port), 30, "the first pgloom to accept");
            String url = "jdbc:postgresql://127.0.0.1:" + port
                    + "/app?user=app&password=app&connectTimeout=5&socketTimeout=30";
            for (int w = 0; w < CLIENTS; w++) {
                int worker = w;
                workers.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        Connection c;
                        try {
                            c = DriverManager.getConnection(url);
                        } catch (SQLException e) {
                            connectRetries.incrementAndGet(); // nothing ran yet: an application just connects again
                            continue;
                        }
                        try (c) {
                            c.setAutoCommit(false);
                            for (int i = 0; i < PER_CONNECTION && running.get(); i++) {
                                try (Statement st = c.createStatement()) {
                                    st.execute("INSERT INTO rolling_t (worker) VALUES (" + worker + ")");
                                    c.commit();
                                    committed.incrementAndGet();
                                }
                            }
                        } catch (SQLException e) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        }
                    }
                }));
            }
            Await.until(() -> committed.get() > 300, 30, "load through the first pgloom");

            next = launch(conf, newLog);
            Await.until(
                    () -> Files.readString(newLog).contains("event=listening"),
                    30,
                    "the second pgloom to bind the same port");
            int beforeSwitch = committed.get();
            new ProcessBuilder("kill", "-USR1", Long.toString(old.pid()))
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
            assertTrue(old.waitFor(30, TimeUnit.SECONDS), "the old pgloom exits once its clients left");
            assertEquals(0, old.exitValue());
            int afterOldExit = committed.get();
            Await.until(() -> committed.get() > afterOldExit + 300, 30, "load through the second pgloom alone");
            running.set(false);
            for (Thread t : workers) t.join(TimeUnit.SECONDS.toMillis(30));
            assertEquals(0, failed.get(), "failed transactions (first: " + firstFailure.get() + ")");
            try (Connection su = pg.connect("app", "app", "app");
                    Statement st = su.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM rolling_t")) {
                rs.next();
                assertEquals(committed.get(), rs.getInt(1), "every committed transaction is there, none twice");
            }
            assertTrue(
                    Files.readString(oldLog).contains("event=shutdown_wait_for_clients"),
                    "the old one waited for its clients");
            System.out.printf(
                    "rolling restart: %d transactions committed (%d before the switch, %d while the old one drained),"
                            + " 0 failed, %d connection attempts retried%n",
                    committed.get(), beforeSwitch, afterOldExit - beforeSwitch, connectRetries.get());
        } finally {
            running.set(false);
            old.destroyForcibly();
            if (next != null) {
                next.destroy();
                if (!next.waitFor(30, TimeUnit.SECONDS)) next.destroyForcibly();
            }
        }
    }
}
