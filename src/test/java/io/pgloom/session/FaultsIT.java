// Faults against real PostgreSQL: what the client sees, and that the next client is served by a clean server.
// PostgreSQL restarted and unreachable at start, a client vanishing mid-transaction, a black-holed network, a
// COMMIT whose reply is lost (never replayed), a client that never logs in.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.FaultProxy;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.io.InputStream;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FaultsIT {
    private static int count(PostgresFixture pg, String sql) throws SQLException {
        try (Connection su = pg.superuser();
                ResultSet rs = su.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A [databases.relay] table pointing at a FaultProxy in front of PostgreSQL's "postgres" database. */
    static String dbTable(int port) {
        return """
                [databases.relay]
                host = "127.0.0.1"
                port = %d
                dbname = "postgres"
                """.formatted(port);
    }

    @Test
    void postgresRestartedPoolsRecoverWithoutRestartingPgloom() throws Exception {
        try (PostgresFixture pg = PostgresFixture.startNew();
                ProxyHarness p = ProxyHarness.start(pg, "transaction")) {
            Connection c = p.app();
            c.createStatement().execute("SELECT 1");
            pg.stop();
            SQLException e =
                    assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1"));
            assertTrue(
                    e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57"),
                    e.getSQLState() + " " + e.getMessage());
            c.close();
            pg.start();
            Await.until(
                    () -> {
                        try (Connection again = p.app();
                                ResultSet rs = again.createStatement().executeQuery("SELECT 2")) {
                            return rs.next() && rs.getInt(1) == 2;
                        }
                    },
                    30,
                    "pgloom to serve again after PostgreSQL came back");
        }
    }

    @Test
    void postgresUnreachableAtStartThenServedOnceItAppears() throws Exception {
        try (PostgresFixture pg = PostgresFixture.startNew()) {
            pg.stop();
            try (ProxyHarness p = ProxyHarness.start(pg, "session")) {
                SQLException e = assertThrows(SQLException.class, () -> p.app().close());
                assertEquals("08006", e.getSQLState());
                pg.start();
                Await.until(
                        () -> {
                            try (Connection c = p.app();
                                    ResultSet rs = c.createStatement().executeQuery("SELECT 3")) {
                                return rs.next();
                            }
                        },
                        30,
                        "the first client to be served");
            }
        }
    }

    @Test
    void clientVanishingMidTransactionRollsBackAndItsServerIsReusedClean() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection su = pg.superuser()) {
            su.createStatement().execute("CREATE TABLE IF NOT EXISTS vanish_t (marker text)");
            su.createStatement().execute("GRANT ALL ON vanish_t TO app");
        }
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction")) {
            Connection c = p.connect("postgres", "app", "app");
            c.setAutoCommit(false);
            c.createStatement().execute("INSERT INTO vanish_t VALUES ('vanished')");
            int pid;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            c.abort(Executors.newSingleThreadExecutor()); // the socket just goes away
            // pgloom rolls the transaction back itself and keeps the server (AbandonedTransactionIT counts it).
            Await.until(
                    () -> count(pg, "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid + " AND state = 'idle'")
                            == 1,
                    20,
                    "the server rolled back and idle in the pool");
            assertEquals(0, count(pg, "SELECT count(*) FROM vanish_t WHERE marker = 'vanished'"), "rolled back");
            try (Connection next = p.connect("postgres", "app", "app");
                    ResultSet rs = next.createStatement()
                            .executeQuery(
                                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND usename = 'app'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "no server is left idle in transaction");
            }
        }
    }

    @Test
    void blackHoledNetworkHitsTheTimeoutsAndRecovers() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (FaultProxy relay = new FaultProxy(pg.port());
                ProxyHarness p = ProxyHarness.start(
                        pg,
                        "transaction",
                        "query_timeout = 2\nserver_connect_timeout = 2\nserver_login_retry = 0",
                        dbTable(relay.port()))) {
            Connection c = p.connect("relay", "app", "app");
            c.createStatement().execute("SELECT 1");
            relay.mode(FaultProxy.Mode.BLACK_HOLE);
            long t0 = System.nanoTime();
            SQLException e =
                    assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // Either the linked server stops answering (query_timeout) or a new one cannot log in
            // (server_connect_timeout).
            assertTrue(
                    e.getSQLState().equals("57014") && e.getMessage().contains("query_timeout")
                            || e.getSQLState().equals("08006") && e.getMessage().contains("timed out"),
                    e.getSQLState() + " " + e.getMessage());
            assertTrue(ms >= 1500 && ms < 15_000, "after about the timeout (2 s): " + ms + " ms");
            relay.cutAll();
            relay.mode(FaultProxy.Mode.PASS);
            Await.until(
                    () -> {
                        try (Connection again = p.connect("relay", "app", "app");
                                ResultSet rs = again.createStatement().executeQuery("SELECT 5")) {
                            return rs.next() && rs.getInt(1) == 5;
                        }
                    },
                    30,
                    "service to resume once the network is back");
            Await.until(() -> p.pgloom().runtime().sessionCount() == 0, 10, "no client session left behind");
            p.pgloom().runtime().pools.snapshots().forEach(s -> assertTrue(s.total() <= s.size(), "no leaked servers"));
        }
    }

    /**
     * A server fresh from its login runs a query past query_timeout. Its login left the socket with
     * server_connect_timeout as read timeout; query_timeout's read tick (query_timeout / 4, here the same 1000 ms)
     * must still be set on the real socket at link, or the tick never fires and the query runs on unchecked.
     */
    @Test
    void queryTimeoutCancelsALongQueryOnAServerFreshFromLogin() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p =
                        ProxyHarness.start(pg, "transaction", "query_timeout = 4\nserver_connect_timeout = 1", "");
                Connection c = p.connect("app", "app", "app")) {
            long t0 = System.nanoTime();
            SQLException e =
                    assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT pg_sleep(30)"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals("57014", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("query_timeout"), e.getMessage());
            assertTrue(ms >= 3500 && ms < 15_000, "after about query_timeout (4 s): " + ms + " ms");
        }
    }

    @Test
    void aCommitWhoseReplyIsLostIsReportedNeverReplayed() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection su = pg.superuser()) {
            su.createStatement().execute("CREATE TABLE IF NOT EXISTS lost_t (marker text)");
            su.createStatement().execute("GRANT ALL ON lost_t TO app");
            su.createStatement().execute("DELETE FROM lost_t");
        }
        try (FaultProxy relay = new FaultProxy(pg.port());
                ProxyHarness p = ProxyHarness.start(pg, "transaction", "query_timeout = 2", dbTable(relay.port()))) {
            Connection c = p.connect("relay", "app", "app");
            c.setAutoCommit(false);
            c.createStatement().execute("INSERT INTO lost_t VALUES ('once')");
            relay.mode(FaultProxy.Mode.DROP_REPLIES);
            SQLException e = assertThrows(SQLException.class, c::commit);
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("may or may not have run"), e.getMessage());
            relay.mode(FaultProxy.Mode.PASS);
            Await.until(
                    () -> count(pg, "SELECT count(*) FROM lost_t") == 1, 10, "the COMMIT to be visible exactly once");
            assertEquals(1, count(pg, "SELECT count(*) FROM lost_t"), "never replayed on another server");
        }
    }

    @Test
    void aClientThatNeverLogsInIsClosedAfterClientLoginTimeout() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "client_login_timeout = 1", "");
                Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(15_000);
            long t0 = System.nanoTime();
            InputStream in = s.getInputStream();
            int first = in.read();
            byte[] rest = in.readAllBytes();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals('E', first, "an ErrorResponse before the close");
            assertTrue(new String(rest).contains("client_login_timeout"));
            assertTrue(ms >= 900 && ms < 10_000, "closed after about client_login_timeout: " + ms + " ms");
        }
    }
}
