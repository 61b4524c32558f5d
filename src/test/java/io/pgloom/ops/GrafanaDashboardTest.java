// deploy/grafana/pgloom.json without a live pgloom: it parses, panel ids are unique, every panel has a query,
// the PromQL metric-name extractor reads what it should, and each alert's dashboard_url names a real panel.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GrafanaDashboardTest {
    @Test
    void extractsTheMetricNamesOfAnExpression() {
        assertEquals(
                Set.of("pgloom_client_wait_seconds_bucket"),
                GrafanaDashboard.metricNames(
                        "histogram_quantile(0.99, sum by (le, database) (rate(pgloom_client_wait_seconds_bucket"
                                + "{instance=~\"$instance\",database=~\"a|b\"}[$__rate_interval])))"));
        assertEquals(
                Set.of("pgloom_tls_cert_not_after_seconds"),
                GrafanaDashboard.metricNames("(min by (cert) (pgloom_tls_cert_not_after_seconds) - time()) / 86400"));
        assertEquals(
                Set.of("pgloom_clients", "pgloom_max_client_conn"),
                GrafanaDashboard.metricNames("pgloom_clients / on (instance) pgloom_max_client_conn > 0.8"));
        assertEquals(
                Set.of("pgloom_backend_role"),
                GrafanaDashboard.metricNames(
                        "max by (database, host) (pgloom_backend_role{role=\"primary\"} offset 5m) == 1"));
    }

    @Test
    void everyPanelHasAQueryAndAUniqueId() throws Exception {
        JsonObject d = GrafanaDashboard.read();
        assertEquals("pgloom", d.getString("uid"));
        Set<Integer> ids = new HashSet<>();
        for (JsonObject p : GrafanaDashboard.panels(d)) {
            assertTrue(ids.add(p.getInteger("id")), "panel id " + p.getInteger("id") + " is used twice");
            if (p.getString("type").equals("row")) continue;
            assertFalse(p.getJsonArray("targets").isEmpty(), p.getString("title") + " has a query");
            assertFalse(p.getString("description", "").isBlank(), p.getString("title") + " says what it shows");
        }
        for (GrafanaDashboard.Expr e : GrafanaDashboard.expressions(d)) {
            assertFalse(GrafanaDashboard.metricNames(e.expr()).isEmpty(), e.panel() + ": " + e.expr());
        }
    }

    @Test
    void alertsLinkToPanelsThatExist() throws Exception {
        Set<Integer> ids = new HashSet<>();
        for (JsonObject p : GrafanaDashboard.panels(GrafanaDashboard.read())) ids.add(p.getInteger("id"));
        Matcher m = Pattern.compile("dashboard_url: \"d/pgloom\\?viewPanel=(\\d+)\"")
                .matcher(Files.readString(Path.of("conf/alerts.yml")));
        int n = 0;
        while (m.find()) {
            n++;
            assertTrue(
                    ids.contains(Integer.parseInt(m.group(1))), "deploy/grafana/pgloom.json has panel " + m.group(1));
        }
        assertTrue(n > 0, "some alerts link to a panel");
    }
}
