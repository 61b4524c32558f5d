// Pool limits and timeouts through pgloom against real PostgreSQL: max_db_connections, reserve_pool_size,
// min_pool_size, query_wait_timeout, idle_transaction_timeout and client_idle_timeout.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LimitsAndTimeoutsIT {
    static PostgresFixture pg;
    static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        pg = PostgresFixture.shared();
        proxy = ProxyHarness.start(pg, "transaction", "", """
                [databases.capped]
                host = "127.0.0.1"
                port = %1$d
                dbname = "app"
                user = "scram_user"
                password = "scram_pw"
                pool_size = 5
                max_db_connections = 2

                [databases.warm]
                host = "127.0.0.1"
                port = %1$d
                dbname = "postgres"
                user = "plain_user"
                password = "plain_pw"
                pool_size = 3
                min_pool_size = 2

                """.formatted(pg.port()));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    static int backends(String user, String db) throws SQLException {
        try (Connection su = pg.superuser();
                Statement st = su.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + user
                        + "' AND datname = '" + db + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static Await.Check quietly(java.util.concurrent.Callable<Boolean> c) {
        return c::call;
    }

    @Test
    void maxDbConnectionsCapsServersAcrossUsers() throws Exception {
        // Two client users share the database cap of 2 (their own pools allow 5 each).
        String[][] users = {{"app", "app"}, {"md5_user", "md5_pw"}, {"app", "app"}, {"md5_user", "md5_pw"}};
        List<Connection> holders = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            // Log everyone in first (a driver's login runs queries too), then open the transactions.
            for (String[] u : users) holders.add(proxy.connect("capped", u[0], u[1]));
            List<Future<Integer>> fs = new ArrayList<>();
            for (Connection c : holders) {
                c.setAutoCommit(false);
                fs.add(ex.submit(() -> {
                    try (Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                }));
            }
            Await.until(
                    quietly(() -> fs.stream().filter(Future::isDone).count() == 2), 20, "two clients to get servers");
            assertEquals(2, backends("scram_user", "app"), "max_db_connections = 2");
            // Finish the two running transactions; the two waiters then get their turn.
            for (int i = 0; i < holders.size(); i++)
                if (fs.get(i).isDone()) holders.get(i).commit();
            for (Future<Integer> f : fs)
                assertTrue(f.get(30, TimeUnit.SECONDS) > 0, "every waiter got a server in the end");
            for (Connection c : holders) c.commit();
            assertTrue(backends("scram_user", "app") <= 2);
        } finally {
            for (Connection c : holders) c.close();
        }
    }

    @Test
    void reservePoolServesALongWaiter() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                        pg, "transaction", "reserve_pool_size = 1\nreserve_pool_timeout = 0.5", """
                [databases.tiny]
                host = "127.0.0.1"
                port = %d
                dbname = "postgres"
                pool_size = 1
                """.formatted(
                                        pg.port()));
                Connection holder = p.connect("tiny", "app", "app");
                Connection waiter = p.connect("tiny", "app", "app")) {
            holder.setAutoCommit(false);
            int holderPid;
            try (ResultSet rs = holder.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                holderPid = rs.getInt(1);
            }
            long t0 = System.nanoTime();
            try (ResultSet rs = waiter.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                assertTrue(rs.getInt(1) != holderPid, "served by a reserve server while the only pool server is held");
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 400, "the reserve opens only after reserve_pool_timeout: " + ms + " ms");
            holder.rollback();
        }
    }

    @Test
    void minPoolSizeKeepsServersWarm() throws Exception {
        try (Connection c = proxy.connect("warm", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
        Await.until(quietly(() -> backends("plain_user", "postgres") >= 2), 15, "min_pool_size = 2 servers");
        assertTrue(backends("plain_user", "postgres") <= 3);
    }

    @Test
    void queryWaitTimeoutEndsTheWaitWith57014() throws Exception {
        try (ProxyHarness p =
                        ProxyHarness.start(pg, "transaction", "query_wait_timeout = 1", """
                [databases.tiny]
                host = "127.0.0.1"
                port = %d
                dbname = "postgres"
                pool_size = 1
                """.formatted(pg.port()));
                Connection holder = p.connect("tiny", "app", "app");
                Connection waiter = p.connect("tiny", "app", "app")) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SELECT 1");
            long t0 = System.nanoTime();
            SQLException e = assertThrows(
                    SQLException.class, () -> waiter.createStatement().execute("SELECT 1"));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals("57014", e.getSQLState());
            assertTrue(e.getMessage().contains("query_wait_timeout"), e.getMessage());
            assertTrue(ms >= 900 && ms < 15_000, "waited about query_wait_timeout: " + ms + " ms");
            holder.rollback();
            try (Connection again = p.connect("tiny", "app", "app");
                    ResultSet rs = again.createStatement().executeQuery("SELECT 3")) {
                rs.next();
                assertEquals(3, rs.getInt(1), "the pool serves the next client");
            }
        }
    }

    @Test
    void idleTransactionTimeoutReclaimsTheServer() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                        pg, "transaction", "idle_transaction_timeout = 1", """
                [databases.tiny]
                host = "127.0.0.1"
                port = %d
                dbname = "postgres"
                pool_size = 1
                """.formatted(pg.port()));
                Connection idle = p.connect("tiny", "app", "app")) {
            idle.setAutoCommit(false);
            int pid;
            try (ResultSet rs = idle.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            Await.until(
                    quietly(() -> {
                        try (Connection su = pg.superuser();
                                ResultSet rs = su.createStatement()
                                        .executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid
                                                + " AND state <> 'idle'")) {
                            rs.next();
                            return rs.getInt(1) == 0;
                        }
                    }),
                    20,
                    "the idle-in-transaction server to be rolled back (and reused) or closed");
            SQLException e = assertThrows(
                    SQLException.class, () -> idle.createStatement().execute("SELECT 1"));
            assertTrue(
                    e.getMessage().contains("idle")
                            || e.getSQLState().startsWith("08")
                            || e.getSQLState().equals("25P03"),
                    e.getMessage());
            try (Connection next = p.connect("tiny", "app", "app");
                    ResultSet rs = next.createStatement().executeQuery("SELECT 4")) {
                rs.next();
                assertEquals(4, rs.getInt(1), "the reclaimed pool serves the next client");
            }
        }
    }

    @Test
    void clientIdleTimeoutDisconnectsIdleClients() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "client_idle_timeout = 1", "");
                Connection c = p.connect("postgres", "app", "app")) {
            c.createStatement().execute("SELECT 1");
            Await.until(() -> p.pgloom().runtime().sessionCount() == 0, 20, "the idle client to be disconnected");
            assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1"));
        }
    }

    /** A timeout turned on by RELOAD reaches a client that connected while it was off. */
    @Test
    void aTimeoutTurnedOnByReloadReachesClientsAlreadyConnected() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "client_idle_timeout = 0", "");
                Connection c = p.connect("postgres", "app", "app")) {
            c.createStatement().execute("SELECT 1");
            String original = Files.readString(p.configFile());
            Files.writeString(p.configFile(), original.replace("client_idle_timeout = 0", "client_idle_timeout = 1"));
            assertEquals(null, p.pgloom().reload(), "RELOAD accepts the change");
            Await.until(() -> p.pgloom().runtime().sessionCount() == 0, 20, "the idle client to be disconnected");
            SQLException e =
                    assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1"));
            assertTrue(
                    e.getMessage().contains("client_idle_timeout")
                            || e.getSQLState().startsWith("08"),
                    e.getMessage());
        }
    }

    /**
     * transaction_timeout (PgBouncer 1.25's, enforced by pgloom on every PostgreSQL version): a transaction open too
     * long, idle or busy, ends its session with 25P04 and is rolled back; a short one is untouched.
     */
    @Test
    void transactionTimeoutEndsALongTransactionIdleOrBusy() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "transaction_timeout = 1", "")) {
            try (Connection quick = p.connect("postgres", "app", "app")) {
                quick.setAutoCommit(false);
                quick.createStatement().execute("SELECT pg_sleep(0.2)");
                quick.commit();
            }
            try (Connection idle = p.connect("postgres", "app", "app")) {
                idle.setAutoCommit(false);
                idle.createStatement().execute("SELECT 1");
                Await.until(() -> p.pgloom().runtime().sessionCount() == 0, 20, "the open transaction to be ended");
                SQLException e = assertThrows(
                        SQLException.class, () -> idle.createStatement().execute("SELECT 1"));
                assertTrue(
                        "25P04".equals(e.getSQLState()) || e.getSQLState().startsWith("08"),
                        e.getSQLState() + " " + e.getMessage());
            }
            try (Connection busy = p.connect("postgres", "app", "app")) {
                long t0 = System.nanoTime();
                SQLException e = assertThrows(
                        SQLException.class, () -> busy.createStatement().execute("SELECT pg_sleep(20)"));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 15_000, "ended by transaction_timeout, not by the statement: " + ms + " ms");
                assertTrue(
                        e.getSQLState().equals("25P04")
                                || e.getSQLState().equals("57014")
                                || e.getSQLState().startsWith("08"),
                        e.getSQLState() + " " + e.getMessage());
            }
        }
    }

    /** max_db_client_connections (a per-database override) and max_user_client_connections, as PgBouncer 1.24's. */
    @Test
    void clientCapsPerDatabaseAndPerUserRefuseWith53300AndFreeOnDisconnect() throws Exception {
        try (ProxyHarness p =
                ProxyHarness.start(pg, "transaction", "max_user_client_connections = 3", """
                [databases.capped]
                host = "127.0.0.1"
                port = %d
                dbname = "postgres"
                max_db_client_connections = 1
                """.formatted(pg.port()))) {
            try (Connection first = p.connect("capped", "app", "app")) {
                first.createStatement().execute("SELECT 1");
                SQLException e = assertThrows(
                        SQLException.class,
                        () -> p.connect("capped", "app", "app").close());
                assertEquals("53300", e.getSQLState());
                assertTrue(e.getMessage().contains("max_db_client_connections = 1"), e.getMessage());
                // The user's cap: 1 (capped) + 2 (postgres) = 3 clients of app; the next one is refused.
                try (Connection a = p.connect("postgres", "app", "app");
                        Connection b = p.connect("postgres", "app", "app")) {
                    SQLException u = assertThrows(
                            SQLException.class,
                            () -> p.connect("postgres", "app", "app").close());
                    assertEquals("53300", u.getSQLState());
                    assertTrue(u.getMessage().contains("max_user_client_connections = 3"), u.getMessage());
                }
            }
            // Refused and closed clients counted nothing: both caps have room again.
            try (Connection again = p.connect("capped", "app", "app");
                    Connection more = p.connect("postgres", "app", "app")) {
                again.createStatement().execute("SELECT 1");
                more.createStatement().execute("SELECT 1");
            }
        }
    }
}
