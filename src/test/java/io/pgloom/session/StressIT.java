// Correctness under concurrency: 200 clients over 10 server connections in transaction mode, mixing simple,
// extended, prepared, pipelined and explicit-transaction work; every client reads back only what it wrote.
// Bounded in time (pgloom.stress.seconds, default 20; make soak: 500 clients, 20 servers, 120 s). Then the leak
// checks: no server beyond the pools (pgloom's count, SHOW SERVERS and PostgreSQL's agree), every session ended,
// pgloom's threads (virtual ones included) back to their count before the load, the heap back near its start.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProcessCensus;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class StressIT {
    @Test
    void twoHundredClientsOverTenServers() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection c = pg.connect("app", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS stress_t");
            st.execute("CREATE TABLE stress_t (client int, n int, payload text)");
        }
        int clients = Integer.getInteger("pgloom.stress.clients", 200);
        int servers = Integer.getInteger("pgloom.stress.servers", 10);
        long seconds = Long.getLong("pgloom.stress.seconds", 20);
        int threadsBefore = Thread.activeCount();
        AtomicLong transactions = new AtomicLong();
        try (ProxyHarness proxy = ProxyHarness.start(
                        pg,
                        "transaction",
                        "default_pool_size = " + servers + "\nmax_client_conn = " + (clients + 100)
                                + "\nquery_wait_timeout = 60",
                        "");
                ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            int pgloomThreadsBefore = ProcessCensus.pgloomThreads();
            long heapBefore = ProcessCensus.heapAfterGc();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                final int id = i;
                fs.add(ex.submit(() -> runClient(proxy, id, deadline, transactions)));
            }
            int total = 0;
            for (Future<Integer> f : fs) total += f.get(seconds + 120, TimeUnit.SECONDS);
            assertTrue(total > clients, "work was done: " + total);
            System.out.printf("stress: %d clients, %d transactions in %d s%n", clients, transactions.get(), seconds);
            // No leaked server connections: the pools hold at most their size; every session ended; no platform
            // threads left behind (virtual threads are not counted by activeCount).
            var runtime = proxy.pgloom().runtime();
            runtime.pools
                    .snapshots()
                    .forEach(s -> assertTrue(
                            s.total() <= s.size(), "pool " + s.key() + " holds " + s.total() + " of " + s.size()));
            Await.until(() -> runtime.sessionCount() == 0, 30, "every session to end");
            int pooled =
                    runtime.pools.snapshots().stream().mapToInt(s -> s.total()).sum();
            assertEquals(pooled, runtime.serverRows().size(), "SHOW SERVERS lists exactly the pools' servers");
            Await.until(
                    () -> backendsOf(pg, "app") == pooled,
                    30,
                    "PostgreSQL to have exactly the pools' " + pooled + " servers, no stray ones");
            Await.until(() -> Thread.activeCount() <= threadsBefore + 8, 30, "platform threads back near the start");
            Await.until(
                    () -> ProcessCensus.pgloomThreads() <= pgloomThreadsBefore,
                    30,
                    "pgloom's threads back to " + pgloomThreadsBefore + " (virtual ones included)");
            long heapGrowth = ProcessCensus.heapAfterGc() - heapBefore;
            System.out.printf("stress: heap after the load %+d KiB, %d servers pooled%n", heapGrowth / 1024, pooled);
            assertTrue(heapGrowth < 32L << 20, "heap back near its start after GC: +" + heapGrowth / 1024 + " KiB");
        }
        Await.until(() -> backendsOf(pg, "app") == 0, 30, "every server connection closed with pgloom");
    }

    /** Client backends of a user in PostgreSQL: pgloom's servers (the test's own checks log in as the superuser). */
    private static int backendsOf(PostgresFixture pg, String user) throws java.sql.SQLException {
        try (Connection su = pg.superuser();
                ResultSet rs = su.createStatement()
                        .executeQuery(
                                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = '"
                                        + user + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Integer runClient(ProxyHarness proxy, int id, long deadline, AtomicLong transactions)
            throws Exception {
        Properties p = new Properties();
        switch (id % 4) {
            case 0 -> p.setProperty("preferQueryMode", "simple");
            case 1 -> p.setProperty("prepareThreshold", "0");
            default -> p.setProperty("prepareThreshold", "1");
        }
        int written = 0;
        try (Connection c = proxy.connect("app", "app", "app", p)) {
            int round = 0;
            while (System.nanoTime() < deadline) {
                switch (round++ % 4) {
                    case 0 -> { // single statement, autocommit
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO stress_t VALUES (?, ?, ?)")) {
                            ps.setInt(1, id);
                            ps.setInt(2, written);
                            ps.setString(3, "p" + id + "-" + written);
                            ps.executeUpdate();
                            written++;
                        }
                    }
                    case 1 -> { // pipelined batch
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO stress_t VALUES (?, ?, ?)")) {
                            for (int k = 0; k < 5; k++) {
                                ps.setInt(1, id);
                                ps.setInt(2, written + k);
                                ps.setString(3, "p" + id + "-" + (written + k));
                                ps.addBatch();
                            }
                            ps.executeBatch();
                            written += 5;
                        }
                    }
                    case 2 -> { // explicit transaction with a read of our own writes
                        c.setAutoCommit(false);
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO stress_t VALUES (?, ?, ?)");
                                PreparedStatement q =
                                        c.prepareStatement("SELECT count(*) FROM stress_t WHERE client = ?")) {
                            ps.setInt(1, id);
                            ps.setInt(2, written);
                            ps.setString(3, "p" + id + "-" + written);
                            ps.executeUpdate();
                            q.setInt(1, id);
                            try (ResultSet rs = q.executeQuery()) {
                                rs.next();
                                assertEquals(
                                        written + 1, rs.getInt(1), "client " + id + " sees its own uncommitted row");
                            }
                            c.commit();
                            written++;
                        } finally {
                            c.setAutoCommit(true);
                        }
                    }
                    default -> { // read back everything this client wrote
                        try (PreparedStatement q = c.prepareStatement(
                                "SELECT count(*), count(DISTINCT n), bool_and(payload = 'p' || client || '-' || n) FROM stress_t WHERE client = ?")) {
                            q.setInt(1, id);
                            try (ResultSet rs = q.executeQuery()) {
                                rs.next();
                                assertEquals(written, rs.getInt(1), "client " + id + " row count");
                                assertEquals(written, rs.getInt(2));
                                assertTrue(written == 0 || rs.getBoolean(3), "payloads intact");
                            }
                        }
                    }
                }
                transactions.incrementAndGet();
            }
        }
        return written;
    }
}
