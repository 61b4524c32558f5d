// Correctness under concurrency: 200 clients over 10 server connections in transaction mode, mixing simple,
// extended, prepared, pipelined and explicit-transaction work; every client reads back only what it wrote.
// Bounded in time (pgloom.stress.seconds, default 20).
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.PostgresFixture;
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
        try (Connection c = pg.connect("app", "app", "app"); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS stress_t");
            st.execute("CREATE TABLE stress_t (client int, n int, payload text)");
        }
        int clients = Integer.getInteger("pgloom.stress.clients", 200);
        int servers = Integer.getInteger("pgloom.stress.servers", 10);
        long seconds = Long.getLong("pgloom.stress.seconds", 20);
        int threadsBefore = Thread.activeCount();
        AtomicLong transactions = new AtomicLong();
        try (ProxyHarness proxy = ProxyHarness.start(pg, "transaction", "default_pool_size = " + servers
                + "\nmax_client_conn = " + (clients + 100) + "\nquery_wait_timeout = 60", "");
             ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
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
            proxy.pgloom().runtime().pools.snapshots().forEach(s ->
                    assertTrue(s.total() <= s.size(), "pool " + s.key() + " holds " + s.total() + " of " + s.size()));
            io.pgloom.testkit.Await.until(() -> proxy.pgloom().runtime().sessionCount() == 0, 30, "every session to end");
            io.pgloom.testkit.Await.until(() -> Thread.activeCount() <= threadsBefore + 8, 30, "threads back near the start");
        }
    }

    private static Integer runClient(ProxyHarness proxy, int id, long deadline, AtomicLong transactions) throws Exception {
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
                             PreparedStatement q = c.prepareStatement("SELECT count(*) FROM stress_t WHERE client = ?")) {
                            ps.setInt(1, id);
                            ps.setInt(2, written);
                            ps.setString(3, "p" + id + "-" + written);
                            ps.executeUpdate();
                            q.setInt(1, id);
                            try (ResultSet rs = q.executeQuery()) {
                                rs.next();
                                assertEquals(written + 1, rs.getInt(1), "client " + id + " sees its own uncommitted row");
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
