// Statement pooling (pool_mode = "statement") end to end with pgjdbc and a raw client against real PostgreSQL:
// autocommit statements of many clients share one server, a transaction block is refused with PgBouncer's error
// (08P01) and the client disconnected, and the server that held the open transaction is never reused.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.WireClient;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StatementModeIT {
    private static final String REFUSED = "transaction blocks not allowed in statement pooling mode";
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.shared();
        // One server for everyone: in session mode the second client would wait out query_wait_timeout.
        proxy = ProxyHarness.start(
                pg, "statement", "query_wait_timeout = 5\nauth_type = \"trust\"", """
                [databases.one]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                pool_size = 1
                """.formatted(pg.port()));
        try (Connection c = pg.connect("app", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS stmt_t");
            st.execute("CREATE TABLE stmt_t (k int)");
        }
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    private static Connection one() throws SQLException {
        return proxy.connect("one", "app", "app");
    }

    private static int backendPid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void autocommitStatementsOfManyClientsTakeTurnsOnOneServer() throws Exception {
        List<Connection> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) clients.add(one());
            Set<Integer> pids = new HashSet<>();
            for (int round = 0; round < 3; round++) {
                for (Connection c : clients) {
                    try (Statement st = c.createStatement()) {
                        pids.add(backendPid(st));
                    }
                }
            }
            assertEquals(1, pids.size(), "every statement of every client ran on the pool's one server: " + pids);
            // A client's SET goes with it from statement to statement, not to the other clients.
            try (Statement a = clients.get(0).createStatement();
                    Statement b = clients.get(1).createStatement()) {
                a.execute("SET application_name = 'stmt_a'");
                try (ResultSet rs = b.executeQuery("SHOW application_name")) {
                    rs.next();
                    assertTrue(!rs.getString(1).equals("stmt_a"), "b does not see a's setting");
                }
                try (ResultSet rs = a.executeQuery("SHOW application_name")) {
                    rs.next();
                    assertEquals("stmt_a", rs.getString(1));
                }
                // Several statements in one simple query end idle: allowed, as in PgBouncer.
                a.execute("INSERT INTO stmt_t VALUES (-1); DELETE FROM stmt_t WHERE k = -1");
            }
        } finally {
            for (Connection c : clients) c.close();
        }
    }

    @Test
    void aTransactionBlockIsRefusedAndItsServerIsNotReused() throws Exception {
        int before;
        try (Connection c = one();
                Statement st = c.createStatement()) {
            before = backendPid(st);
            c.setAutoCommit(false);
            SQLException e = assertThrows(SQLException.class, () -> st.execute("INSERT INTO stmt_t VALUES (1)"));
            assertEquals("08P01", e.getSQLState(), e.toString());
            assertTrue(e.getMessage().contains(REFUSED), e.getMessage());
            assertTrue(c.isClosed() || !c.isValid(2), "the client is disconnected");
        }
        // The open transaction went with its server: nothing committed, no session left idle in transaction.
        try (Connection direct = pg.connect("app", "app", "app");
                Statement st = direct.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM stmt_t WHERE k = 1")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the refused transaction's INSERT was rolled back");
            }
            Await.until(
                    () -> {
                        try (ResultSet rs =
                                st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + before)) {
                            rs.next();
                            return rs.getInt(1) == 0;
                        }
                    },
                    10,
                    "the server that held the transaction to be closed");
        }
        try (Connection c = one();
                Statement st = c.createStatement()) {
            assertTrue(backendPid(st) != before, "the next client gets a new server");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM stmt_t WHERE k = 1")) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
        }
    }

    @Test
    void aSimpleQueryBeginIsAnsweredAndThenRefusedWithoutItsReadyForQuery() throws Exception {
        try (WireClient c = WireClient.connect(proxy.port(), "app", "one")) {
            IOException e = assertThrows(IOException.class, () -> c.exchange(WireClient.query("BEGIN")));
            // The client sees BEGIN's CommandComplete, then the FATAL, never a ReadyForQuery 'T'.
            assertEquals("connection closed after [C BEGIN, E 08P01 " + REFUSED + "]", e.getMessage());
        }
    }
}
