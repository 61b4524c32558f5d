// The operator's instruments against a live pgloom and PostgreSQL: admin console SHOW/RELOAD/KILL_CLIENT through
// pgjdbc, access control, and the HTTP endpoints (/healthz, /readyz going 503 and back, /metrics, /status).
package io.pgloom.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdminAndHttpIT {
    private static Connection admin(ProxyHarness p) throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return p.connect("pgloom", "admin", "admin", props);
    }

    private static List<String> column(Connection c, String sql, String col) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(col));
        }
        return out;
    }

    @Test
    void showCommandsLinkClientsToBackendPids() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.start(pg, "session");
                Connection app = p.app();
                Connection adm = admin(p)) {
            int pid;
            try (ResultSet rs = app.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            try (Statement st = adm.createStatement();
                    ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
                boolean found = false;
                while (rs.next()) {
                    if (rs.getString("database").equals("app")) {
                        found = true;
                        assertEquals(pid, rs.getInt("backend_pid"), "SHOW CLIENTS names the client's backend pid");
                        assertTrue(rs.getString("link").startsWith("S-"));
                        assertEquals("127.0.0.1", rs.getString("addr"));
                    }
                }
                assertTrue(found);
            }
            assertTrue(column(adm, "SHOW SERVERS", "backend_pid").contains(String.valueOf(pid)));
            assertEquals(
                    List.of("app"),
                    column(adm, "SHOW POOLS", "database").stream()
                            .filter("app"::equals)
                            .toList());
            assertTrue(column(adm, "SHOW DATABASES", "name").containsAll(List.of("app", "postgres")));
            assertTrue(
                    column(adm, "SHOW CONFIG", "key").containsAll(List.of("listen", "pool_mode", "default_pool_size")));
            assertTrue(column(adm, "SHOW VERSION", "version").get(0).startsWith("pgloom "));
            assertFalse(column(adm, "SHOW STATS", "database").isEmpty());
            assertFalse(column(adm, "SHOW STATE", "key").isEmpty());
            assertFalse(column(adm, "SHOW LISTS", "list").isEmpty());
            SQLException unknown =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("SHOW NONSENSE"));
            assertEquals("42601", unknown.getSQLState());

            // KILL_CLIENT ends exactly that client.
            String id = column(adm, "SHOW CLIENTS", "id").stream()
                    .filter(x -> true)
                    .toList()
                    .get(0);
            String appId = null;
            try (ResultSet rs = adm.createStatement().executeQuery("SHOW CLIENTS")) {
                while (rs.next()) if (rs.getString("database").equals("app")) appId = rs.getString("id");
            }
            assertTrue(id.startsWith("C-"));
            adm.createStatement().execute("KILL_CLIENT " + appId);
            assertThrows(SQLException.class, () -> app.createStatement().execute("SELECT 1"));
            assertTrue(adm.isValid(5), "the admin session itself is untouched");
        }
    }

    @Test
    void aBackendKilledMidQueryLeavesAFlightRecorderDump() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.start(pg, "session");
                Connection adm = admin(p)) {
            Connection c = p.app();
            int pid;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            var ex = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                var f = ex.submit(() -> c.createStatement().execute("SELECT pg_sleep(20)"));
                Await.until(
                        () -> {
                            try (Connection su = pg.superuser();
                                    ResultSet rs = su.createStatement()
                                            .executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid
                                                    + " AND state = 'active'")) {
                                rs.next();
                                return rs.getInt(1) == 1;
                            }
                        },
                        10,
                        "the query to run");
                try (Connection su = pg.superuser()) {
                    su.createStatement().execute("SELECT pg_terminate_backend(" + pid + ")");
                }
                assertThrows(java.util.concurrent.ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            } finally {
                ex.shutdownNow();
            }
            Await.until(() -> !column(adm, "SHOW FLIGHTS", "reason").isEmpty(), 10, "the flight recorder dump");
            try (ResultSet rs = adm.createStatement().executeQuery("SHOW FLIGHTS")) {
                assertTrue(rs.next());
                assertEquals("server_gone", rs.getString("reason"));
                String last = rs.getString("last_messages");
                assertTrue(last.contains("> Q "), "the query the client sent: " + last);
                assertTrue(last.contains("< E "), "the FATAL the server sent before closing: " + last);
            }
            c.close();
        }
    }

    @Test
    void onlyAdminUsersGetTheConsole() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session")) {
            SQLException e = assertThrows(
                    SQLException.class, () -> p.connect("pgloom", "app", "app").close());
            assertEquals("42501", e.getSQLState());
            SQLException wrong = assertThrows(
                    SQLException.class,
                    () -> p.connect("pgloom", "admin", "nope").close());
            assertEquals("28P01", wrong.getSQLState());
        }
    }

    @Test
    void reloadRejectsABadFileWholeAndAppliesAGoodOne() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session");
                Connection adm = admin(p)) {
            String original = Files.readString(p.configFile());
            Files.writeString(p.configFile(), original.replace("default_pool_size = 10", "default_pool_size = 0"));
            SQLException e =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("RELOAD"));
            assertTrue(e.getMessage().contains("proxy.default_pool_size"), e.getMessage());
            assertTrue(column(adm, "SHOW CONFIG", "value").contains("10"), "the running config stays");
            Files.writeString(p.configFile(), original.replace("default_pool_size = 10", "default_pool_size = 7"));
            adm.createStatement().execute("RELOAD");
            try (ResultSet rs = adm.createStatement().executeQuery("SHOW CONFIG")) {
                String size = null;
                while (rs.next()) if (rs.getString("key").equals("default_pool_size")) size = rs.getString("value");
                assertEquals("7", size);
            }
        }
    }

    @Test
    void httpEndpointsReportHealthReadinessAndMetrics() throws Exception {
        // "needed" is required (readiness waits for it); "app" and "postgres" are not, nor is "elsewhere", whose
        // server is never there: one database down must not take this instance out of its load balancer.
        String tables = """
                [databases.needed]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                required = true
                [databases.elsewhere]
                host = "127.0.0.1"
                port = 1
                """;
        try (PostgresFixture pg = PostgresFixture.startNew();
                ProxyHarness p =
                        ProxyHarness.start(pg, "transaction", "", tables.formatted(pg.port()), "127.0.0.1:0")) {
            int http = p.pgloom().httpPort();
            HttpClient client = HttpClient.newHttpClient();
            assertEquals(200, get(client, http, "/healthz").statusCode());
            try (Connection c = p.app();
                    ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
            HttpResponse<String> ready = get(client, http, "/readyz");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("backend:needed: ok"), ready.body());
            assertTrue(ready.body().contains("config: ok"), ready.body());
            assertFalse(ready.body().contains("elsewhere"), "a database not required is not a readiness check");
            String status = get(client, http, "/status").body();
            assertTrue(status.contains("{\"name\":\"elsewhere\",\"required\":false,\"state\":\""), status);
            assertFalse(status.contains("{\"name\":\"elsewhere\",\"required\":false,\"state\":\"ok\""), status);
            assertTrue(status.contains("{\"name\":\"needed\",\"required\":true,\"state\":\"ok\"}"), status);
            String metrics = get(client, http, "/metrics").body();
            for (String name : List.of(
                    "pgloom_build_info",
                    "pgloom_pool_servers",
                    "pgloom_pool_clients",
                    "pgloom_client_maxwait_seconds",
                    "pgloom_query_duration_seconds_count",
                    "pgloom_client_connections_total",
                    "pgloom_backend_version_info",
                    "jvm_threads_current")) {
                assertTrue(metrics.contains(name), "metrics have " + name);
            }
            assertTrue(get(client, http, "/status").body().contains("\"database\":\"app\""));
            assertTrue(
                    get(client, http, "/metrics?name[]=pgloom_clients").body().contains("pgloom_clients "),
                    "a query string is not part of the path");
            // A mistyped probe fails: unknown paths, and known ones with a suffix, are 404 and name the real ones.
            // (/ is the live page, behind admin credentials: LivePageIT.)
            for (String wrong :
                    List.of("/healtz", "/live", "/metric", "/healthzz", "/metrics/x", "/readyz/", "/no?x=1")) {
                HttpResponse<String> r = get(client, http, wrong);
                assertEquals(404, r.statusCode(), wrong + " answered " + r.body());
                assertTrue(r.body().contains("/healthz /readyz"), r.body());
                assertFalse(r.body().contains("pgloom_"), "no metrics on " + wrong);
            }

            pg.stop();
            Await.until(
                    () -> get(client, http, "/readyz").statusCode() == 503,
                    20,
                    "/readyz to fail while PostgreSQL is down");
            assertTrue(get(client, http, "/readyz").body().contains("backend:needed"), "the failing check is named");
            pg.start();
            Await.until(() -> get(client, http, "/readyz").statusCode() == 200, 30, "/readyz to recover");
        }
    }

    @Test
    void setChangesRuntimeSettingsAndRefusesFixedOnes() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session");
                Connection adm = admin(p)) {
            adm.createStatement().execute("SET query_wait_timeout = 7.5");
            adm.createStatement().execute("SET default_pool_size TO 3");
            try (ResultSet rs = adm.createStatement().executeQuery("SHOW CONFIG")) {
                java.util.Map<String, String> cfg = new java.util.HashMap<>();
                while (rs.next()) cfg.put(rs.getString("key"), rs.getString("value"));
                assertEquals("7.5", cfg.get("query_wait_timeout"));
                assertEquals("3", cfg.get("default_pool_size"));
            }
            assertEquals(
                    java.time.Duration.ofMillis(7500),
                    p.pgloom().runtime().config().proxy().queryWaitTimeout());
            SQLException fixed =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("SET listen = '0.0.0.0:1'"));
            assertEquals("55P02", fixed.getSQLState());
            assertTrue(fixed.getMessage().contains("restart"), fixed.getMessage());
            SQLException bad =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("SET default_pool_size = 0"));
            assertEquals("22023", bad.getSQLState());
        }
    }

    @Test
    void setRefusesUnknownKeysAndWrongTypesInsteadOfChangingNothing() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session");
                Connection adm = admin(p)) {
            var before = p.pgloom().runtime().config().proxy();
            // A per-database key, a misspelling: PostgreSQL's "unrecognized configuration parameter", with a hint.
            for (String unknown : List.of("pool_size", "query_wait_timout", "nonsense")) {
                SQLException e = assertThrows(
                        SQLException.class, () -> adm.createStatement().execute("SET " + unknown + " = 40"));
                assertEquals("42704", e.getSQLState(), unknown);
                assertTrue(
                        e.getMessage().contains("unrecognized configuration parameter \"" + unknown + "\""),
                        e.getMessage());
                assertTrue(
                        e.getMessage().contains("SHOW CONFIG"),
                        "the hint says where the settable keys are: " + e.getMessage());
            }
            for (String wrong : List.of(
                    "default_pool_size = 'forty'",
                    "default_pool_size = 2.5",
                    "max_client_conn = 99999999999",
                    "query_wait_timeout = soon",
                    "query_wait_timeout = NaN",
                    "query_wait_timeout = Infinity",
                    "tcp_keepalive = maybe",
                    "pool_mode = row",
                    "auth_type = password")) {
                SQLException e = assertThrows(
                        SQLException.class, () -> adm.createStatement().execute("SET " + wrong));
                assertEquals("22023", e.getSQLState(), wrong + ": " + e.getMessage());
                assertTrue(
                        e.getMessage().contains(wrong.substring(0, wrong.indexOf(' '))),
                        "names the key: " + e.getMessage());
            }
            SQLException noValue =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("SET default_pool_size"));
            assertEquals("42601", noValue.getSQLState());
            assertEquals(before, p.pgloom().runtime().config().proxy(), "nothing changed");
            // What a driver or tool may send right after connecting is still accepted (and means nothing here).
            adm.createStatement().execute("SET application_name = 'psql'");
            adm.createStatement().execute("SET TimeZone TO 'UTC'");
            assertTrue(adm.isValid(5), "the session goes on after each refusal");
        }
    }

    @Test
    void pauseHoldsQueriesResumeReleasesThem() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "transaction");
                Connection app = p.app();
                Connection adm = admin(p)) {
            app.createStatement().execute("SELECT 1");
            adm.createStatement().execute("PAUSE app");
            var ex = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                var held = ex.submit(() -> {
                    try (ResultSet rs = app.createStatement().executeQuery("SELECT 42")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
                Await.until(
                        () -> column(adm, "SHOW POOLS", "cl_waiting").contains("1"), 10, "the query to wait in line");
                assertTrue(column(adm, "SHOW POOLS", "paused").contains("t"));
                assertFalse(held.isDone(), "held while paused");
                adm.createStatement().execute("RESUME app");
                assertEquals(42, held.get(10, TimeUnit.SECONDS));
            } finally {
                ex.shutdownNow();
            }
        }
    }

    @Test
    void disableRefusesNewClientsOnly() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session");
                Connection app = p.app();
                Connection adm = admin(p)) {
            adm.createStatement().execute("DISABLE app");
            SQLException e = assertThrows(SQLException.class, () -> p.app().close());
            assertEquals("57P03", e.getSQLState());
            assertTrue(app.isValid(5), "connected clients keep working");
            adm.createStatement().execute("ENABLE app");
            p.app().close();
        }
    }

    @Test
    void reconnectReplacesServersAndKillDropsADatabase() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "transaction");
                Connection app = p.app();
                Connection adm = admin(p)) {
            int before = pid(app);
            adm.createStatement().execute("RECONNECT app");
            adm.createStatement().execute("WAIT_CLOSE app");
            assertTrue(pid(app) != before, "a new server after RECONNECT");
            adm.createStatement().execute("KILL app");
            assertThrows(SQLException.class, () -> app.createStatement().execute("SELECT 1"));
            adm.createStatement().execute("RESUME app");
            try (Connection again = p.app()) {
                assertTrue(pid(again) > 0, "new clients are served after RESUME");
            }
        }
    }

    @Test
    void applicationNameCarriesTheClientAddressWhenAsked() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "application_name_add_host = true", "")) {
            try (Connection c = billingClient(p)) {
                int pid;
                try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    pid = rs.getInt(1);
                }
                try (Connection su = pg.superuser();
                        ResultSet rs = su.createStatement()
                                .executeQuery("SELECT application_name FROM pg_stat_activity WHERE pid = " + pid)) {
                    rs.next();
                    assertTrue(rs.getString(1).matches("billing - 127\\.0\\.0\\.1:\\d+"), rs.getString(1));
                }
            }
        }
    }

    @Test
    void reloadTurningOnTheClientAddressReachesClientsAlreadyConnected() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "application_name_add_host = false", "")) {
            try (Connection c = billingClient(p)) {
                assertEquals("billing", serverApplicationName(c));
                String original = Files.readString(p.configFile());
                Files.writeString(
                        p.configFile(),
                        original.replace("application_name_add_host = false", "application_name_add_host = true"));
                assertEquals(null, p.pgloom().reload(), "RELOAD accepts the change");
                String now = serverApplicationName(c);
                assertTrue(now.matches("billing - 127\\.0\\.0\\.1:\\d+"), now);
            }
        }
    }

    private static Connection billingClient(ProxyHarness p) throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", "billing");
        return p.connect("app", "app", "app", props);
    }

    /** application_name as the server the client is linked to has it (not the ParameterStatus the client saw). */
    private static String serverApplicationName(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT current_setting('application_name')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static HttpResponse<String> get(HttpClient c, int port, String path) throws Exception {
        return c.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
