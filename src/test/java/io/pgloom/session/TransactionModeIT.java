// Transaction pooling end to end with pgjdbc against real PostgreSQL: many clients over few servers, pipelines,
// errors inside pipelines and transactions, COPY, multi-statement queries, and named prepared statements that
// keep working whichever server a transaction lands on.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.session.txn.SessionStateDetector;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

class TransactionModeIT {
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.shared();
        proxy = ProxyHarness.start(
                pg, "transaction", "max_prepared_statements = 4\nmax_client_conn = 400", """
                [databases.one]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                pool_size = 1
                """.formatted(pg.port()));
        try (Connection c = pg.connect("app", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS tx_t");
            st.execute("CREATE TABLE tx_t (client int, k int, v text)");
        }
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    private static Connection connect(String prepareThreshold) throws SQLException {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", prepareThreshold);
        return proxy.connect("app", "app", "app", p);
    }

    /** Ten times more clients than servers, each reading back only what it wrote, with server-side prepares. */
    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "5"})
    void manyClientsShareFewServers(String prepareThreshold) throws Exception {
        int clients = 100;
        Set<Integer> pids = ConcurrentHashMap.newKeySet();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                final int id = i + 1000 * Integer.parseInt(prepareThreshold);
                fs.add(ex.submit(() -> {
                    try (Connection c = connect(prepareThreshold)) {
                        int ok = 0;
                        for (int k = 0; k < 15; k++) {
                            try (PreparedStatement ps = c.prepareStatement("SELECT ?::int * 2, pg_backend_pid()")) {
                                ps.setInt(1, id * 100 + k);
                                try (ResultSet rs = ps.executeQuery()) {
                                    rs.next();
                                    assertEquals((id * 100 + k) * 2, rs.getInt(1));
                                    pids.add(rs.getInt(2));
                                }
                            }
                            c.setAutoCommit(false);
                            try (PreparedStatement ins = c.prepareStatement("INSERT INTO tx_t VALUES (?, ?, ?)")) {
                                ins.setInt(1, id);
                                ins.setInt(2, k);
                                ins.setString(3, "v" + id + "-" + k);
                                ins.executeUpdate();
                            }
                            c.commit();
                            c.setAutoCommit(true);
                            ok++;
                        }
                        try (PreparedStatement q = c.prepareStatement(
                                "SELECT count(*), string_agg(v, ',' ORDER BY k) FROM tx_t WHERE client = ?")) {
                            q.setInt(1, id);
                            try (ResultSet rs = q.executeQuery()) {
                                rs.next();
                                assertEquals(15, rs.getInt(1));
                                StringBuilder want = new StringBuilder();
                                for (int k = 0; k < 15; k++)
                                    want.append(k == 0 ? "" : ",")
                                            .append("v")
                                            .append(id)
                                            .append('-')
                                            .append(k);
                                assertEquals(want.toString(), rs.getString(2));
                            }
                        }
                        return ok;
                    }
                }));
            }
            for (Future<Integer> f : fs) assertEquals(15, f.get(180, TimeUnit.SECONDS));
        }
        assertTrue(pids.size() <= 10, "at most default_pool_size servers were used: " + pids.size());
    }

    @Test
    void namedStatementsFollowTheClientAcrossServersWithEviction() throws Exception {
        // max_prepared_statements = 4: twelve distinct statements cycle through the LRU on every server.
        try (Connection c = connect("1")) {
            Set<Integer> pids = new HashSet<>();
            for (int round = 0; round < 5; round++) {
                for (int s = 0; s < 12; s++) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT ?::int + " + s + ", pg_backend_pid()")) {
                        ps.setInt(1, round);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertEquals(round + s, rs.getInt(1));
                            pids.add(rs.getInt(2));
                        }
                    }
                }
                // Occupy servers from other clients so the next round may land elsewhere.
                try (Connection o = connect("0");
                        Connection o2 = connect("0")) {
                    o.setAutoCommit(false);
                    o2.setAutoCommit(false);
                    o.createStatement().execute("SELECT 1");
                    o2.createStatement().execute("SELECT 1");
                    try (PreparedStatement ps = c.prepareStatement("SELECT ?::int + 100")) {
                        ps.setInt(1, round);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertEquals(round + 100, rs.getInt(1));
                        }
                    }
                    o.rollback();
                    o2.rollback();
                }
            }
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT count(*) FILTER (WHERE name LIKE 'pgloom_%'), count(*) FROM pg_prepared_statements")) {
                rs.next();
                assertTrue(rs.getInt(1) > 0, "statements live on the server under pgloom's names");
                assertTrue(rs.getInt(2) <= 4, "max_prepared_statements bounds each server: " + rs.getInt(2));
            }
        }
    }

    @Test
    void pipelinedBatchesAndAnErrorInTheMiddle() throws Exception {
        try (Connection c = connect("1")) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tx_t VALUES (?, ?, 'batch')")) {
                for (int i = 0; i < 200; i++) {
                    ps.setInt(1, -1);
                    ps.setInt(2, i);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                assertEquals(200, counts.length);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tx_t VALUES (?, 10 / ?, 'bad')")) {
                for (int i = 0; i < 20; i++) {
                    ps.setInt(1, -2);
                    ps.setInt(2, i == 10 ? 0 : 1);
                    ps.addBatch();
                }
                BatchUpdateException e = assertThrows(BatchUpdateException.class, ps::executeBatch);
                assertEquals("22012", e.getSQLState(), "division_by_zero");
            }
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM tx_t WHERE client = -1")) {
                rs.next();
                assertEquals(200, rs.getInt(1), "the connection works after the failed pipeline");
            }
        }
    }

    @Test
    void failedTransactionKeepsItsServerUntilRollback() throws Exception {
        try (Connection a = proxy.connect("one", "app", "app");
                Connection b = proxy.connect("one", "app", "app")) {
            a.setAutoCommit(false);
            int pidA;
            try (Statement st = a.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pidA = rs.getInt(1);
            }
            assertThrows(SQLException.class, () -> a.createStatement().execute("SELECT 1/0"));
            SQLException aborted =
                    assertThrows(SQLException.class, () -> a.createStatement().execute("SELECT 1"));
            assertEquals("25P02", aborted.getSQLState(), "still in the failed transaction on the same server");
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> waiting = ex.submit(() -> {
                    try (Statement st = b.createStatement();
                            ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
                assertThrows(
                        java.util.concurrent.TimeoutException.class,
                        () -> waiting.get(500, TimeUnit.MILLISECONDS),
                        "pool_size = 1: the other client waits while the failed transaction holds the server");
                a.rollback();
                assertEquals(
                        pidA,
                        waiting.get(20, TimeUnit.SECONDS),
                        "after ROLLBACK the same server serves the other client");
            } finally {
                ex.shutdownNow();
            }
        }
    }

    @Test
    void multiStatementSimpleQueryWithTransactionInside() throws Exception {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", "simple");
        try (Connection c = proxy.connect("app", "app", "app", p);
                Statement st = c.createStatement()) {
            st.execute(
                    "BEGIN; INSERT INTO tx_t VALUES (-3, 1, 'multi'); INSERT INTO tx_t VALUES (-3, 2, 'multi'); COMMIT");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM tx_t WHERE client = -3")) {
                rs.next();
                assertEquals(2, rs.getInt(1));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void copyInsideAndOutsideTransactions(boolean explicitTransaction) throws Exception {
        int rows = 50_000;
        StringBuilder sb = new StringBuilder();
        int client = explicitTransaction ? -4 : -5;
        for (int i = 0; i < rows; i++)
            sb.append(client).append('\t').append(i).append("\tc").append(i).append('\n');
        byte[] data = sb.toString().getBytes(StandardCharsets.UTF_8);
        try (Connection c = connect("1")) {
            c.setAutoCommit(!explicitTransaction);
            var cm = c.unwrap(PGConnection.class).getCopyAPI();
            assertEquals(rows, cm.copyIn("COPY tx_t FROM STDIN", new ByteArrayInputStream(data)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(
                    rows,
                    cm.copyOut("COPY (SELECT * FROM tx_t WHERE client = " + client + " ORDER BY k) TO STDOUT", out));
            assertArrayEquals(data, out.toByteArray());
            if (explicitTransaction) c.commit();
        }
    }

    @Test
    void sessionStateIsDetectedAndCountedButSetLocalIsFine() throws Exception {
        long setBefore = SessionStateDetector.count("app", SessionStateDetector.Kind.SET);
        long listenBefore = SessionStateDetector.count("app", SessionStateDetector.Kind.LISTEN);
        long lockBefore = SessionStateDetector.count("app", SessionStateDetector.Kind.ADVISORY_LOCK);
        try (Connection c = connect("0");
                Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL statement_timeout = 5000");
            c.commit();
            assertEquals(
                    setBefore, SessionStateDetector.count("app", SessionStateDetector.Kind.SET), "SET LOCAL is fine");
            c.setAutoCommit(true);
            st.execute("SET statement_timeout = 5000"); // carried by pgloom (SettingsIsolationIT): not counted
            st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
            st.execute("LISTEN some_channel");
            st.execute("SELECT pg_advisory_lock(4242)");
            st.execute("SELECT pg_advisory_unlock(4242)");
        }
        assertEquals(setBefore + 1, SessionStateDetector.count("app", SessionStateDetector.Kind.SET));
        assertEquals(listenBefore + 1, SessionStateDetector.count("app", SessionStateDetector.Kind.LISTEN));
        assertEquals(lockBefore + 1, SessionStateDetector.count("app", SessionStateDetector.Kind.ADVISORY_LOCK));
    }

    @Test
    void startupSettingsHoldOnEveryServerTheClientLandsOn() throws Exception {
        Properties a = new Properties();
        a.setProperty("options", "-c TimeZone=Asia/Tokyo -c search_path=pg_catalog");
        a.setProperty("ApplicationName", "client-a");
        Properties b = new Properties();
        b.setProperty("options", "-c TimeZone=America/Lima");
        b.setProperty("ApplicationName", "client-b");
        // database "one" has a single server: both clients alternate on it.
        try (Connection ca = proxy.connect("one", "app", "app", a);
                Connection cb = proxy.connect("one", "app", "app", b)) {
            for (int i = 0; i < 5; i++) {
                try (ResultSet rs = ca.createStatement()
                        .executeQuery(
                                "SELECT current_setting('TimeZone'), current_setting('search_path'), current_setting('application_name')")) {
                    rs.next();
                    assertEquals("Asia/Tokyo", rs.getString(1));
                    assertEquals("pg_catalog", rs.getString(2));
                    assertEquals("client-a", rs.getString(3));
                }
                try (ResultSet rs = cb.createStatement()
                        .executeQuery(
                                "SELECT current_setting('TimeZone'), current_setting('search_path'), current_setting('application_name')")) {
                    rs.next();
                    assertEquals("America/Lima", rs.getString(1));
                    assertTrue(rs.getString(2).contains("public"), rs.getString(2));
                    assertEquals("client-b", rs.getString(3));
                }
            }
            // A SET of a carried setting follows the client too.
            ca.createStatement().execute("SET TimeZone = 'Europe/Paris'");
            cb.createStatement().execute("SELECT 1");
            try (ResultSet rs = ca.createStatement().executeQuery("SELECT current_setting('TimeZone')")) {
                rs.next();
                assertEquals("Europe/Paris", rs.getString(1));
            }
        }
    }

    @Test
    void cancelReachesTheLinkedServer() throws Exception {
        try (Connection c = connect("0");
                Statement st = c.createStatement()) {
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<?> f = ex.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    try (Connection su = pg.superuser();
                            Statement s2 = su.createStatement()) {
                        while (System.nanoTime() < deadline) {
                            try (ResultSet rs = s2.executeQuery(
                                    "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)' AND state = 'active'")) {
                                rs.next();
                                if (rs.getInt(1) > 0) {
                                    st.cancel();
                                    return null;
                                }
                            }
                        }
                    }
                    throw new AssertionError("query never started");
                });
                SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(20)"));
                assertEquals("57014", e.getSQLState());
                f.get(20, TimeUnit.SECONDS);
            } finally {
                ex.shutdownNow();
            }
        }
    }

    /**
     * An operator's KILL_CLIENT reaches a client whose query is running (its thread waits for the server's reply):
     * the client gets 57P01 at once, and the pool's only server slot is free for the next client.
     */
    @Test
    void killingAClientWithARunningQueryFreesItsServerAtOnce() throws Exception {
        try (Connection victim = proxy.connect("one", "app", "app");
                Connection next = proxy.connect("one", "app", "app");
                ExecutorService ex = Executors.newSingleThreadExecutor()) {
            Future<?> sleeping = ex.submit(() -> {
                victim.createStatement().execute("SELECT pg_sleep(30)");
                return null;
            });
            String id = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (id == null && System.nanoTime() < deadline) {
                id = proxy.pgloom().runtime().clientRows().stream()
                        .filter(r -> r.database().equals("one") && r.state().equals("active"))
                        .map(r -> r.id())
                        .findFirst()
                        .orElse(null);
                if (id == null) Thread.sleep(20);
            }
            assertTrue(id != null, "the sleeping client shows as active");
            long t0 = System.nanoTime();
            assertTrue(proxy.pgloom().runtime().killClient(id));
            var e = assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> sleeping.get(10, TimeUnit.SECONDS));
            assertTrue(
                    e.getCause() instanceof SQLException sql && "57P01".equals(sql.getSQLState()),
                    e.getCause().toString());
            try (ResultSet rs = next.createStatement().executeQuery("SELECT 42")) {
                rs.next();
                assertEquals(42, rs.getInt(1));
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "served long before the sleep would end");
        }
    }
}
