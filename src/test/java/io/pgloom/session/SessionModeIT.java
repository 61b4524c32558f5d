// Session pooling end to end: pgjdbc through pgloom against a real PostgreSQL (simple and extended protocol,
// server-side prepares, COPY both ways, LISTEN/NOTIFY, large results, cancel, backend loss, concurrency).
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

class SessionModeIT {
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.shared();
        proxy = ProxyHarness.start(pg, "session", "max_client_conn = 300", """
                [databases.trustdb]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                user = "trust_user"
                """.formatted(pg.port()));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    @Test
    void simpleAndExtendedQueries() throws Exception {
        try (Connection c = proxy.app();
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 + 1, current_user, current_database()")) {
                assertTrue(rs.next());
                assertEquals(2, rs.getInt(1));
                assertEquals("app", rs.getString(2));
                assertEquals("app", rs.getString(3));
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ?::int * 3, ?::text || '!'")) {
                ps.setInt(1, 14);
                ps.setString(2, "hello");
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getInt(1));
                    assertEquals("hello!", rs.getString(2));
                }
            }
        }
    }

    @Test
    void serverSidePreparedStatementsAreReused() throws Exception {
        Properties p = new Properties();
        p.setProperty("prepareThreshold", "1");
        try (Connection c = proxy.connect("app", "app", "app", p);
                PreparedStatement ps = c.prepareStatement("SELECT ?::int + 100")) {
            for (int i = 0; i < 20; i++) {
                ps.setInt(1, i);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(100 + i, rs.getInt(1));
                }
            }
            assertTrue(
                    ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare(), "statement was server-prepared");
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + 100%'")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1), "one named statement on the server");
            }
        }
    }

    @Test
    void copyInAndOutOfManyRowsIsIntact() throws Exception {
        int rows = 120_000;
        StringBuilder sb = new StringBuilder(rows * 24);
        for (int i = 0; i < rows; i++)
            sb.append(i).append('\t').append("row-").append(i * 7).append('\n');
        byte[] input = sb.toString().getBytes(StandardCharsets.UTF_8);
        try (Connection c = proxy.app();
                Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE copy_t (id int, v text)");
            CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
            long in = cm.copyIn("COPY copy_t FROM STDIN", new ByteArrayInputStream(input));
            assertEquals(rows, in);
            ByteArrayOutputStream out = new ByteArrayOutputStream(input.length);
            long outRows = cm.copyOut("COPY (SELECT * FROM copy_t ORDER BY id) TO STDOUT", out);
            assertEquals(rows, outRows);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            assertArrayEquals(
                    md.digest(input),
                    MessageDigest.getInstance("SHA-256").digest(out.toByteArray()),
                    "COPY OUT returns exactly what COPY IN sent");
        }
    }

    @Test
    void listenNotifyDeliversAsynchronously() throws Exception {
        try (Connection listener = proxy.app();
                Connection notifier = proxy.app()) {
            try (Statement st = listener.createStatement()) {
                st.execute("LISTEN pgloom_chan");
            }
            try (Statement st = notifier.createStatement()) {
                st.execute("NOTIFY pgloom_chan, 'hello-through-proxy'");
            }
            PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(10_000);
            assertNotNull(got, "notification arrived");
            assertEquals(1, got.length);
            assertEquals("pgloom_chan", got[0].getName());
            assertEquals("hello-through-proxy", got[0].getParameter());
        }
    }

    @Test
    void tenMegabyteResultArrivesIntact() throws Exception {
        try (Connection c = proxy.app();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT repeat(md5(g::text), 1000) FROM generate_series(1, 330) g")) {
            MessageDigest viaProxy = MessageDigest.getInstance("SHA-256");
            long bytes = 0;
            int n = 0;
            while (rs.next()) {
                byte[] b = rs.getString(1).getBytes(StandardCharsets.UTF_8);
                viaProxy.update(b);
                bytes += b.length;
                n++;
            }
            assertEquals(330, n);
            assertTrue(bytes >= 10_000_000, "at least 10 MB came through: " + bytes);
            MessageDigest local = MessageDigest.getInstance("SHA-256");
            for (int g = 1; g <= 330; g++) {
                String md5 = hex(MessageDigest.getInstance("MD5")
                        .digest(Integer.toString(g).getBytes(StandardCharsets.UTF_8)));
                local.update(md5.repeat(1000).getBytes(StandardCharsets.UTF_8));
            }
            assertArrayEquals(local.digest(), viaProxy.digest());
        }
        // A single value bigger than any buffer (streamed, not buffered whole).
        try (Connection c = proxy.app();
                PreparedStatement ps = c.prepareStatement("SELECT length(?::text), md5(?::text)")) {
            String big = "x".repeat(3_000_000) + "end";
            ps.setString(1, big);
            ps.setString(2, big);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                assertEquals(big.length(), rs.getInt(1));
                assertEquals(
                        hex(MessageDigest.getInstance("MD5").digest(big.getBytes(StandardCharsets.UTF_8))),
                        rs.getString(2));
            }
        }
    }

    @Test
    void cancelStopsALongQueryQuickly() throws Exception {
        try (Connection c = proxy.app();
                Statement st = c.createStatement()) {
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<?> canceller = ex.submit((Callable<Void>) () -> {
                    waitUntilRunning(c);
                    st.cancel();
                    return null;
                });
                long t0 = System.nanoTime();
                SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(30)"));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals("57014", e.getSQLState(), "query_canceled");
                assertTrue(ms < 10_000, "cancelled well before 30 s, took " + ms + " ms");
                canceller.get(10, TimeUnit.SECONDS);
            } finally {
                ex.shutdownNow();
            }
            try (ResultSet rs = st.executeQuery("SELECT 7")) {
                assertTrue(rs.next());
                assertEquals(7, rs.getInt(1), "session still usable after cancel");
            }
        }
    }

    /** Waits (with a deadline) until pg_sleep shows up as active in pg_stat_activity. */
    private static void waitUntilRunning(Connection unused) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Connection admin = pg.superuser();
                Statement st = admin.createStatement()) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'SELECT pg_sleep(30)'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) return;
                }
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("pg_sleep never started");
    }

    @Test
    void wrongPasswordIsRefusedWith28P01() {
        SQLException e = assertThrows(
                SQLException.class,
                () -> proxy.connect("app", "app", "not-the-password").close());
        assertEquals("28P01", e.getSQLState());
        SQLException unknown = assertThrows(
                SQLException.class,
                () -> proxy.connect("app", "nobody_here", "x").close());
        assertEquals("28P01", unknown.getSQLState(), "unknown user looks exactly like a wrong password");
    }

    @Test
    void unknownDatabaseIsRefusedWith3D000() {
        SQLException e = assertThrows(
                SQLException.class,
                () -> proxy.connect("no_such_db", "app", "app").close());
        assertEquals("3D000", e.getSQLState());
        assertTrue(e.getMessage().contains("no_such_db"));
    }

    @Test
    void everyBackendAuthMethodWorks() throws Exception {
        String[][] users = {{"scram_user", "scram_pw"}, {"md5_user", "md5_pw"}, {"plain_user", "plain_pw"}};
        for (String[] u : users) {
            try (Connection c = proxy.connect("app", u[0], u[1]);
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT current_user")) {
                assertTrue(rs.next());
                assertEquals(u[0], rs.getString(1));
            }
        }
        try (Connection c = proxy.connect("trustdb", "app", "app");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            assertTrue(rs.next());
            assertEquals("trust_user", rs.getString(1), "forced backend user over trust");
        }
    }

    @Test
    void terminatedBackendGivesAnErrorAndTheNextConnectionWorks() throws Exception {
        try (Connection c = proxy.app();
                Statement st = c.createStatement()) {
            int pid;
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            try (Connection admin = pg.superuser();
                    Statement ast = admin.createStatement()) {
                ast.execute("SELECT pg_terminate_backend(" + pid + ")");
            }
            SQLException e = assertThrows(SQLException.class, () -> st.executeQuery("SELECT 1"));
            assertNotNull(e.getSQLState());
        }
        try (Connection c = proxy.app();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT 5")) {
            assertTrue(rs.next());
            assertEquals(5, rs.getInt(1));
        }
    }

    @Test
    void hundredConcurrentClients() throws Exception {
        int clients = 100;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                final int id = i;
                results.add(ex.submit(() -> {
                    try (Connection c = proxy.app();
                            PreparedStatement ps = c.prepareStatement("SELECT ?::int * 2")) {
                        int sum = 0;
                        for (int k = 0; k < 20; k++) {
                            ps.setInt(1, id * 1000 + k);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                assertEquals((id * 1000 + k) * 2, rs.getInt(1));
                                sum++;
                            }
                        }
                        return sum;
                    }
                }));
            }
            for (Future<Integer> f : results) assertEquals(20, f.get(120, TimeUnit.SECONDS));
        }
    }

    @Test
    void sessionStateStaysWithTheClientAndIsResetForTheNext() throws Exception {
        try (Connection c = proxy.app();
                Statement st = c.createStatement()) {
            st.execute("SET search_path = pg_catalog, public");
            st.execute("SET application_name = 'first-client'");
            try (ResultSet rs = st.executeQuery("SHOW search_path")) {
                rs.next();
                assertEquals("pg_catalog, public", rs.getString(1));
            }
        }
        // The next client reuses the same server (pool of idle servers) after DISCARD ALL.
        for (int i = 0; i < 3; i++) {
            try (Connection c = proxy.app();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT current_setting('search_path'), current_setting('application_name')")) {
                rs.next();
                assertFalse(rs.getString(1).startsWith("pg_catalog"), "search_path was reset");
                assertFalse(rs.getString(2).equals("first-client"), "application_name was reset");
            }
        }
    }

    @Test
    void startupParametersAndOptionsReachTheServer() throws Exception {
        Properties p = new Properties();
        p.setProperty("options", "-c search_path=pg_catalog -c statement_timeout=12345");
        p.setProperty("ApplicationName", "pgloom-it");
        try (Connection c = proxy.connect("app", "app", "app", p);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT current_setting('search_path'), current_setting('statement_timeout'), current_setting('application_name')")) {
            rs.next();
            assertEquals("pg_catalog", rs.getString(1));
            assertEquals("12345ms", rs.getString(2));
            assertEquals("pgloom-it", rs.getString(3));
        }
    }

    @Test
    void sequentialClientsReuseTheSameServers() throws Exception {
        java.util.Set<Integer> pids = new java.util.HashSet<>();
        for (int i = 0; i < 30; i++) {
            try (Connection c = proxy.connect("trustdb", "app", "app");
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pids.add(rs.getInt(1));
            }
            // The reset query runs after the client left; the next client may arrive before it is answered and
            // then rightly gets another server. Wait for the hand-back so the test checks reuse, not that race.
            Await.until(
                    () -> proxy.pgloom().runtime().pools.all().stream()
                                    .filter(p -> p.key().database().equals("trustdb"))
                                    .mapToInt(io.pgloom.pool.ServerPool::activeServers)
                                    .sum()
                            == 0,
                    10,
                    "the server back in the pool after its reset");
        }
        assertTrue(
                pids.size() <= 2,
                "a clean server goes back to the pool, not closed: " + pids.size() + " backends used");
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }
}
