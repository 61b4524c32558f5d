// Failover with real PostgreSQL through pgloom and pgjdbc: the primary dies and a standby is promoted (as Patroni
// would), new connections reach the promoted host after the threshold (time to recover printed), the client in a
// transaction on the dead host gets 08006, and no write ever lands on a host in recovery. And a planned
// SWITCHOVER with clients running: PAUSE, fence, promote, SWITCHOVER, and not one failed transaction.
package io.pgloom.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresCluster;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FailoverIT {
    private static String failoverTables(PostgresCluster c) {
        return """
                [failover]
                health_check_user = "app"
                health_check_period = 0.2
                health_check_timeout = 1
                failover_threshold = 3
                recovery_threshold = 2
                drain_timeout = 10

                [databases.rw]
                hosts = ["127.0.0.1:%d", "127.0.0.1:%d"]
                dbname = "app"
                """.formatted(c.primary().port(), c.standby(0).port());
    }

    static void createTable(PostgresCluster c) throws SQLException {
        try (Connection app = c.primary().connect("app", "app", "app");
                Statement st = app.createStatement()) {
            st.execute("CREATE TABLE writes (id bigserial PRIMARY KEY, who text)");
        }
        // Replication is asynchronous (and the fixture runs synchronous_commit = off): wait until the standby has it.
        try {
            Await.until(
                    () -> {
                        try (Connection s = c.standby(0).connect("app", "app", "app");
                                var rs = s.createStatement().executeQuery("SELECT to_regclass('writes') IS NOT NULL")) {
                            return rs.next() && rs.getBoolean(1);
                        }
                    },
                    20,
                    "the table to reach the standby");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Client settings of an application that gives up on a connection quickly and retries. */
    static Properties quick() {
        Properties quick = new Properties();
        quick.setProperty("connectTimeout", "5");
        quick.setProperty("socketTimeout", "5");
        return quick;
    }

    /** What an application saw while it reconnected and retried a write until one ran on the promoted host. */
    record Retries(int attempts, int readOnlyErrors, int writesInRecovery) {}

    /** Like an application: reconnect and retry a write through pgloom until one runs on port, counting what it saw. */
    static Retries writeUntilOn(ProxyHarness proxy, String database, int port) throws InterruptedException {
        AtomicInteger readOnlyErrors = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger inRecovery = new AtomicInteger();
        AtomicReference<String> lastError = new AtomicReference<>();
        try {
            Await.until(
                    () -> {
                        attempts.incrementAndGet();
                        try (Connection w = proxy.connect(database, "app", "app", quick())) {
                            Object[] where = BackendRoutingIT.where(w);
                            w.createStatement().execute("INSERT INTO writes (who) VALUES ('after failover')");
                            if ((Boolean) where[1]) inRecovery.incrementAndGet();
                            return (Integer) where[0] == port && !(Boolean) where[1];
                        } catch (SQLException e) {
                            if ("25006".equals(e.getSQLState())) readOnlyErrors.incrementAndGet();
                            lastError.set(e.getSQLState() + " " + e.getMessage());
                            throw e;
                        }
                    },
                    30,
                    "a write through pgloom to reach the promoted host");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last error: " + lastError.get(), e);
        }
        return new Retries(attempts.get(), readOnlyErrors.get(), inRecovery.get());
    }

    @Test
    void deadPrimaryIsReplacedByThePromotedStandby() throws Exception {
        try (PostgresCluster c = PostgresCluster.start(1);
                ProxyHarness proxy =
                        ProxyHarness.start(c.primary(), "transaction", "server_login_retry = 5", failoverTables(c))) {
            createTable(c);
            int promotedPort = c.standby(0).port();
            Connection inTx = proxy.connect("rw", "app", "app");
            inTx.setAutoCommit(false);
            inTx.createStatement().execute("INSERT INTO writes (who) VALUES ('in flight at the crash')");
            assertEquals(c.primary().port(), BackendRoutingIT.where(inTx)[0]);

            long crashedAt = System.nanoTime();
            c.primary().crash();
            // Patroni promotes a standby a little later (its TTL); pgloom must notice both by itself.
            AtomicReference<Long> promotedAt = new AtomicReference<>();
            Thread promoter = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1000);
                    promotedAt.set(System.nanoTime());
                    c.standby(0).promote();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            SQLException lost = assertThrows(
                    SQLException.class, () -> inTx.createStatement().execute("INSERT INTO writes (who) VALUES ('x')"));
            assertTrue(
                    lost.getSQLState().startsWith("08"),
                    "the transaction on the dead host gets 08xxx: " + lost.getSQLState() + " " + lost.getMessage());
            inTx.close();

            Retries seen = writeUntilOn(proxy, "rw", promotedPort);
            long recovered = System.nanoTime();
            promoter.join();
            System.out.printf(
                    "failover: time to recover %d ms after the crash (%d ms after the promotion began), %d attempts%n",
                    (recovered - crashedAt) / 1_000_000, (recovered - promotedAt.get()) / 1_000_000, seen.attempts());
            assertEquals(0, seen.readOnlyErrors(), "no write was sent to a host in recovery");
            assertEquals(0, seen.writesInRecovery(), "no write ran on a host in recovery");

            Await.until(
                    () -> "f"
                            .equals(BackendRoutingIT.showBackends(proxy)
                                    .get("rw/" + c.primary().port())
                                    .get("up")),
                    10,
                    "the dead host to be marked down after failover_threshold failed checks");
            var rows = BackendRoutingIT.showBackends(proxy);
            assertEquals("t", rows.get("rw/" + promotedPort).get("current"));
            assertEquals("primary", rows.get("rw/" + promotedPort).get("role"));
            assertEquals(1, proxy.pgloom().runtime().backends.failover("rw").failovers());
            String ready = proxy.pgloom().runtime().servers.probeBackend("rw");
            assertEquals(null, ready, "ready again once the promoted host serves");
        }
    }

    @Test
    void plannedSwitchoverUnderLoadFailsNoTransaction() throws Exception {
        try (PostgresCluster c = PostgresCluster.start(1);
                ProxyHarness proxy = ProxyHarness.start(c.primary(), "transaction", "", failoverTables(c))) {
            createTable(c);
            int newPort = c.standby(0).port();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger committed = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            var ports = ConcurrentHashMap.<Integer>newKeySet();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    try (Connection w = proxy.connect("rw", "app", "app")) {
                        w.setAutoCommit(false);
                        while (running.get()) {
                            try {
                                ports.add((Integer) BackendRoutingIT.where(w)[0]);
                                w.createStatement().execute("INSERT INTO writes (who) VALUES ('switchover load')");
                                w.commit();
                                committed.incrementAndGet();
                            } catch (SQLException e) {
                                failed.incrementAndGet();
                                firstFailure.compareAndSet(null, e);
                                w.rollback();
                            }
                        }
                    } catch (SQLException e) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                }));
            }
            try {
                Await.until(() -> committed.get() > 200, 30, "the load to run");
                Properties simple = new Properties();
                simple.setProperty("preferQueryMode", "simple");
                try (Connection admin = proxy.connect("pgloom", "admin", "admin", simple);
                        Connection oldPrimary = c.primary().superuser()) {
                    try {
                        admin.createStatement().execute("PAUSE rw"); // returns once no transaction is running
                    } catch (SQLException e) {
                        for (String q : new String[] {"SHOW CLIENTS", "SHOW SERVERS", "SHOW POOLS"}) {
                            try (var rs = admin.createStatement().executeQuery(q)) {
                                while (rs.next()) {
                                    StringBuilder sb = new StringBuilder(q + ": ");
                                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++)
                                        sb.append(rs.getString(i)).append('|');
                                    System.out.println(sb);
                                }
                            }
                        }
                        throw e;
                    }
                    // Fence the old primary (here: read-only), then promote the standby, as the runbook says.
                    oldPrimary.createStatement().execute("ALTER SYSTEM SET default_transaction_read_only = on");
                    oldPrimary.createStatement().execute("SELECT pg_reload_conf()");
                    c.standby(0).promote();
                    admin.createStatement().execute("SWITCHOVER rw TO 127.0.0.1:" + newPort);
                }
                ports.clear();
                int before = committed.get();
                Await.until(() -> committed.get() > before + 200, 30, "the load to run on the new primary");
                assertEquals(
                        java.util.Set.of(newPort), ports, "every transaction after SWITCHOVER ran on the new primary");
            } finally {
                running.set(false);
                for (Thread t : clients) t.join();
            }
            assertEquals(0, failed.get(), "failed transactions (first: " + firstFailure.get() + ")");
            assertFalse(c.standby(0).inRecovery());
            System.out.printf("switchover under load: %d transactions committed, none failed%n", committed.get());
        }
    }
}
