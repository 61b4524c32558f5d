// [databases."*"] through pgloom with pgjdbc: two databases the config does not name are reachable, each marked
// auto in SHOW DATABASES/POOLS; a name PostgreSQL does not know gets its 3D000; max_auto_databases refuses with
// 53300; an unused auto database is dropped (pools and metric series) after autodb_idle_timeout, and comes back.
package io.pgloom.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.metrics.Metrics;
import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.prometheus.client.Collector;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class WildcardDatabaseIT {
    private static List<List<String>> rows(Connection c, String sql, String... cols) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (String col : cols) row.add(rs.getString(col));
                out.add(row);
            }
        }
        return out;
    }

    private static String currentDatabase(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT current_database()")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    /** Whether any server_connects series still names the database. */
    private static boolean seriesOf(Metrics m, String database) {
        for (Collector.MetricFamilySamples f : m.serverConnects.collect())
            for (Collector.MetricFamilySamples.Sample s : f.samples)
                if (s.labelValues.get(0).equals(database)) return true;
        return false;
    }

    @Test
    void anyDatabaseThroughTheWildcardCreatedOnFirstUseAndDroppedWhenIdle() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
        String a = "wild_a_" + suffix, b = "wild_b_" + suffix, missing = "wild_missing_" + suffix;
        try (Connection su = pg.superuser();
                Statement st = su.createStatement()) {
            st.execute("CREATE DATABASE " + a);
            st.execute("CREATE DATABASE " + b);
        }
        Properties simple = new Properties();
        simple.setProperty("preferQueryMode", "simple");
        try (ProxyHarness p = ProxyHarness.start(
                pg, "transaction", "autodb_idle_timeout = 2\nmax_auto_databases = 2\n", """
                [databases."*"]
                host = "127.0.0.1"
                port = %d
                """.formatted(pg.port()))) {
            AutoDatabases auto = p.pgloom().runtime().autoDatabases;
            Metrics metrics = p.pgloom().runtime().metrics;
            // PostgreSQL's own answer for a name it does not know; the failed database goes at the next pass.
            SQLException unknown = assertThrows(
                    SQLException.class, () -> p.connect(missing, "app", "app").close());
            assertEquals("3D000", unknown.getSQLState(), unknown.getMessage());
            assertTrue(unknown.getMessage().contains(missing), unknown.getMessage());
            // PostgreSQL said it (pgloom's own 3D000 for an unconfigured name reads the same): a login was made.
            assertTrue(seriesOf(metrics, missing), "a server login to " + missing + " was tried");
            Await.until(() -> !auto.names().contains(missing), 10, "the failed auto database dropped");

            try (Connection ca = p.connect(a, "app", "app");
                    Connection cb = p.connect(b, "app", "app");
                    Connection adm = p.connect("pgloom", "admin", "admin", simple)) {
                assertEquals(a, currentDatabase(ca));
                assertEquals(b, currentDatabase(cb));
                List<List<String>> dbs = rows(adm, "SHOW DATABASES", "name", "dbname", "auto");
                assertTrue(dbs.contains(List.of(a, a, "yes")), dbs.toString());
                assertTrue(dbs.contains(List.of(b, b, "yes")), dbs.toString());
                assertTrue(dbs.contains(List.of("app", "app", "no")), dbs.toString());
                List<List<String>> pools = rows(adm, "SHOW POOLS", "database", "user", "auto");
                assertTrue(pools.contains(List.of(a, "app", "yes")), pools.toString());

                // Both in use: a third name passes max_auto_databases = 2.
                SQLException cap = assertThrows(
                        SQLException.class,
                        () -> p.connect("postgres_x" + suffix, "app", "app").close());
                assertEquals("53300", cap.getSQLState(), cap.getMessage());
                assertTrue(cap.getMessage().contains("max_auto_databases = 2"), cap.getMessage());
                assertTrue(seriesOf(metrics, a));
                // In use (clients connected, even without a server in transaction mode): never dropped.
                Thread.sleep(3_000); // longer than autodb_idle_timeout: the condition is that nothing happens
                assertEquals(java.util.Set.of(a, b), auto.names());
            }
            Await.until(() -> auto.names().isEmpty(), 15, "both auto databases dropped after autodb_idle_timeout");
            assertFalse(
                    p.pgloom().runtime().pools.all().stream()
                            .anyMatch(pl -> pl.key().database().startsWith("wild_")),
                    "their pools are gone");
            assertFalse(seriesOf(metrics, a), "their metric series are gone");
            try (Connection again = p.connect(a, "app", "app")) {
                assertEquals(a, currentDatabase(again));
                assertEquals(java.util.Set.of(a), auto.names());
            }
        } finally {
            try (Connection su = pg.superuser();
                    Statement st = su.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + a + " WITH (FORCE)");
                st.execute("DROP DATABASE IF EXISTS " + b + " WITH (FORCE)");
            }
        }
    }
}
