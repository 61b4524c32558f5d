// A rolling restart with so_reuseport: the old and the new pgloom share one port as peers 1 and 2, each with a
// cancel-only port of its own. Once the old one is draining (SHUTDOWN WAIT_FOR_CLIENTS: it no longer accepts), every
// cancel reaches the new one, which forwards those for the old one's sessions to it: every query ends with 57014.
package io.pgloom.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.Pgloom;
import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReuseportRestartIT {
    private static final int CLIENTS = 12;

    private static Pgloom start(Path dir, int id, int port, int[] peerPorts, PostgresFixture pg) throws Exception {
        Path conf = dir.resolve("proxy-" + id + ".toml");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                so_reuseport = true
                pool_mode = "transaction"
                auth_type = "trust"
                default_pool_size = 20
                shutdown_timeout = 5
                peer_id = %d
                [admin]
                http_listen = ""
                [log]
                level = "warn"
                [databases.app]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                [users.app]
                password = "app"
                [peers.1]
                host = "127.0.0.1"
                port = %d
                [peers.2]
                host = "127.0.0.1"
                port = %d
                """.formatted(port, id, pg.port(), peerPorts[0], peerPorts[1]));
        return Pgloom.start(Pgloom.load(conf), conf);
    }

    @Test
    void cancelsForTheDrainingProcessReachItThroughTheNewOne() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        Path dir = Files.createTempDirectory("pgloom-reuseport");
        int port = Await.freePort();
        int[] peerPorts = {Await.freePort(), Await.freePort()};
        String marker = "reuseport_" + System.nanoTime();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/app?user=app&password=app";
        Pgloom old = start(dir, 1, port, peerPorts, pg);
        Pgloom next = null;
        List<Connection> conns = new ArrayList<>();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            // Clients of the old process, and (once the new one shares the port) of both.
            for (int i = 0; i < CLIENTS / 2; i++) conns.add(DriverManager.getConnection(url));
            next = start(dir, 2, port, peerPorts, pg);
            for (int i = CLIENTS / 2; i < CLIENTS; i++) conns.add(DriverManager.getConnection(url));
            List<Statement> statements = new ArrayList<>();
            List<Future<String>> outcomes = new ArrayList<>();
            for (Connection c : conns) {
                Statement st = c.createStatement();
                statements.add(st);
                outcomes.add(threads.submit(() -> {
                    try {
                        st.execute("SELECT /* " + marker + " */ pg_sleep(20)");
                        return "finished without a cancel";
                    } catch (SQLException e) {
                        return e.getSQLState();
                    }
                }));
            }
            Await.until(
                    () -> PeerCancelIT.running(pg, marker) == CLIENTS, 30, CLIENTS + " queries running in PostgreSQL");

            // The old process drains: SHUTDOWN WAIT_FOR_CLIENTS closes its listener and waits for its clients.
            old.runtime().requestShutdown(true);
            Pgloom draining = old;
            Future<?> shutdown = threads.submit(() -> {
                draining.shutdown();
                return null;
            });
            Await.until(() -> !old.listener().isAccepting(), 10, "the old process to stop accepting");
            int onOld = old.runtime().sessionCount();
            assertTrue(onOld >= CLIENTS / 2, "the old process still has its clients: " + onOld);

            for (Statement st : statements) st.cancel(); // each a new connection: all reach the new process
            List<String> states = new ArrayList<>();
            for (Future<String> f : outcomes) states.add(f.get(5, TimeUnit.SECONDS));
            assertEquals(Collections.nCopies(CLIENTS, "57014"), states);
            double viaPeer = next.runtime()
                    .metrics
                    .registry
                    .getSampleValue(
                            "pgloom_peer_forwards_total", new String[] {"peer", "result"}, new String[] {"1", "ok"});
            assertEquals(onOld, (int) viaPeer, "the new process forwarded the old one's cancels to it");
            for (Connection c : conns) c.close();
            conns.clear();
            shutdown.get(20, TimeUnit.SECONDS);
        } finally {
            // Clients first: the draining process waits for them (its shutdown task would never end otherwise).
            for (Connection c : conns) c.close();
            old.close();
            if (next != null) next.close();
            threads.shutdownNow();
        }
    }
}
