// Replica lag with a real primary and streaming standby through pgloom and pgjdbc: replay paused on the standby
// while the primary writes takes it out of read rotation past max_replica_lag_bytes / _seconds (reads then go to
// the primary, or fail with 08006 under replica_lag_fallback = "error"), and resuming replay brings it back; SHOW
// BACKENDS, /status and /metrics say so.
package io.pgloom.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresCluster;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaLagIT {
    private static final long MAX_LAG_BYTES = 256 * 1024;

    @Test
    void aPausedStandbyLeavesReadRotationAndReturnsAfterResume() throws Exception {
        try (PostgresCluster c = PostgresCluster.start(1);
                ProxyHarness proxy = ProxyHarness.start(
                        c.primary(),
                        "transaction",
                        "server_connect_timeout = 2",
                        """
                        [failover]
                        health_check_user = "app"
                        health_check_period = 0.2
                        health_check_timeout = 1

                        [databases.ro]
                        hosts = ["127.0.0.1:%1$d", "127.0.0.1:%2$d"]
                        dbname = "app"
                        target = "standby"
                        max_replica_lag_bytes = %3$d

                        [databases.ro_strict]
                        hosts = ["127.0.0.1:%1$d", "127.0.0.1:%2$d"]
                        dbname = "app"
                        target = "standby"
                        max_replica_lag_seconds = 2
                        replica_lag_fallback = "error"
                        """.formatted(c.primary().port(), c.standby(0).port(), MAX_LAG_BYTES),
                        "127.0.0.1:0")) {
            int primaryPort = c.primary().port(), standbyPort = c.standby(0).port();
            FailoverIT.createTable(c);
            try (Connection ro = proxy.connect("ro", "app", "app")) {
                assertEquals(standbyPort, BackendRoutingIT.where(ro)[0], "reads on the standby while it keeps up");
            }
            Await.until(
                    () -> !"null".equals(row(proxy, "ro", standbyPort).get("lag_bytes")),
                    10,
                    "the standby's lag to be measured");
            Map<String, String> caughtUp = row(proxy, "ro", standbyPort);
            assertEquals("t", caughtUp.get("in_rotation"));
            assertTrue(Long.parseLong(caughtUp.get("lag_bytes")) < MAX_LAG_BYTES, caughtUp.toString());
            assertEquals("null", row(proxy, "ro", primaryPort).get("lag_bytes"), "a primary has no lag");

            try (Connection standby = c.standby(0).superuser();
                    Connection primary = c.primary().connect("app", "app", "app")) {
                standby.createStatement().execute("SELECT pg_wal_replay_pause()");
                try (Statement st = primary.createStatement()) {
                    // About 2 MB of WAL the standby receives but does not replay.
                    st.execute("INSERT INTO writes (who) SELECT repeat('x', 1000) FROM generate_series(1, 2000)");
                }
                Await.until(
                        () -> "f".equals(row(proxy, "ro", standbyPort).get("in_rotation")),
                        15,
                        "the paused standby to leave read rotation past max_replica_lag_bytes");
                Map<String, String> lagging = row(proxy, "ro", standbyPort);
                assertTrue(Long.parseLong(lagging.get("lag_bytes")) > MAX_LAG_BYTES, lagging.toString());
                try (Connection ro = proxy.connect("ro", "app", "app")) {
                    Object[] where = BackendRoutingIT.where(ro);
                    assertEquals(primaryPort, where[0], "every standby lags: reads go to the primary");
                    assertEquals(false, where[1]);
                }
                String metrics = proxy.httpGet("/metrics");
                assertTrue(metrics.contains("pgloom_backend_standbys_out_of_rotation{database=\"ro\",} 1.0"), metrics);
                assertTrue(metrics.contains("pgloom_backend_standbys_in_rotation{database=\"ro\",} 0.0"), metrics);
                assertTrue(metrics.contains(
                        "pgloom_backend_replica_lag_bytes{database=\"ro\",host=\"127.0.0.1:" + standbyPort + "\",}"));
                assertTrue(metrics.contains(
                        "pgloom_backend_replica_lag_seconds{database=\"ro\",host=\"127.0.0.1:" + standbyPort + "\",}"));
                assertTrue(proxy.httpGet("/status").contains("\"in_rotation\":false"), "/status shows it too");

                Await.until(
                        () -> "f".equals(row(proxy, "ro_strict", standbyPort).get("in_rotation")),
                        15,
                        "replay more than max_replica_lag_seconds behind");
                assertTrue(
                        Double.parseDouble(row(proxy, "ro_strict", standbyPort).get("lag_seconds")) > 2);
                SQLException refused = assertThrows(SQLException.class, () -> {
                    try (Connection strict = proxy.connect("ro_strict", "app", "app")) {
                        BackendRoutingIT.where(strict);
                    }
                });
                assertEquals("08006", refused.getSQLState(), refused.getMessage());
                assertTrue(refused.getMessage().contains("every standby"), refused.getMessage());

                standby.createStatement().execute("SELECT pg_wal_replay_resume()");
                for (String db : new String[] {"ro", "ro_strict"}) {
                    Await.until(
                            () -> "t".equals(row(proxy, db, standbyPort).get("in_rotation")),
                            15,
                            db + ": the standby back in rotation after pg_wal_replay_resume()");
                }
            }
            // The connections that served reads on the primary meanwhile are replaced as they come back.
            Await.until(
                    () -> {
                        try (Connection ro = proxy.connect("ro", "app", "app")) {
                            return (Integer) BackendRoutingIT.where(ro)[0] == standbyPort;
                        }
                    },
                    10,
                    "reads back on the standby");
            try (Connection strict = proxy.connect("ro_strict", "app", "app")) {
                assertEquals(true, BackendRoutingIT.where(strict)[1]);
            }
        }
    }

    private static Map<String, String> row(ProxyHarness proxy, String database, int port) throws SQLException {
        return BackendRoutingIT.showBackends(proxy).get(database + "/" + port);
    }
}
