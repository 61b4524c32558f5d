// Every metric conf/alerts.yml's expressions read exists on a live /metrics page after a realistic run (queries,
// transactions, a failed login, session state in transaction mode, TLS clients, a health-checked database): an
// alert naming a metric that was renamed or never exported (one that can never fire) fails the build.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class AlertMetricsIT {
    @Test
    void everyMetricTheAlertsReadIsExported() throws Exception {
        Map<String, String> rules = AlertRules.expressions(AlertRules.RULES);
        Set<String> names = new TreeSet<>();
        rules.values().forEach(e -> names.addAll(AlertRules.metricNames(e)));
        assertTrue(names.size() >= 10, "the rules read pgloom's metrics: " + names);

        TestCertificates certs = TestCertificates.create("EC");
        PostgresFixture pg = PostgresFixture.shared();
        // A health-checked database (hosts = [...]) besides the single-host ones: failovers are counted for those.
        String tables = """
                [tls]
                mode = "prefer"
                cert_file = "%s"
                key_file = "%s"

                [failover]
                health_check_user = "app"

                [databases.checked]
                hosts = ["127.0.0.1:%d"]
                dbname = "app"
                """.formatted(certs.serverCertPem, certs.serverKeyPem, pg.port());
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "", tables, "127.0.0.1:0")) {
            workload(p, certs);
            String page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + p.pgloom().httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                if (page.lines().noneMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " "))) missing.add(name);
            }
            assertEquals(List.of(), missing, "metrics named in " + AlertRules.RULES + " but without a sample on /metrics");
            // The check itself sees a name that is not there.
            assertFalse(page.lines().anyMatch(l -> l.startsWith("pgloom_session_state_violations{")));
        }
    }

    /** What a day of an application looks like, in small: the samples the alerts read come from real traffic. */
    private static void workload(ProxyHarness p, TestCertificates certs) throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Connection c = p.app(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                try (ResultSet rs = st.executeQuery("SELECT " + i)) {
                    assertTrue(rs.next());
                }
                c.commit();
                c.setAutoCommit(true);
                st.execute("LISTEN alert_metrics_it"); // session state in transaction mode: counted
            }
        }
        try (Connection c = p.connect("checked", "app", "app"); ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
        SQLException wrong = assertThrows(SQLException.class, () -> p.connect("app", "app", "wrong").close());
        assertEquals("28P01", wrong.getSQLState());
        Properties ssl = new Properties();
        ssl.setProperty("sslmode", "verify-ca");
        ssl.setProperty("sslrootcert", certs.caPem.toString());
        try (Connection c = p.connect("app", "app", "app", ssl); ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }
}
