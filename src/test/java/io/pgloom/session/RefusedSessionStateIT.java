// on_session_state = "error" in transaction mode: LISTEN, a session advisory lock, a temporary table and SQL
// PREPARE are refused with 0A000 before any server runs them, by simple and extended protocol, through pgjdbc's
// switch to named statements too; the client's connection and transaction behave as after any failed statement,
// nothing of the refused state reaches a server, and ordinary statements (and the transaction-scoped advisory lock)
// run as before. Real pgjdbc clients through pgloom against a real PostgreSQL, more clients than servers.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class RefusedSessionStateIT {
    private static long scalar(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void assertRefused(String what, SQLException e) {
        assertEquals("0A000", e.getSQLState(), what + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("on_session_state = error"), what + ": " + e.getMessage());
    }

    @Test
    void statementsLeavingUnmovableStateAreRefusedAndNothingReachesAServer() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection su = pg.connect("app", PostgresFixture.SUPERUSER, PostgresFixture.SUPERPASS);
                Statement st = su.createStatement()) {
            st.execute("DROP TABLE IF EXISTS refused_t");
            st.execute("CREATE TABLE refused_t (x int)");
            st.execute("GRANT ALL ON refused_t TO app");
        }
        try (ProxyHarness p = ProxyHarness.start(
                        pg, "transaction", "default_pool_size = 2\non_session_state = \"error\"", "");
                Connection a = p.app();
                Connection b = p.app();
                Connection c = p.app()) {
            // Simple protocol (pgjdbc sends a statement without parameters through Parse/Bind/Execute unless told
            // otherwise; preferQueryMode=simple makes it a Query message).
            Properties simple = new Properties();
            simple.setProperty("preferQueryMode", "simple");
            try (Connection s = p.connect("app", "app", "app", simple)) {
                assertRefused(
                        "LISTEN, Query",
                        assertThrows(
                                SQLException.class, () -> s.createStatement().execute("LISTEN jobs")));
                assertEquals(0, scalar(s, "SELECT count(*) FROM pg_listening_channels()"), "nothing listens");
                assertRefused(
                        "temporary table, Query",
                        assertThrows(
                                SQLException.class,
                                () -> s.createStatement().execute("CREATE TEMP TABLE t_refused (x int)")));
                assertRefused(
                        "SQL PREPARE",
                        assertThrows(
                                SQLException.class, () -> s.createStatement().execute("PREPARE q AS SELECT 1")));
            }
            // Extended protocol with a parameter, past pgjdbc's prepareThreshold (named statements from the 5th).
            try (PreparedStatement lock = a.prepareStatement("SELECT pg_advisory_lock(?)")) {
                for (int i = 0; i < 7; i++) {
                    lock.setInt(1, 4242);
                    assertRefused(
                            "advisory lock, execution " + (i + 1), assertThrows(SQLException.class, lock::execute));
                    assertEquals(7, scalar(a, "SELECT 3 + 4"), "the client goes on after each refusal");
                }
            }
            try (Connection su = pg.superuser()) {
                assertEquals(
                        0,
                        scalar(su, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"),
                        "no server holds the lock");
            }
            // Inside a transaction the refusal aborts it, as any failing statement does.
            b.setAutoCommit(false);
            b.createStatement().execute("INSERT INTO refused_t VALUES (1)");
            assertRefused(
                    "LISTEN in a transaction",
                    assertThrows(SQLException.class, () -> b.createStatement().execute("LISTEN jobs")));
            SQLException aborted =
                    assertThrows(SQLException.class, () -> b.createStatement().execute("SELECT 1"));
            assertEquals("25P02", aborted.getSQLState(), "the transaction is aborted");
            b.rollback();
            b.setAutoCommit(true);
            assertEquals(0, scalar(c, "SELECT count(*) FROM refused_t"), "the aborted insert is gone");
            // What pgloom can move, or what ends with the transaction, runs as before.
            c.setAutoCommit(false);
            assertEquals(1, scalar(c, "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(7)) l"));
            c.commit();
            c.setAutoCommit(true);
            c.createStatement().execute("SET search_path TO public");
            assertEquals(3, scalar(c, "SELECT 1 + 2"));

            assertEquals(2.0, refusals(p, "listen"), "both LISTENs were counted");
            assertEquals(7.0, refusals(p, "advisory_lock"), "each execution of the locking statement");
        }
    }

    private static Double refusals(ProxyHarness p, String kind) {
        return p.pgloom()
                .runtime()
                .metrics
                .registry
                .getSampleValue("pgloom_session_state_refusals_total", new String[] {"database", "kind"}, new String[] {
                    "app", kind
                });
    }
}
