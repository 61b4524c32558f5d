// pgjdbc settings TransactionModeIT does not cover, in transaction mode with 10x more clients than servers: forced
// binary (prepareThreshold=-1), reWriteBatchedInserts, autosave (always: savepoints; conservative: a table changing
// shape under a cached plan), statement caches larger than max_prepared_statements.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PgjdbcVariantsIT {
    private static final int CLIENTS = DriverTestbed.CLIENTS;
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.shared();
        proxy = DriverTestbed.start();
        DriverTestbed.freshTable("jdbc_v");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    private static Connection connect(String... keyValues) throws SQLException {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) p.setProperty(keyValues[i], keyValues[i + 1]);
        return proxy.connect("app", "app", "app", p);
    }

    /** Runs the body for CLIENTS clients at once; any failure fails the test. */
    private interface ClientBody {
        void run(int client) throws Exception;
    }

    private static void concurrently(ClientBody body) throws Exception {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int id = i;
                fs.add(ex.submit(() -> {
                    body.run(id);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(120, TimeUnit.SECONDS);
        }
    }

    @Test
    void forcedBinaryTransfer() throws Exception {
        concurrently(id -> {
            try (Connection c = connect("prepareThreshold", "-1")) {
                for (int k = 0; k < 10; k++) {
                    try (PreparedStatement ps =
                            c.prepareStatement("SELECT ?::int8 * 3, ?::numeric + 1, ?::timestamptz, "
                                    + "?::date, ?::uuid, ?::bytea, ARRAY[?::int4, ?::int4], ?::text || '!'")) {
                        long big = 1_000_000_000L * id + k;
                        OffsetDateTime at = OffsetDateTime.of(2024, 1 + k, 1 + id, 12, 30, 0, 0, ZoneOffset.UTC);
                        UUID u = new UUID(id, k);
                        byte[] bytes = {(byte) id, (byte) k, 0, -1};
                        ps.setLong(1, big);
                        ps.setBigDecimal(2, new BigDecimal("12.345"));
                        ps.setObject(3, at);
                        ps.setObject(4, LocalDate.of(2000 + id, 1 + k, 28));
                        ps.setObject(5, u);
                        ps.setBytes(6, bytes);
                        ps.setInt(7, id);
                        ps.setInt(8, k);
                        ps.setString(9, "c" + id);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertEquals(big * 3, rs.getLong(1));
                            assertEquals(new BigDecimal("13.345"), rs.getBigDecimal(2));
                            assertEquals(
                                    at.toInstant(),
                                    rs.getObject(3, OffsetDateTime.class).toInstant());
                            assertEquals(LocalDate.of(2000 + id, 1 + k, 28), rs.getObject(4, LocalDate.class));
                            assertEquals(u, rs.getObject(5, UUID.class));
                            assertArrayEquals(bytes, rs.getBytes(6));
                            assertArrayEquals(new Integer[] {id, k}, (Integer[])
                                    rs.getArray(7).getArray());
                            assertEquals("c" + id + "!", rs.getString(8));
                        }
                    }
                }
            }
        });
    }

    @Test
    void rewrittenBatchInserts() throws Exception {
        concurrently(id -> {
            int client = 1000 + id;
            try (Connection c = connect("reWriteBatchedInserts", "true", "prepareThreshold", "1")) {
                int n = 0;
                // Batch sizes 1..17: pgjdbc rewrites each into multi-row INSERTs of different shapes.
                for (int size = 1; size <= 17; size++) {
                    c.setAutoCommit(size % 2 == 0);
                    try (PreparedStatement ps =
                            c.prepareStatement("INSERT INTO jdbc_v (client, n, note) VALUES (?, ?, ?)")) {
                        for (int i = 0; i < size; i++, n++) {
                            ps.setInt(1, client);
                            ps.setInt(2, n);
                            ps.setString(3, "b" + n);
                            ps.addBatch();
                        }
                        int total = 0;
                        for (int r : ps.executeBatch()) total += r == Statement.SUCCESS_NO_INFO ? 1 : r;
                        assertEquals(size, total, "rows reported for a batch of " + size);
                    }
                    if (!c.getAutoCommit()) c.commit();
                }
                c.setAutoCommit(true);
                try (PreparedStatement q = c.prepareStatement(
                        "SELECT count(*), count(DISTINCT n), bool_and(note = 'b' || n) FROM jdbc_v WHERE client = ?")) {
                    q.setInt(1, client);
                    try (ResultSet rs = q.executeQuery()) {
                        rs.next();
                        assertEquals(n, rs.getInt(1));
                        assertEquals(n, rs.getInt(2));
                        assertTrue(rs.getBoolean(3));
                    }
                }
            }
        });
    }

    @Test
    void autosaveAlwaysRollsBackToItsSavepoints() throws Exception {
        concurrently(id -> {
            int client = 2000 + id;
            try (Connection c = connect("autosave", "always", "prepareThreshold", "1")) {
                c.setAutoCommit(false);
                for (int k = 0; k < 5; k++) {
                    try (PreparedStatement ins =
                            c.prepareStatement("INSERT INTO jdbc_v (client, n, note) VALUES (?, ?, 'kept')")) {
                        ins.setInt(1, client);
                        ins.setInt(2, k);
                        ins.executeUpdate();
                    }
                    // A failing statement: pgjdbc rolls back to its automatic savepoint, the transaction lives on.
                    try (PreparedStatement bad = c.prepareStatement("SELECT 1 / ?")) {
                        bad.setInt(1, 0);
                        SQLException e =
                                org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, bad::executeQuery);
                        assertEquals("22012", e.getSQLState());
                    }
                }
                c.commit();
                try (PreparedStatement q =
                        c.prepareStatement("SELECT count(*) FROM jdbc_v WHERE client = ? AND note = 'kept'")) {
                    q.setInt(1, client);
                    try (ResultSet rs = q.executeQuery()) {
                        rs.next();
                        assertEquals(5, rs.getInt(1), "every insert survived the failed statements after it");
                    }
                }
                c.commit();
            }
        });
    }

    @Test
    void schemaChangeUnderACachedPlanIsRetriedByAutosave() throws Exception {
        try (Connection c = pg.connect("app", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS jdbc_shape");
            st.execute("CREATE TABLE jdbc_shape (a int)");
            st.execute("INSERT INTO jdbc_shape VALUES (1)");
        }
        // One server for the four clients, so each client's statement is on it before the change: a server that
        // never had the statement would prepare it afresh with the new shape, and pgjdbc, which described the old
        // one, would read rows it has the wrong description for (a known gap: issue 15's note; PostgreSQL itself
        // raises 0A000 there). This test is about the 0A000 path: pgloom drops the stale name, pgjdbc re-prepares.
        Properties autosave = new Properties();
        autosave.setProperty("autosave", "conservative");
        autosave.setProperty("prepareThreshold", "1");
        List<Connection> clients = new ArrayList<>();
        try (ProxyHarness oneServer = ProxyHarness.start(
                PostgresFixture.shared(), "transaction", "default_pool_size = 1\nquery_wait_timeout = 60", "")) {
            try {
                for (int i = 0; i < 4; i++) clients.add(oneServer.connect("app", "app", "app", autosave));
                for (Connection c : clients) assertEquals(1, columns(c), "before the change");
                try (Connection owner = pg.connect("app", "app", "app");
                        Statement st = owner.createStatement()) {
                    st.execute("ALTER TABLE jdbc_shape ADD COLUMN b int DEFAULT 7");
                }
                // PostgreSQL refuses the old plan (0A000 cached plan must not change result type); pgjdbc
                // re-prepares.
                for (int round = 0; round < 3; round++) {
                    for (Connection c : clients) assertEquals(2, columns(c), "after the change, round " + round);
                }
            } finally {
                for (Connection c : clients) c.close();
            }
        }
    }

    private static int columns(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM jdbc_shape WHERE a = ?")) {
            ps.setInt(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getMetaData().getColumnCount();
            }
        } finally {
            c.commit();
            c.setAutoCommit(true);
        }
    }

    @Test
    void fetchSizeReadsThroughPortalsInsideTransactions() throws Exception {
        concurrently(id -> {
            try (Connection c = connect("prepareThreshold", "1", "defaultRowFetchSize", "7")) {
                c.setAutoCommit(false);
                for (int round = 0; round < 3; round++) {
                    try (PreparedStatement ps =
                            c.prepareStatement("SELECT g, ?::int * g FROM generate_series(1, 100) g")) {
                        ps.setInt(1, id + round);
                        try (ResultSet rs = ps.executeQuery()) {
                            int n = 0;
                            while (rs.next()) {
                                n++;
                                assertEquals(n, rs.getInt(1));
                                assertEquals((id + round) * n, rs.getInt(2));
                            }
                            assertEquals(100, n, "every row came, seven at a time");
                        }
                    }
                    c.commit();
                }
            }
        });
    }

    @Test
    void statementCachesLargerThanMaxPreparedStatements() throws Exception {
        // 30 distinct statements per client through pgjdbc caches of 8 (it closes what it evicts) and pgloom's
        // max_prepared_statements = 5 per server (pgloom closes what it evicts).
        concurrently(id -> {
            try (Connection c = connect("prepareThreshold", "1", "preparedStatementCacheQueries", "8")) {
                for (int round = 0; round < 3; round++) {
                    for (int s = 0; s < 30; s++) {
                        try (PreparedStatement ps = c.prepareStatement("SELECT ?::int * " + (s + 1) + ", ?::text")) {
                            ps.setInt(1, id * 100 + round);
                            ps.setString(2, "c" + id);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                assertEquals((id * 100 + round) * (s + 1), rs.getInt(1));
                                assertEquals("c" + id, rs.getString(2));
                            }
                        }
                    }
                }
            }
        });
        try (Connection c = connect();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_prepared_statements")) {
            rs.next();
            assertTrue(rs.getInt(1) <= 5, "max_prepared_statements bounds each server: " + rs.getInt(1));
        }
    }
}
