// pg_terminate_backend against the server a client is using: mid-transaction, mid-COPY IN, mid-large-result. Each
// states what the client sees (PostgreSQL's own FATAL, relayed), that nothing of the transaction survives, and that
// the next client is served by a clean server (never the dead one), with no pgloom thread or server left behind.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProcessCensus;
import io.pgloom.testkit.ProxyHarness;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

class BackendKillIT {
    private static final String KILLED = "57P01";
    private static final String KILLED_MESSAGE = "terminating connection due to administrator command";
    private static final PostgresFixture PG = PostgresFixture.shared();

    @BeforeAll
    static void table() throws SQLException {
        try (Connection su = PG.superuser();
                Statement st = su.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS kill_t (marker text)");
            st.execute("GRANT ALL ON kill_t TO app");
        }
    }

    private static int count(String sql) throws SQLException {
        try (Connection su = PG.superuser();
                ResultSet rs = su.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The pid of the backend running a statement that contains {@code marker}, or 0. */
    private static int backendRunning(String marker) throws SQLException {
        try (Connection su = PG.superuser();
                ResultSet rs = su.createStatement()
                        .executeQuery("SELECT pid FROM pg_stat_activity WHERE query LIKE '%" + marker
                                + "%' AND pid <> pg_backend_pid()")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static void kill(int pid) throws Exception {
        try (Connection su = PG.superuser()) {
            su.createStatement().execute("SELECT pg_terminate_backend(" + pid + ")");
        }
        Await.until(
                () -> count("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid) == 0,
                20,
                "backend " + pid + " to exit");
    }

    private static void assertKilled(SQLException e) {
        assertEquals(KILLED, e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains(KILLED_MESSAGE), e.getMessage());
    }

    /** The next client gets a live, clean server; pgloom keeps no thread, session or server of the dead link. */
    private static void assertNextClientServedCleanly(ProxyHarness p, int deadPid, int threadsBefore) throws Exception {
        Await.until(() -> p.pgloom().runtime().sessionCount() == 0, 20, "the killed client's session to end");
        assertTrue(
                p.pgloom().runtime().serverRows().stream().noneMatch(r -> r.backendPid() == deadPid),
                "the dead server is not in SHOW SERVERS");
        try (Connection next = p.connect("postgres", "app", "app");
                ResultSet rs = next.createStatement()
                        .executeQuery(
                                "SELECT pg_backend_pid(), "
                                        + "(SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND state LIKE 'idle in transaction%')")) {
            rs.next();
            assertNotEquals(deadPid, rs.getInt(1), "never the dead server");
            assertEquals(0, rs.getInt(2), "no server left idle in transaction");
        }
        p.pgloom().runtime().pools.snapshots().forEach(s -> assertTrue(s.total() <= s.size(), "no leaked servers"));
        Await.until(
                () -> ProcessCensus.pgloomThreads() <= threadsBefore, 20, "pgloom's threads back to " + threadsBefore);
    }

    @Test
    void killedMidTransactionTheClientGetsPostgresFatalAndNothingIsKept() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PG, "transaction")) {
            int threadsBefore = ProcessCensus.pgloomThreads();
            int pid;
            try (Connection c = p.connect("postgres", "app", "app")) {
                c.setAutoCommit(false);
                c.createStatement().execute("INSERT INTO kill_t VALUES ('mid_transaction')");
                try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    pid = rs.getInt(1);
                }
                kill(pid);
                assertKilled(assertThrows(
                        SQLException.class, () -> c.createStatement().execute("INSERT INTO kill_t VALUES ('after')")));
            }
            assertEquals(
                    0,
                    count("SELECT count(*) FROM kill_t WHERE marker IN ('mid_transaction', 'after')"),
                    "rolled back");
            assertNextClientServedCleanly(p, pid, threadsBefore);
        }
    }

    /** Starts a COPY IN on c, kills its backend after one row, returns what the driver throws going on; closes c. */
    private static SQLException killMidCopy(Connection c, int[] pid) throws Exception {
        try {
            return copyUntilKilled(c, pid);
        } finally {
            try {
                c.close();
            } catch (SQLException brokenPipe) {
                // the driver cannot say goodbye on a dead connection, with or without pgloom
            }
        }
    }

    private static SQLException copyUntilKilled(Connection c, int[] pid) throws Exception {
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY kill_t FROM STDIN -- mid_copy");
        byte[] row = "mid_copy\n".getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(row, 0, row.length);
        copy.flushCopy();
        Await.until(() -> (pid[0] = backendRunning("-- mid_copy")) != 0, 20, "the COPY to run");
        kill(pid[0]);
        return assertThrows(SQLException.class, () -> {
            copy.writeToCopy(row, 0, row.length);
            copy.endCopy();
        });
    }

    @Test
    void killedMidCopyInTheClientSeesWhatItWouldSeeWithoutPgloomAndNoRowArrives() throws Exception {
        // The driver is writing, not reading: it fails on the closed socket before it reads PostgreSQL's 57P01,
        // exactly as on a direct connection.
        SQLException direct = killMidCopy(PG.connect("postgres", "app", "app"), new int[1]);
        try (ProxyHarness p = ProxyHarness.start(PG, "transaction")) {
            int threadsBefore = ProcessCensus.pgloomThreads();
            int[] pid = {0};
            SQLException e = killMidCopy(p.connect("postgres", "app", "app"), pid);
            assertEquals(
                    direct.getSQLState(),
                    e.getSQLState(),
                    "as without pgloom: " + direct.getMessage() + " / " + e.getMessage());
            assertTrue(e.getSQLState().equals("08006") || e.getSQLState().equals(KILLED), e.getMessage());
            assertEquals(
                    0, count("SELECT count(*) FROM kill_t WHERE marker = 'mid_copy'"), "no row of the COPY arrived");
            assertNextClientServedCleanly(p, pid[0], threadsBefore);
        }
    }

    @Test
    void killedMidLargeResultTheClientGetsPostgresFatal() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PG, "transaction");
                ExecutorService ex = Executors.newSingleThreadExecutor()) {
            int threadsBefore = ProcessCensus.pgloomThreads();
            int pid;
            try (Connection c = p.connect("postgres", "app", "app")) {
                // Rows come slowly (PostgreSQL flushes every 8 KB), so the kill lands while the result is streaming.
                Future<Integer> rows = ex.submit(() -> {
                    int n = 0;
                    try (ResultSet rs = c.createStatement()
                            .executeQuery(
                                    "SELECT g, pg_sleep(0.0005) FROM generate_series(1, 100000) AS g -- mid_result")) {
                        while (rs.next()) n++;
                    }
                    return n;
                });
                int[] found = {0};
                Await.until(() -> (found[0] = backendRunning("-- mid_result")) != 0, 20, "the query to run");
                pid = found[0];
                Await.until(
                        () -> p.pgloom()
                                        .runtime()
                                        .metrics
                                        .bytes
                                        .labels("postgres", "app", "server_to_client")
                                        .get()
                                > 8192,
                        20,
                        "rows to be flowing to the client");
                kill(pid);
                ExecutionException e = assertThrows(ExecutionException.class, () -> rows.get(30, TimeUnit.SECONDS));
                assertKilled((SQLException) e.getCause());
            }
            assertNextClientServedCleanly(p, pid, threadsBefore);
        }
    }
}
