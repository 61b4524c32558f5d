// target = "auto" against a real primary and streaming standby through pgloom, with pgjdbc: writes land on the
// primary, plain SELECTs on the standby (pg_is_in_recovery() true), SELECT FOR UPDATE, a writable CTE, nextval()
// and a volatile user function on the primary, read-only transactions on the standby, a client reads its own
// writes (pgjdbc, and psycopg 3 by scripts/clients/psycopg_read_your_writes.py), named prepared statements keep
// their route, session mode stays on the primary; pgloom_routed_total.
package io.pgloom.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresCluster;
import io.pgloom.testkit.ProxyHarness;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReadWriteSplitIT {
    private static PostgresCluster cluster;
    private static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        cluster = PostgresCluster.start(1);
        proxy = ProxyHarness.start(
                cluster.primary(),
                "transaction",
                "",
                """
                [failover]
                health_check_user = "app"
                health_check_period = 0.2
                health_check_timeout = 1

                [databases.auto]
                hosts = ["127.0.0.1:%1$d", "127.0.0.1:%2$d"]
                dbname = "app"
                target = "auto"
                read_your_writes = 1.5
                read_only_functions = ["public.stable_price"]

                [databases.auto_session]
                hosts = ["127.0.0.1:%1$d", "127.0.0.1:%2$d"]
                dbname = "app"
                target = "auto"
                pool_mode = "session"
                """.formatted(cluster.primary().port(), cluster.standby(0).port()),
                "127.0.0.1:0");
        try (Connection c = cluster.primary().connect("app", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE items (id bigserial PRIMARY KEY, v text)");
            st.execute("INSERT INTO items (v) VALUES ('seed')");
            st.execute("CREATE FUNCTION bump() RETURNS bigint VOLATILE LANGUAGE sql AS "
                    + "$$ INSERT INTO items (v) VALUES ('bumped') RETURNING id $$");
            st.execute("CREATE FUNCTION stable_price(int) RETURNS int STABLE LANGUAGE sql AS $$ SELECT $1 * 2 $$");
        }
        Await.until(
                () -> {
                    try (Connection s = cluster.standby(0).connect("app", "app", "app");
                            ResultSet rs =
                                    s.createStatement().executeQuery("SELECT to_regproc('stable_price') IS NOT NULL")) {
                        return rs.next() && rs.getBoolean(1);
                    }
                },
                20,
                "the schema to reach the standby");
        // A standby is used only once its first health check passed.
        Await.until(
                () -> proxy.pgloom().runtime().backends.backends().stream()
                        .anyMatch(r -> r.database().equals("auto")
                                && r.port() == cluster.standby(0).port()
                                && r.up()
                                && r.role().equals("standby")),
                10,
                "the standby to be checked");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
        if (cluster != null) cluster.close();
    }

    /** pg_is_in_recovery() of the server that ran sql (its one row's last column). */
    private static boolean onStandby(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql);
            return rs.getBoolean(rs.getMetaData().getColumnCount());
        }
    }

    private static Connection fresh() throws SQLException {
        return proxy.connect("auto", "app", "app");
    }

    @Test
    void readsGoToTheStandbyAndEverythingElseToThePrimary() throws Exception {
        try (Connection c = fresh()) {
            assertTrue(onStandby(c, "SELECT count(*), pg_is_in_recovery() FROM items"), "a plain SELECT");
            assertTrue(onStandby(c, "/* FOR UPDATE */ SELECT 'INSERT', pg_is_in_recovery()"), "words in quotes");
            assertTrue(onStandby(c, "SELECT public.stable_price(2), pg_is_in_recovery()"), "an allow-listed function");
        }
        String[] primaryOnly = {
            "SELECT id, pg_is_in_recovery() FROM items ORDER BY id LIMIT 1 FOR UPDATE",
            "WITH i AS (INSERT INTO items (v) VALUES ('cte') RETURNING id) SELECT id, pg_is_in_recovery() FROM i",
            "SELECT nextval('items_id_seq'), pg_is_in_recovery()",
            "SELECT bump(), pg_is_in_recovery()",
            "INSERT INTO items (v) VALUES ('w') RETURNING id, pg_is_in_recovery()"
        };
        for (String sql : primaryOnly) {
            try (Connection c = fresh()) {
                assertEquals(false, onStandby(c, sql), sql);
            }
        }
    }

    @Test
    void readOnlyTransactionsAndReadOnlyClientsGoToTheStandby() throws Exception {
        String notAllowListed = "SELECT pg_backend_pid(), pg_is_in_recovery()";
        try (Connection c = fresh()) {
            assertEquals(false, onStandby(c, notAllowListed), "autocommit: a function off the allow-list is uncertain");
        }
        try (Connection c = fresh()) {
            c.setReadOnly(true); // pgjdbc starts its transactions with BEGIN READ ONLY
            c.setAutoCommit(false);
            assertTrue(onStandby(c, notAllowListed), "inside BEGIN READ ONLY");
            c.commit();
        }
        try (Connection c = fresh()) {
            c.createStatement().execute("SET default_transaction_read_only = on");
            assertTrue(onStandby(c, notAllowListed), "a client whose default_transaction_read_only is on");
        }
    }

    @Test
    void aClientReadsItsOwnWritesThenGoesBackToTheStandby() throws Exception {
        try (Connection c = fresh()) {
            String mine = "mine-" + System.nanoTime();
            c.createStatement().execute("INSERT INTO items (v) VALUES ('" + mine + "')");
            try (ResultSet rs = c.createStatement()
                    .executeQuery("SELECT count(*), pg_is_in_recovery() FROM items WHERE v = '" + mine + "'")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1), "the row just written is seen");
                assertEquals(false, rs.getBoolean(2), "within read_your_writes: the primary");
            }
            Await.until(
                    () -> onStandby(c, "SELECT pg_is_in_recovery()"),
                    10,
                    "reads back on the standby once read_your_writes passed");
        }
    }

    @Test
    void psycopgReadsItsOwnWritesThenGoesBackToTheStandby() throws Exception {
        String python = pythonWith("psycopg");
        Path log = Files.createTempFile("pgloom-psycopg-rw-", ".log");
        ProcessBuilder pb = new ProcessBuilder(python, "psycopg_read_your_writes.py")
                .directory(Path.of("scripts", "clients").toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment()
                .putAll(Map.of(
                        "PGHOST", "127.0.0.1",
                        "PGPORT", String.valueOf(proxy.port()),
                        "PGUSER", "app",
                        "PGPASSWORD", "app",
                        "PGDATABASE", "auto",
                        "PGSSLMODE", "disable"));
        Process p = pb.start();
        boolean done = p.waitFor(90, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        String out = Files.readString(log);
        assertTrue(done, "the psycopg script finished:\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(", 0 failed"), out);
    }

    /** A python3 that can import the module (Debian's, else the PATH's), or the test skips saying so. */
    private static String pythonWith(String module) throws Exception {
        List<String> candidates = new ArrayList<>(List.of("/usr/bin/python3"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            candidates.add(Path.of(dir, "python3").toString());
        for (String py : candidates) {
            if (!new File(py).canExecute()) continue;
            Process p = new ProcessBuilder(py, "-c", "import " + module)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) return py;
        }
        Assumptions.assumeTrue(false, "no python3 here can import " + module + "; run scripts/install-client-libs.sh");
        return null;
    }

    @Test
    void namedPreparedStatementsKeepTheirRoute() throws Exception {
        try (Connection c = fresh();
                PreparedStatement read = c.prepareStatement("SELECT v, pg_is_in_recovery() FROM items WHERE id = ?");
                PreparedStatement next = c.prepareStatement("SELECT nextval('items_id_seq'), pg_is_in_recovery()")) {
            for (int i = 0; i < 8; i++) { // pgjdbc names the statement from the 5th execution on (prepareThreshold)
                read.setLong(1, 1);
                try (ResultSet rs = read.executeQuery()) {
                    assertTrue(rs.next());
                    assertTrue(rs.getBoolean(2), "execution " + i + " of a read");
                }
            }
            for (int i = 0; i < 8; i++) {
                try (ResultSet rs = next.executeQuery()) {
                    assertTrue(rs.next());
                    assertEquals(false, rs.getBoolean(2), "execution " + i + " of nextval()");
                }
            }
        }
    }

    @Test
    void sessionModeStaysOnThePrimaryAndRoutesAreCounted() throws Exception {
        try (Connection c = proxy.connect("auto_session", "app", "app")) {
            assertEquals(false, onStandby(c, "SELECT pg_is_in_recovery()"), "session mode: auto = primary");
        }
        try (Connection c = fresh()) {
            onStandby(c, "SELECT pg_is_in_recovery()");
            c.createStatement().execute("INSERT INTO items (v) VALUES ('counted')");
            onStandby(c, "SELECT pg_is_in_recovery()");
            onStandby(c, "SELECT pg_backend_pid(), pg_is_in_recovery()");
        }
        String metrics = proxy.httpGet("/metrics");
        for (String route : new String[] {"standby", "primary_write", "primary_uncertain", "primary_recent_write"}) {
            String prefix = "pgloom_routed_total{database=\"auto\",route=\"" + route + "\",} ";
            assertTrue(
                    metrics.lines().anyMatch(l -> l.startsWith(prefix) && !l.endsWith(" 0.0")), "counted: " + prefix);
        }
        assertTrue(metrics.contains("database=\"auto:reads\""), "the read pool has its own pool metrics");
    }
}
