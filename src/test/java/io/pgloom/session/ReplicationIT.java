// Replication connections through pgloom (issue 22, item 2): pg_basebackup makes a backup that starts, a logical
// replication subscriber receives changes, both counted apart (SHOW CLIENTS state 'replication', the replication
// metrics) with their servers closed once they leave; transaction mode refuses them with 08004.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.postgresql.PGProperty;

class ReplicationIT {
    private static final String SU = PostgresFixture.SUPERUSER, SU_PASS = PostgresFixture.SUPERPASS;

    /** pgloom in session mode in front of {@code pg}: database {@code name} and the superuser, /metrics on. */
    private static ProxyHarness pgloom(PostgresFixture pg, String name) {
        return ProxyHarness.startOwn("pool_mode = \"session\"\nauth_failure_delay = 0.1\n", """
                [admin]
                http_listen = "127.0.0.1:0"
                users = ["admin"]
                [log]
                level = "warn"
                [databases.%s]
                host = "127.0.0.1"
                port = %d
                dbname = "%s"
                [users.%s]
                password = "%s"
                [users.admin]
                password = "admin"
                """.formatted(
                        name, pg.port(), name.equals("replication") ? "postgres" : name, SU, SU_PASS));
    }

    /** pg_basebackup on PATH or in a Debian/Ubuntu PostgreSQL folder, with postgres and initdb beside it; or null. */
    private static Path basebackupHome() throws Exception {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) for (String d : path.split(":")) candidates.add(Path.of(d, "pg_basebackup"));
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                versions.sorted(Comparator.reverseOrder()).forEach(v -> candidates.add(v.resolve("bin/pg_basebackup")));
            }
        }
        for (Path c : candidates) {
            if (!Files.isExecutable(c)) continue;
            Path bin = c.toRealPath().getParent(); // Debian's /usr/bin entry is a link into its version's folder
            if (Files.isExecutable(bin.resolve("postgres")) && Files.isExecutable(bin.resolve("initdb")))
                return bin.getParent();
        }
        return null;
    }

    @Test
    void pgBasebackupThroughPgloomMakesABackupThatStarts() throws Exception {
        Path home = basebackupHome();
        // The fixture's own binaries do not ship pg_basebackup, and pg_basebackup refuses a newer server: the primary
        // runs on the PostgreSQL installation pg_basebackup comes from.
        Assumptions.assumeTrue(
                home != null, "no pg_basebackup with a PostgreSQL server beside it (PATH, /usr/lib/postgresql/*/bin)");
        Path target = Files.createTempDirectory("pgloom-basebackup-").resolve("data");
        try (PostgresFixture primary = PostgresFixture.startNewFromBinaries(home);
                ProxyHarness p = pgloom(primary, "replication")) {
            primary.allowReplication();
            try (Connection c = primary.superuser();
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE before_backup(v text)");
                st.execute("INSERT INTO before_backup VALUES ('in the backup')");
            }
            // -X stream: a second replication connection streams WAL while the first sends the files.
            ProcessBuilder pb = new ProcessBuilder(
                            home.resolve("bin/pg_basebackup").toString(),
                            "-h",
                            "127.0.0.1",
                            "-p",
                            String.valueOf(p.port()),
                            "-U",
                            SU,
                            "-D",
                            target.toString(),
                            "-X",
                            "stream",
                            "-c",
                            "fast",
                            "--no-sync",
                            "-w")
                    .redirectErrorStream(true);
            pb.environment().put("PGPASSWORD", SU_PASS);
            pb.environment().put("PGSSLMODE", "disable");
            Process backup = pb.start();
            String out = new String(backup.getInputStream().readAllBytes());
            assertTrue(backup.waitFor(120, TimeUnit.SECONDS), "pg_basebackup finished");
            assertEquals(0, backup.exitValue(), "pg_basebackup through pgloom:\n" + out);
            assertEquals(2, p.metric("pgloom_replication_connections_total", "result=\"ok\""), "base + WAL stream");
            Await.until(() -> p.metric("pgloom_replication_clients", null) == 0, 10, "replication clients gone");
            Await.until(() -> walSenders(primary) == 0, 10, "the primary's walsenders to end with their clients");

            try (PostgresFixture restored = primary.startCopy(target);
                    Connection c = restored.superuser();
                    Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT 1")) {
                    assertTrue(rs.next());
                    assertEquals(1, rs.getInt(1));
                }
                try (ResultSet rs = st.executeQuery("SELECT v FROM before_backup")) {
                    assertTrue(rs.next(), "the backup has the primary's data");
                    assertEquals("in the backup", rs.getString(1));
                }
            }
        }
    }

    @Test
    void logicalSubscriberReceivesChangesThroughPgloom() throws Exception {
        try (PostgresFixture primary = PostgresFixture.startNewFromBinaries();
                PostgresFixture subscriber = PostgresFixture.startNewFromBinaries()) {
            primary.restartWith("wal_level = logical");
            for (PostgresFixture pg : List.of(primary, subscriber)) {
                try (Connection c = pg.connect("app", SU, SU_PASS);
                        Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE items(id int PRIMARY KEY, v text)");
                }
            }
            try (Connection c = primary.connect("app", SU, SU_PASS);
                    Statement st = c.createStatement()) {
                st.execute("INSERT INTO items VALUES (1, 'copied by the initial sync')");
                st.execute("CREATE PUBLICATION pub FOR TABLE items");
            }
            try (ProxyHarness p = pgloom(primary, "app");
                    Connection sub = subscriber.connect("app", SU, SU_PASS);
                    Statement subSt = sub.createStatement();
                    Connection pub = primary.connect("app", SU, SU_PASS);
                    Statement pubSt = pub.createStatement()) {
                subSt.execute("CREATE SUBSCRIPTION sub CONNECTION 'host=127.0.0.1 port=" + p.port()
                        + " dbname=app user=" + SU + " password=" + SU_PASS + " sslmode=disable' PUBLICATION pub");
                Await.until(() -> rows(subSt, "SELECT v FROM items WHERE id = 1") == 1, 60, "the initial sync");
                pubSt.execute("INSERT INTO items VALUES (2, 'streamed')");
                Await.until(() -> rows(subSt, "SELECT v FROM items WHERE id = 2") == 1, 60, "the row to arrive");

                // The apply worker's connection is a replication client of pgloom, counted apart.
                assertTrue(p.metric("pgloom_replication_clients", null) >= 1);
                Properties props = new Properties();
                props.setProperty("preferQueryMode", "simple");
                try (Connection adm = p.connect("pgloom", "admin", "admin", props);
                        Statement st = adm.createStatement();
                        ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
                    int replication = 0;
                    while (rs.next()) {
                        if (rs.getString("state").equals("replication")) {
                            replication++;
                            assertEquals("app", rs.getString("database"));
                            assertTrue(rs.getInt("backend_pid") > 0, "the walsender's pid");
                        }
                    }
                    assertTrue(replication >= 1, "SHOW CLIENTS shows the subscriber in state replication");
                }
                assertTrue(
                        rows(pubSt, "SELECT 1 FROM pg_stat_replication WHERE application_name = 'sub'") == 1,
                        "the primary streams to the subscriber");

                subSt.execute("DROP SUBSCRIPTION sub"); // drops its slot on the primary, through pgloom too
                Await.until(() -> p.metric("pgloom_replication_clients", null) == 0, 20, "the subscriber gone");
                Await.until(() -> walSenders(primary) == 0, 20, "the primary's walsenders to end");
                assertEquals(
                        0, rows(pubSt, "SELECT 1 FROM pg_replication_slots"), "the slot went with the subscription");
            }
        }
    }

    @Test
    void transactionModeRefusesReplicationWith08004() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction")) {
            Properties props = new Properties();
            PGProperty.REPLICATION.set(props, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
            PGProperty.PREFER_QUERY_MODE.set(props, "simple");
            SQLException e = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "app", props).close());
            assertEquals("08004", e.getSQLState(), e.getMessage());
            assertTrue(e.getMessage().contains("pool_mode = \"session\""), e.getMessage());
            // An ordinary client of the same database is not affected.
            try (Connection c = p.app();
                    Statement st = c.createStatement()) {
                assertEquals(1, rows(st, "SELECT 1"));
            }
        }
    }

    private static int rows(Statement st, String sql) throws SQLException {
        int n = 0;
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) n++;
        }
        return n;
    }

    private static int walSenders(PostgresFixture pg) throws SQLException {
        try (Connection c = pg.superuser();
                Statement st = c.createStatement()) {
            return rows(st, "SELECT 1 FROM pg_stat_activity WHERE backend_type = 'walsender'");
        }
    }
}
