// Every metric conf/alerts.yml's expressions, deploy/grafana/pgloom.json's queries and runbook.md read exists on a
// live /metrics page after a realistic run (queries, transactions, a failed login, cancels served and lost, session
// state in transaction mode, TLS clients, a health-checked database): an alert, panel or runbook step naming a
// metric that was renamed or never exported (one that can never fire or show anything) fails the build.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.peer.CancelKeys;
import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.TestCertificates;
import io.pgloom.wire.StartupPacket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AlertMetricsIT {
    /** Names runbook.md gives of /status fields, not metrics. */
    private static final Set<String> STATUS_FIELDS = Set.of("jvm_collectors", "jvm_flags");

    /**
     * Metrics whose first series appears with an event or a setup this run does not have (a pin, a refusal, a peer
     * forward, a failover; a standby for the lag, a target auto database for the routes: ReplicaLagIT and
     * ReadWriteSplitIT read those on a live page).
     */
    private static final Set<String> AFTER_AN_EVENT = Set.of(
            "pgloom_session_pins_total",
            "pgloom_session_state_refusals_total",
            "pgloom_peer_forwards_total",
            "pgloom_backend_seconds_since_failover",
            "pgloom_backend_replica_lag_bytes",
            "pgloom_backend_replica_lag_seconds",
            "pgloom_routed_total");

    /** Whether a /metrics line is a sample of the metric (a histogram's _bucket, _count and _sum included). */
    private static boolean exports(String line, String name) {
        for (String suffix : new String[] {"", "_bucket", "_count", "_sum"}) {
            if (line.startsWith(name + suffix + "{") || line.startsWith(name + suffix + " ")) return true;
        }
        return false;
    }

    @Test
    void everyMetricTheAlertsReadIsExported() throws Exception {
        Map<String, String> rules = AlertRules.expressions(AlertRules.RULES);
        Set<String> names = new TreeSet<>();
        rules.values().forEach(e -> names.addAll(AlertRules.metricNames(e)));
        assertTrue(names.size() >= 10, "the rules read pgloom's metrics: " + names);
        Map<String, String> panels = new TreeMap<>(); // metric → the dashboard panel (or variable) querying it
        for (GrafanaDashboard.Expr e : GrafanaDashboard.expressions(GrafanaDashboard.read())) {
            GrafanaDashboard.metricNames(e.expr()).forEach(name -> panels.putIfAbsent(name, e.panel()));
        }
        assertTrue(panels.size() >= 20, "the dashboard's queries were read: " + panels.keySet());

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
        // Peered (peer 1 of a fleet of 1) so a cancel for an unknown peer can be counted.
        // With a Unix socket too, whose up gauge PgloomUnixSocketMissing reads.
        String unix = "unix_socket_dir = \"" + Files.createTempDirectory("pgloom-alerts") + "\"";
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "peer_id = 1\n" + unix, tables, "127.0.0.1:0")) {
            workload(p, certs);
            String page = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + p.pgloom().httpPort() + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            List<String> missing = new ArrayList<>();
            for (String name : names) {
                if (page.lines().noneMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " ")))
                    missing.add(name);
            }
            assertEquals(
                    List.of(), missing, "metrics named in " + AlertRules.RULES + " but without a sample on /metrics");
            Map<String, String> missingPanels = new TreeMap<>(panels);
            missingPanels
                    .keySet()
                    .removeIf(name -> page.lines().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " ")));
            assertEquals(
                    Map.of(),
                    missingPanels,
                    "metrics (→ panel) " + GrafanaDashboard.FILE + " queries but /metrics has no sample of");
            // The runbook's commands and prose send the reader to metrics too: each must be on the page.
            // (Log events, event=jvm_..., and /status fields are not metrics.)
            Set<String> runbookNames = new TreeSet<>();
            for (String line : Files.readAllLines(Path.of("runbook.md")))
                runbookNames.addAll(AlertRules.metricNames(line.replaceAll("event=\\w+", "")));
            runbookNames.removeAll(STATUS_FIELDS);
            assertTrue(runbookNames.size() >= 30, "runbook.md names pgloom's metrics: " + runbookNames);
            List<String> missingFromRunbook = new ArrayList<>();
            for (String name : runbookNames) {
                if (page.lines().anyMatch(l -> exports(l, name))) continue;
                // A labelled series appears with its first event; until then the family is declared, no sample.
                boolean declared = page.lines().anyMatch(l -> l.startsWith("# TYPE " + name + " "));
                if (!(declared && AFTER_AN_EVENT.contains(name))) missingFromRunbook.add(name);
            }
            assertEquals(List.of(), missingFromRunbook, "metrics runbook.md names but without a sample on /metrics");
            for (String lost : List.of("unknown_key", "unknown_peer")) {
                String line = "pgloom_cancel_requests_total{result=\"" + lost + "\",} 1.0";
                assertTrue(page.lines().anyMatch(line::equals), "PgloomCancelsLost's input: " + line);
            }
            // The check itself sees a name that is not there.
            assertFalse(page.lines().anyMatch(l -> l.startsWith("pgloom_session_state_violations{")));
        }
    }

    /** What a day of an application looks like, in small: the samples the alerts read come from real traffic. */
    private static void workload(ProxyHarness p, TestCertificates certs) throws Exception {
        for (int i = 0; i < 3; i++) {
            try (Connection c = p.app();
                    Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                try (ResultSet rs = st.executeQuery("SELECT " + i)) {
                    assertTrue(rs.next());
                }
                c.commit();
                c.setAutoCommit(true);
                st.execute("LISTEN alert_metrics_it"); // session state in transaction mode: counted
            }
        }
        try (Connection c = p.connect("checked", "app", "app");
                ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
        cancelRunningQuery(p);
        lostCancels(p);
        SQLException wrong = assertThrows(
                SQLException.class, () -> p.connect("app", "app", "wrong").close());
        assertEquals("28P01", wrong.getSQLState());
        Properties ssl = new Properties();
        ssl.setProperty("sslmode", "verify-ca");
        ssl.setProperty("sslrootcert", certs.caPem.toString());
        try (Connection c = p.connect("app", "app", "app", ssl);
                ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }

    /** Cancels PgloomCancelsLost counts: a key nobody issued, and one naming a peer that is not configured. */
    private static void lostCancels(ProxyHarness p) throws Exception {
        for (int peer : new int[] {1, 9}) {
            try (Socket s = new Socket("127.0.0.1", p.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(StartupPacket.encodeCancel(new CancelKeys(peer).pid(12345), new byte[4]));
                assertEquals(-1, s.getInputStream().read(), "closed after the cancel");
            }
        }
    }

    /** A cancel request forwarded to a query that is running: pgloom_cancel_requests_total gets its sample. */
    private static void cancelRunningQuery(ProxyHarness p) throws Exception {
        try (Connection c = p.app();
                Statement st = c.createStatement();
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> sleeping = pool.submit(() -> st.execute("SELECT pg_sleep(30)"));
            try (Connection su = PostgresFixture.shared().superuser();
                    Statement q = su.createStatement()) {
                Await.until(
                        () -> {
                            try (ResultSet rs = q.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE query = "
                                    + "'SELECT pg_sleep(30)' AND state = 'active'")) {
                                return rs.next() && rs.getInt(1) > 0;
                            }
                        },
                        20,
                        "the query to cancel running");
            }
            st.cancel();
            ExecutionException canceled =
                    assertThrows(ExecutionException.class, () -> sleeping.get(20, TimeUnit.SECONDS));
            assertEquals("57014", ((SQLException) canceled.getCause()).getSQLState());
        }
    }
}
