// Issue 23 with real PostgreSQL: per-client users alone let the health checks find primary and standby and follow
// a promotion with no write on a host in recovery; a config leaving the login open fails --check and startup naming
// the key to add; a check login PostgreSQL refuses shows on a live /metrics and /readyz until RELOAD fixes it.
package io.pgloom.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresCluster;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HealthCheckLoginIT {
    private static final String SCRAM_VERIFIER = "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$"
            + "mAfoF2oXa2DHA2XMyJbPJU9ijQkcWkvK7t3QNTdIVgo=:GDSgYlGrp4oBpnZ9mGxyw5W2I1bXEuB0bwyhSn9d+1M=";

    /** Client users only: app (the one pgloom can log in as), admin (console only), one with a SCRAM verifier. */
    private static final String CLIENT_USERS = """
            [admin]
            http_listen = "127.0.0.1:0"
            users = ["admin"]

            [users.app]
            password = "app"

            [users.admin]
            password = "admin"

            [users.verifier_only]
            password = "%s"
            """.formatted(SCRAM_VERIFIER);

    private static String databases(PostgresCluster c) {
        return """
                [failover]
                health_check_period = 0.2
                health_check_timeout = 1

                [databases.rw]
                hosts = ["%1$s", "%2$s"]
                dbname = "app"

                [databases.ro]
                hosts = ["%1$s", "%2$s"]
                dbname = "app"
                target = "standby"
                """.formatted(PostgresCluster.hostEntry(c.primary()), PostgresCluster.hostEntry(c.standby(0)));
    }

    @Test
    void perClientUsersAloneLetPgloomFollowAPromotionWithNoWriteOnAStandby() throws Exception {
        try (PostgresCluster c = PostgresCluster.start(1);
                ProxyHarness proxy = ProxyHarness.startOwn(
                        "pool_mode = \"transaction\"\nserver_login_retry = 1", databases(c) + CLIENT_USERS)) {
            FailoverIT.createTable(c);
            int primaryPort = c.primary().port();
            int standbyPort = c.standby(0).port();
            Await.until(
                    () -> {
                        var rows = BackendRoutingIT.showBackends(proxy);
                        return "primary".equals(rows.get("rw/" + primaryPort).get("role"))
                                && "standby"
                                        .equals(rows.get("rw/" + standbyPort).get("role"))
                                && "t".equals(rows.get("rw/" + standbyPort).get("up"));
                    },
                    20,
                    "the health checks, logged in as the only client user, to find the primary and the standby");
            try (Connection ro = proxy.connect("ro", "app", "app")) {
                assertEquals(standbyPort, BackendRoutingIT.where(ro)[0], "target = standby reads from the standby");
            }
            assertEquals(0, metric(proxy, "pgloom_backend_uncheckable_databases"));

            c.primary().crash();
            long promotedAt = System.nanoTime();
            c.standby(0).promote();
            FailoverIT.Retries seen = FailoverIT.writeUntilOn(proxy, "rw", standbyPort);
            System.out.printf(
                    "health check login: writes reached the promoted host %d ms after pg_promote()%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - promotedAt));
            assertEquals(0, seen.readOnlyErrors(), "writes refused by a host in recovery (25006)");
            assertEquals(0, seen.writesInRecovery(), "writes that ran on a host in recovery");
            var rows = BackendRoutingIT.showBackends(proxy);
            assertEquals("primary", rows.get("rw/" + standbyPort).get("role"));
            assertEquals("t", rows.get("rw/" + standbyPort).get("current"));
            // No standby is left: target = standby gets no host rather than the new primary.
            try (Connection ro = proxy.connect("ro", "app", "app", FailoverIT.quick())) {
                assertTrue((Boolean) BackendRoutingIT.where(ro)[1], "a target = standby read ran on a primary");
            } catch (SQLException expected) {
                String got = expected.getSQLState() + " " + expected.getMessage();
                assertTrue(expected.getSQLState().startsWith("08"), got);
            }
        }
    }

    /** Runs the real jar; returns its exit code and everything it printed. */
    private static Object[] jar(String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", System.getProperty("pgloom.jar", "target/proxy.jar")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "pgloom " + String.join(" ", args) + " finished");
        return new Object[] {p.exitValue(), out};
    }

    @Test
    void severalClientUsersFailCheckAndStartupNamingTheKeyToAdd() throws Exception {
        Path dir = Files.createTempDirectory("pgloom-healthcheck");
        Path conf = dir.resolve("proxy.toml");
        String base = """
                [proxy]
                listen = "127.0.0.1:%d"
                [databases.accdb]
                hosts = ["127.0.0.1:5432", "127.0.0.1:5433"]
                [users.alice]
                password = "a"
                [users.bob]
                password = "b"
                """.formatted(Await.freePort());
        Files.writeString(conf, base);
        for (Object[] r : List.of(jar("--check", conf.toString()), jar(conf.toString()))) {
            String out = (String) r[1];
            assertEquals(1, r[0], out);
            assertTrue(out.contains(conf + ": databases.accdb: its hosts are health-checked"), out);
            assertTrue(out.contains("2 users could (alice, bob)"), out);
            assertTrue(out.contains("add health_check_user = \"NAME\" to [failover]"), out);
        }
        Files.writeString(conf, base + "[failover]\nhealth_check_user = \"alice\"\n");
        Object[] fixed = jar("--check", conf.toString());
        assertEquals(0, fixed[0], (String) fixed[1]);
        assertTrue(((String) fixed[1]).contains(": OK"), (String) fixed[1]);
    }

    @Test
    void aCheckLoginPostgresRefusesShowsOnMetricsAndReadyzUntilReloadFixesIt() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        String tables = """
                [admin]
                http_listen = "127.0.0.1:0"
                [failover]
                health_check_period = 0.2
                health_check_user = "%s"
                [databases.guarded]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                target = "primary"
                required = true
                [users.app]
                password = "app"
                [users.%s]
                password = "%s"
                """;
        String user = PostgresFixture.MD5_USER;
        String wrong = tables.formatted(user, pg.port(), user, "not-its-password");
        try (ProxyHarness proxy = ProxyHarness.startOwn("", wrong)) {
            Await.until(
                    () -> metric(proxy, "pgloom_backend_uncheckable_databases") == 1,
                    20,
                    "pgloom_backend_uncheckable_databases to count the database whose check login is refused");
            String[] ready = http(proxy, "/readyz");
            assertEquals("503", ready[0], ready[1]);
            String reason = "backend:guarded: health checks cannot run on 127.0.0.1:" + pg.port();
            assertTrue(ready[1].contains(reason), ready[1]);
            assertTrue(ready[1].contains(user), "the reason names the user the check logged in as: " + ready[1]);

            Files.writeString(
                    proxy.configFile(),
                    Files.readString(proxy.configFile())
                            .replace("\"not-its-password\"", "\"" + PostgresFixture.MD5_PASS + "\""));
            assertEquals(null, proxy.pgloom().reload());
            Await.until(
                    () -> metric(proxy, "pgloom_backend_uncheckable_databases") == 0,
                    20,
                    "the count to drop once the reloaded password works");
            Await.until(() -> http(proxy, "/readyz")[0].equals("200"), 20, "/readyz to pass again");
            try (Connection c = proxy.connect("guarded", "app", "app")) {
                assertTrue(c.isValid(5));
            }
        }
    }

    private static String[] http(ProxyHarness proxy, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + proxy.pgloom().httpPort() + path);
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        return new String[] {String.valueOf(r.statusCode()), r.body()};
    }

    /** A label-less sample from a live GET /metrics; fails when the metric is not exported. */
    private static double metric(ProxyHarness proxy, String name) throws Exception {
        for (String line : http(proxy, "/metrics")[1].split("\n")) {
            if (line.startsWith(name + " "))
                return Double.parseDouble(line.substring(name.length() + 1).strip());
        }
        throw new AssertionError(name + " is not on /metrics");
    }
}
