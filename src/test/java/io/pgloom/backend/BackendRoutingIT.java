// Routing across a primary and a streaming standby through pgloom, with pgjdbc: each target reaches the hosts it
// names, weights spread server connections, DRAIN moves 50 busy clients off a host without a failed transaction,
// SWITCHOVER to a host that does not fit rolls back, and SHOW BACKENDS, /metrics and /readyz say so.
package io.pgloom.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresCluster;
import io.pgloom.testkit.ProxyHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BackendRoutingIT {
    private static PostgresCluster cluster;
    private static ProxyHarness proxy;
    private static int primaryPort, standbyPort;

    @BeforeAll
    static void start() {
        cluster = PostgresCluster.start(1);
        primaryPort = cluster.primary().port();
        standbyPort = cluster.standby(0).port();
        String p = "127.0.0.1:" + primaryPort, s = "127.0.0.1:" + standbyPort;
        proxy = ProxyHarness.start(cluster.primary(), "transaction", "", """
                [failover]
                health_check_user = "app"
                health_check_period = 0.2
                health_check_timeout = 1
                failover_threshold = 2
                recovery_threshold = 2
                drain_timeout = 3

                [databases.rw]
                hosts = ["%1$s", "%2$s"]
                dbname = "app"
                required = true

                [databases.ro]
                hosts = ["%1$s", "%2$s"]
                dbname = "app"
                target = "standby"
                required = true

                [databases.pref]
                hosts = ["%1$s", "%2$s"]
                dbname = "app"
                target = "prefer-standby"

                [databases.spread]
                hosts = ["%1$s?weight=1", "%2$s?weight=3"]
                dbname = "app"
                target = "any"
                """.formatted(p, s), "127.0.0.1:0");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (cluster != null) cluster.close();
    }

    /** {port, in recovery} of the server a query through pgloom ran on. */
    static Object[] where(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
            rs.next();
            return new Object[] {rs.getInt(1), rs.getBoolean(2)};
        }
    }

    private static Connection admin() throws SQLException {
        return admin(proxy);
    }

    private static Connection admin(ProxyHarness proxy) throws SQLException {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", "simple");
        return proxy.connect("pgloom", "admin", "admin", p);
    }

    private static String http(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + proxy.pgloom().httpPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + "\n" + r.body();
    }

    /** SHOW BACKENDS as (database, port) -> column -> value. */
    static Map<String, Map<String, String>> showBackends() throws SQLException {
        return showBackends(proxy);
    }

    static Map<String, Map<String, String>> showBackends(ProxyHarness proxy) throws SQLException {
        Map<String, Map<String, String>> out = new ConcurrentHashMap<>();
        try (Connection a = admin(proxy);
                ResultSet rs = a.createStatement().executeQuery("SHOW BACKENDS")) {
            while (rs.next()) {
                Map<String, String> row = new ConcurrentHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.put(rs.getMetaData().getColumnName(i), String.valueOf(rs.getString(i)));
                }
                out.put(rs.getString("database") + "/" + rs.getString("port"), row);
            }
        }
        return out;
    }

    @Test
    void eachTargetReachesTheHostsItNames() throws Exception {
        try (Connection rw = proxy.connect("rw", "app", "app")) {
            assertEquals(primaryPort, where(rw)[0]);
            assertEquals(false, where(rw)[1], "target primary: never a host in recovery");
            rw.createStatement().execute("CREATE TABLE IF NOT EXISTS routed (v int)");
        }
        try (Connection ro = proxy.connect("ro", "app", "app")) {
            assertEquals(standbyPort, where(ro)[0]);
            assertEquals(true, where(ro)[1], "target standby: pg_is_in_recovery() is true");
            SQLException e =
                    assertThrows(SQLException.class, () -> ro.createStatement().execute("CREATE TABLE nope (v int)"));
            assertEquals("25006", e.getSQLState(), "a standby refuses writes itself");
        }
        try (Connection pref = proxy.connect("pref", "app", "app")) {
            assertEquals(standbyPort, where(pref)[0]);
        }
        var rows = showBackends();
        assertEquals("primary", rows.get("rw/" + primaryPort).get("role"));
        assertEquals("standby", rows.get("rw/" + standbyPort).get("role"));
        assertEquals("t", rows.get("rw/" + primaryPort).get("current"));
        assertEquals("t", rows.get("rw/" + standbyPort).get("up"));
        assertEquals("0", rows.get("rw/" + standbyPort).get("consecutive_failures"));
        String metrics = http("/metrics");
        assertTrue(
                metrics.contains("pgloom_backend_up{database=\"rw\",host=\"127.0.0.1:" + standbyPort + "\",} 1.0"),
                metrics);
        assertTrue(metrics.contains(
                "pgloom_backend_role{database=\"rw\",host=\"127.0.0.1:" + primaryPort + "\",role=\"primary\",} 1.0"));
        assertTrue(metrics.contains("pgloom_backend_failovers_total{database=\"rw\",} 0.0"));
        String ready = http("/readyz");
        assertTrue(
                ready.startsWith("200") && ready.contains("backend:rw: ok") && ready.contains("backend:ro: ok"), ready);
    }

    @Test
    void weightsSpreadServerConnectionsByLeastConnections() throws Exception {
        List<Connection> held = new ArrayList<>();
        Map<Integer, Integer> perPort = new ConcurrentHashMap<>();
        try {
            for (int i = 0; i < 8; i++) {
                Connection c = proxy.connect("spread", "app", "app");
                held.add(c);
                c.setAutoCommit(false); // each open transaction keeps its own server connection
                perPort.merge((Integer) where(c)[0], 1, Integer::sum);
            }
            assertEquals(Map.of(primaryPort, 2, standbyPort, 6), perPort, "weight 1 : 3");
        } finally {
            for (Connection c : held) c.close();
        }
    }

    @Test
    void drainMovesFiftyBusyClientsOffAHostWithoutAFailedTransaction() throws Exception {
        // Its own pgloom: DRAIN acts on every database listing the host, and "ro" above has no other standby.
        try (ProxyHarness own =
                ProxyHarness.start(cluster.primary(), "transaction", "", """
                [failover]
                health_check_user = "app"
                health_check_period = 0.2
                drain_timeout = 10

                [databases.busy]
                hosts = ["127.0.0.1:%d", "127.0.0.1:%d"]
                dbname = "app"
                target = "any"
                pool_size = 20
                """.formatted(primaryPort, standbyPort))) {
            drainWithFiftyClients(own);
        }
    }

    private void drainWithFiftyClients(ProxyHarness proxy) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        Map<Integer, AtomicInteger> perPort = new ConcurrentHashMap<>();
        AtomicBoolean countFromNow = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            clients.add(Thread.ofVirtual().start(() -> {
                try (Connection c = proxy.connect("busy", "app", "app")) {
                    c.setAutoCommit(false);
                    while (running.get()) {
                        try (Statement st = c.createStatement()) {
                            int port = (Integer) where(c)[0];
                            st.execute("SELECT pg_sleep(0.002)");
                            c.commit();
                            done.incrementAndGet();
                            if (countFromNow.get())
                                perPort.computeIfAbsent(port, k -> new AtomicInteger())
                                        .incrementAndGet();
                        } catch (SQLException e) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e);
                        }
                    }
                } catch (SQLException e) {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                }
            }));
        }
        try {
            Await.until(() -> done.get() > 500, 30, "the 50 clients to get going");
            String standby = "127.0.0.1:" + standbyPort;
            try (Connection a = admin(proxy)) {
                a.createStatement().execute("DRAIN " + standby); // returns once no connection to it is left
                var row = showBackends(proxy).get("busy/" + standbyPort);
                assertEquals("t", row.get("draining"));
                assertEquals("0", row.get("connections"));
                countFromNow.set(true);
                int before = done.get();
                Await.until(() -> done.get() > before + 500, 30, "transactions while drained");
                assertFalse(perPort.containsKey(standbyPort), "no transaction on the drained host: " + perPort);
                // UNDRAIN makes the host eligible for new server connections; RECONNECT replaces the pooled ones (all
                // on
                // the primary now) as they come back, and least-connections puts the new ones on the standby.
                a.createStatement().execute("UNDRAIN " + standby);
                a.createStatement().execute("RECONNECT busy");
                Await.until(() -> perPort.containsKey(standbyPort), 30, "the host to take work again");
            }
        } finally {
            running.set(false);
            for (Thread t : clients) t.join();
        }
        assertEquals(0, failed.get(), "failed transactions (first: " + firstFailure.get() + ")");
        System.out.printf("DRAIN with 50 clients: %d transactions, none failed%n", done.get());
    }

    @Test
    void switchoverToAHostThatDoesNotFitRollsBack() throws Exception {
        try (Connection a = admin()) {
            long t0 = System.nanoTime();
            SQLException e = assertThrows(
                    SQLException.class, () -> a.createStatement().execute("SWITCHOVER rw TO 127.0.0.1:" + standbyPort));
            assertTrue(e.getMessage().contains("rolled back") && e.getMessage().contains("standby"), e.getMessage());
            assertTrue(System.nanoTime() - t0 >= 2_500_000_000L, "waited drain_timeout for the host to fit");
            a.createStatement().execute("SWITCHOVER rw TO 127.0.0.1:" + primaryPort); // already the primary: passes
        }
        try (Connection rw = proxy.connect("rw", "app", "app")) {
            assertEquals(primaryPort, where(rw)[0], "writes stay on the primary");
            rw.createStatement().execute("CREATE TABLE IF NOT EXISTS routed (v int)");
        }
        try (Connection a = admin()) {
            SQLException e = assertThrows(
                    SQLException.class, () -> a.createStatement().execute("DRAIN 127.0.0.1:" + primaryPort));
            assertTrue(e.getMessage().contains("refused"), "draining the only primary is refused: " + e.getMessage());
            e = assertThrows(SQLException.class, () -> a.createStatement().execute("DRAIN 10.9.9.9:5432"));
            assertTrue(e.getMessage().contains("no backend host"), e.getMessage());
        }
    }
}
