// Every PromQL expression of deploy/grafana/pgloom.json names only metrics a live pgloom exports: pgloom with TLS
// and a health-checked database, after traffic that touches each labelled counter (a transaction, a wait, a
// failed login, a cancel), its GET /metrics must hold a sample of each metric the dashboard queries.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GrafanaDashboardIT {
    @Test
    void everyMetricTheDashboardQueriesIsOnALiveMetricsPage() throws Exception {
        TestCertificates certs = TestCertificates.create("EC");
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness proxy = ProxyHarness.start(pg, "transaction", "", """
                [tls]
                mode = "allow"
                cert_file = "%s"
                key_file = "%s"

                [failover]
                health_check_user = "app"
                health_check_period = 0.2

                [databases.checked]
                hosts = ["127.0.0.1:%d"]
                dbname = "app"
                """.formatted(certs.serverCertPem, certs.serverKeyPem, pg.port()), "127.0.0.1:0")) {
            try (Connection c = proxy.connect("checked", "app", "app"); Statement st = c.createStatement();
                 ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                c.setAutoCommit(false);
                st.execute("SELECT 1");
                c.commit();
                Future<?> sleeping = pool.submit(() -> st.execute("SELECT pg_sleep(30)"));
                try (Connection su = pg.superuser(); Statement q = su.createStatement()) {
                    Await.until(() -> {
                        try (ResultSet rs = q.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE query = "
                                + "'SELECT pg_sleep(30)' AND state = 'active'")) {
                            return rs.next() && rs.getInt(1) > 0;
                        }
                    }, 20, "the query to cancel running");
                }
                st.cancel();
                ExecutionException canceled = assertThrows(ExecutionException.class,
                        () -> sleeping.get(20, TimeUnit.SECONDS));
                assertEquals("57014", ((SQLException) canceled.getCause()).getSQLState());
            }
            try (Connection c = proxy.connect("checked", "app", "wrong")) {
                throw new AssertionError("a wrong password was accepted: " + c);
            } catch (SQLException refused) {
                assertEquals("28P01", refused.getSQLState());
            }
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + proxy.pgloom().httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Set<String> exported = new TreeSet<>();
            for (String line : metrics.split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) exported.add(line.split("[{ ]", 2)[0]);
            }
            Map<String, String> missing = new TreeMap<>();
            int checked = 0;
            for (GrafanaDashboard.Expr e : GrafanaDashboard.expressions(GrafanaDashboard.read())) {
                for (String name : GrafanaDashboard.metricNames(e.expr())) {
                    checked++;
                    if (!exported.contains(name)) missing.put(name, e.panel());
                }
            }
            assertTrue(checked > 20, "the dashboard's queries were read (" + checked + " metric uses)");
            assertEquals(Map.of(), missing, "metrics the dashboard queries (name → panel) that /metrics lacks");
        }
    }
}
