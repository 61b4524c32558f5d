// The network between pgloom and PostgreSQL goes half-open (the FaultProxy relay keeps every connection open and
// swallows all bytes, as a dropped NAT entry or a dead host does): a login through it and a transaction on it both
// end on their timeouts with clear errors, the transaction never commits, and once the connections are given up
// no pgloom thread, session or server connection is left behind.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.FaultProxy;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProcessCensus;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HalfOpenBackendIT {
    private static final PostgresFixture PG = PostgresFixture.shared();

    private static int count(String sql) throws SQLException {
        try (Connection su = PG.superuser();
                ResultSet rs = su.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Nothing of the broken links is left: sessions, servers over the relay, relayed connections, threads. */
    private static void assertNothingLeft(ProxyHarness p, FaultProxy relay, int threadsBefore) throws Exception {
        Await.until(() -> p.pgloom().runtime().sessionCount() == 0, 20, "every session to end");
        Await.until(
                () -> p.pgloom().runtime().serverRows().stream().noneMatch(r -> r.port() == relay.port()),
                20,
                "no server over the half-open path in SHOW SERVERS");
        Await.until(() -> relay.connections() == 0, 20, "pgloom to give up every connection through the relay");
        Await.until(
                () -> ProcessCensus.pgloomThreads() <= threadsBefore, 20, "pgloom's threads back to " + threadsBefore);
    }

    @Test
    void aLoginThroughAHalfOpenPathTimesOutWith08006() throws Exception {
        try (FaultProxy relay = new FaultProxy(PG.port());
                ProxyHarness p = ProxyHarness.start(
                        PG,
                        "session",
                        "server_connect_timeout = 2\nserver_login_retry = 0",
                        FaultsIT.dbTable(relay.port()))) {
            int threadsBefore = ProcessCensus.pgloomThreads();
            relay.mode(FaultProxy.Mode.BLACK_HOLE);
            long t0 = System.nanoTime();
            SQLException e = assertThrows(
                    SQLException.class, () -> p.connect("relay", "app", "app").close());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals("08006", e.getSQLState(), e.getMessage());
            assertTrue(
                    e.getMessage().contains("server login to 127.0.0.1:" + relay.port() + " timed out"),
                    e.getMessage());
            assertTrue(ms >= 1500 && ms < 10_000, "after about server_connect_timeout (2 s): " + ms + " ms");
            assertNothingLeft(p, relay, threadsBefore);
            relay.mode(FaultProxy.Mode.PASS);
            try (Connection c = p.connect("relay", "app", "app");
                    ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "served again once the path is back");
            }
        }
    }

    @Test
    void aTransactionOnAServerThatWentSilentEndsOnQueryTimeoutAndNeverCommits() throws Exception {
        try (Connection su = PG.superuser();
                Statement st = su.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS half_open_t (marker text)");
            st.execute("GRANT ALL ON half_open_t TO app");
        }
        // The cancel pgloom sends goes into the black hole too and gives up after server_connect_timeout (5 s): it
        // must not delay the client's error.
        try (FaultProxy relay = new FaultProxy(PG.port());
                ProxyHarness p = ProxyHarness.start(
                        PG,
                        "transaction",
                        "query_timeout = 2\nserver_connect_timeout = 5",
                        FaultsIT.dbTable(relay.port()))) {
            int threadsBefore = ProcessCensus.pgloomThreads();
            try (Connection c = p.connect("relay", "app", "app")) {
                c.setAutoCommit(false);
                c.createStatement().execute("INSERT INTO half_open_t VALUES ('half_open')");
                relay.mode(FaultProxy.Mode.BLACK_HOLE);
                long t0 = System.nanoTime();
                SQLException e = assertThrows(SQLException.class, c::commit);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals("57014", e.getSQLState(), e.getMessage());
                assertTrue(
                        e.getMessage()
                                .contains(
                                        "canceling statement due to query_timeout (2000 ms); it may or may not have run"),
                        e.getMessage());
                assertTrue(
                        ms >= 1500 && ms < 4_500,
                        "after about query_timeout (2 s), not after the cancel: " + ms + " ms");
            }
            assertNothingLeft(p, relay, threadsBefore);
            // The relay gave up the backend's connection too: PostgreSQL rolled the transaction back.
            Await.until(
                    () -> count(
                                    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND state LIKE 'idle in transaction%'")
                            == 0,
                    20,
                    "the backend to notice and roll back");
            assertEquals(0, count("SELECT count(*) FROM half_open_t WHERE marker = 'half_open'"), "never committed");
        }
    }
}
