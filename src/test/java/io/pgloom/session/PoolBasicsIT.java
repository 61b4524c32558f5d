// Foundation behaviours of the pools and logins: client auth methods, failed logins counted by reason,
// max_client_conn, an unreachable backend, server_idle_timeout and server_lifetime retiring servers, a fast cancel.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.net.ServerSocket;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PoolBasicsIT {
    static final PostgresFixture PG = PostgresFixture.shared();

    @Test
    void md5AndTrustClientAuthentication() throws Exception {
        try (ProxyHarness md5 = ProxyHarness.start(PG, "session", "auth_type = \"md5\"", "");
                Connection c = md5.connect("app", "app", "app");
                ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            rs.next();
            assertEquals("app", rs.getString(1));
            assertEquals(
                    "28P01",
                    assertThrows(
                                    SQLException.class,
                                    () -> md5.connect("app", "app", "bad").close())
                            .getSQLState());
        }
        try (ProxyHarness trust = ProxyHarness.start(PG, "session", "auth_type = \"trust\"", "");
                Connection c = trust.connect("app", "app", null);
                ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rs.next(), "trust lets a configured user in without a password");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scram-sha-256", "md5"})
    void aUserNotInTheConfigIsCountedAsUnknownUserNotWrongPassword(String authType) throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PG, "transaction", "auth_type = \"" + authType + "\"", "")) {
            SQLException unknown = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "nobody", "guess").close());
            SQLException wrong = assertThrows(
                    SQLException.class, () -> p.connect("app", "app", "guess").close());
            // The client cannot tell the two apart (a guesser learns nothing); the operator can.
            assertEquals("28P01", unknown.getSQLState());
            assertEquals("28P01", wrong.getSQLState());
            assertEquals(wrong.getMessage().replace("\"app\"", "\"nobody\""), unknown.getMessage());
            var failures = p.pgloom().runtime().metrics.authFailures;
            Await.until(
                    () -> failures.labels("unknown_user").get() == 1
                            && failures.labels("wrong_password").get() == 1,
                    10,
                    "one unknown_user and one wrong_password failure counted");
        }
    }

    @Test
    void clientsBeyondMaxClientConnGet53300() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PG, "transaction", "max_client_conn = 3", "")) {
            List<Connection> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) held.add(p.app());
                SQLException e = assertThrows(SQLException.class, () -> p.app().close());
                assertEquals("53300", e.getSQLState());
                assertTrue(e.getMessage().contains("max_client_conn"), e.getMessage());
                held.remove(0).close();
                Await.until(() -> p.pgloom().runtime().sessionCount() < 3, 10, "a slot to free up");
                p.app().close();
            } finally {
                for (Connection c : held) c.close();
            }
        }
    }

    @Test
    void perAddressCapRefusesTheExtraConnection() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PG, "transaction", "max_client_conn_per_address = 2", "");
                Connection a = p.app();
                Connection b = p.app()) {
            SQLException e = assertThrows(SQLException.class, () -> p.app().close());
            assertEquals("53300", e.getSQLState());
            assertTrue(e.getMessage().contains("max_client_conn_per_address"), e.getMessage());
            a.close();
            Await.until(() -> p.pgloom().runtime().sessionCount() < 2, 10, "a slot to free up");
            p.app().close();
            assertTrue(b.isValid(5));
        }
    }

    @Test
    void unreachableBackendGives08006Quickly() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ProxyHarness p =
                ProxyHarness.start(PG, "session", "server_connect_timeout = 2", """
                [databases.nowhere]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                """.formatted(closedPort))) {
            long t0 = System.nanoTime();
            SQLException e = assertThrows(
                    SQLException.class, () -> p.connect("nowhere", "app", "app").close());
            assertEquals("08006", e.getSQLState());
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 10);
            // server_login_retry: the next client fails fast with the same cached reason.
            SQLException again = assertThrows(
                    SQLException.class, () -> p.connect("nowhere", "app", "app").close());
            assertEquals("08006", again.getSQLState());
            try (Connection ok = p.app();
                    ResultSet rs = ok.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "other databases keep being served");
            }
        }
    }

    @Test
    void idleAndOldServersAreRetired() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                PG, "transaction", "server_idle_timeout = 1\nserver_lifetime = 2", """
                [databases.short]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                user = "md5_user"
                password = "md5_pw"
                """.formatted(PG.port()))) {
            int first;
            try (Connection c = p.connect("short", "app", "app");
                    ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                first = rs.getInt(1);
            }
            Await.until(() -> backends("md5_user") == 0, 15, "the idle server to be closed by server_idle_timeout");
            try (Connection c = p.connect("short", "app", "app");
                    Statement st = c.createStatement()) {
                int pid = pid(st);
                assertTrue(pid != first, "a new server after the idle one was retired");
                // Keep using it past server_lifetime: it is replaced once it comes back to the pool.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                int now = pid;
                while (now == pid && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(200);
                    now = pid(st);
                }
                assertTrue(now != pid, "server_lifetime replaced the server");
            }
        }
    }

    @Test
    void cancelArrivesWithinTwoSeconds() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PG, "session");
                Connection c = p.app();
                Statement st = c.createStatement()) {
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<Long> f = ex.submit(() -> {
                    Await.until(
                            () -> {
                                try (Connection su = PG.superuser();
                                        ResultSet rs = su.createStatement()
                                                .executeQuery(
                                                        "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")) {
                                    rs.next();
                                    return rs.getInt(1) > 0;
                                }
                            },
                            10,
                            "pg_sleep to start");
                    st.cancel();
                    return System.nanoTime();
                });
                SQLException e = assertThrows(SQLException.class, () -> st.execute("SELECT pg_sleep(30)"));
                long ended = System.nanoTime();
                assertEquals("57014", e.getSQLState());
                long ms = TimeUnit.NANOSECONDS.toMillis(ended - f.get(10, TimeUnit.SECONDS));
                assertTrue(ms < 2000, "canceled within 2 s of the cancel request: " + ms + " ms");
            } finally {
                ex.shutdownNow();
            }
        }
    }

    private static int pid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int backends(String user) throws SQLException {
        try (Connection su = PG.superuser();
                ResultSet rs = su.createStatement()
                        .executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + user + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
