// Transaction mode keeps each client's settings its own, as its own PostgreSQL connection would: a new client sees
// the server's defaults whatever earlier clients SET (reported settings such as TimeZone and unreported ones such
// as statement_timeout alike), a client's committed SETs follow it to every server it lands on, and a SET rolled
// back or made LOCAL does not stick. Raw wire clients against real PostgreSQL, more clients than servers.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.session.txn.SessionStateDetector;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.WireClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsIsolationIT {
    /** Every setting the tests change, read back as one text column (the WireClient shows the first column). */
    private static final String READ = "SELECT concat_ws('|', current_setting('client_encoding'), "
            + "current_setting('DateStyle'), current_setting('TimeZone'), current_setting('search_path'), "
            + "current_setting('statement_timeout'), current_setting('work_mem'), "
            + "coalesce(current_setting('app.flavor', true), ''))";

    private static final String SERVERS = "3";

    static PostgresFixture pg;
    static ProxyHarness proxy;
    /** What a fresh connection has, read before any client of this class changed anything. */
    static String defaults;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresFixture.shared();
        proxy = ProxyHarness.start(
                pg, "transaction", "auth_type = \"trust\"\ndefault_pool_size = " + SERVERS, """
                [databases.single]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                pool_size = 1

                [users.postgres]
                password = "%s"
                """.formatted(
                                pg.port(), PostgresFixture.SUPERPASS));
        try (WireClient c = connect("app")) {
            defaults = read(c);
        }
        // The base is PostgreSQL's own: compare with a direct connection (client_encoding aside: drivers differ).
        try (Connection c = pg.connect("app", "app", "app");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT concat_ws('|', current_setting('DateStyle'), "
                        + "current_setting('TimeZone'), current_setting('search_path'), current_setting('statement_timeout'), "
                        + "current_setting('work_mem'))")) {
            rs.next();
            assertEquals(rs.getString(1), defaults.substring(defaults.indexOf('|') + 1, defaults.lastIndexOf('|')));
        }
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    private static WireClient connect(String database, String... settings) throws Exception {
        return WireClient.connect(proxy.port(), "app", database, settings);
    }

    private static String read(WireClient c) throws Exception {
        return row(c.exchange(WireClient.query(READ)));
    }

    private static int pid(WireClient c) throws Exception {
        return Integer.parseInt(row(c.exchange(WireClient.query("SELECT pg_backend_pid()"))));
    }

    /** The one data row of a reply, as text. */
    private static String row(List<String> reply) {
        List<String> rows = reply.stream().filter(m -> m.startsWith("D ")).toList();
        assertEquals(1, rows.size(), reply.toString());
        return rows.get(0).substring(2);
    }

    private static void run(WireClient c, String sql) throws Exception {
        List<String> got = c.exchange(WireClient.query(sql));
        assertTrue(got.stream().noneMatch(m -> m.startsWith("E")), sql + " -> " + got);
    }

    /** Reads the settings on every server of the pool: each client holds one in a transaction while it reads. */
    private static List<String> readOnEveryServer(String database, int servers) throws Exception {
        List<WireClient> clients = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        Set<Integer> pids = new HashSet<>();
        try {
            for (int i = 0; i < servers; i++) {
                WireClient c = connect(database);
                clients.add(c);
                run(c, "BEGIN");
                pids.add(pid(c));
                seen.add(read(c));
            }
            assertEquals(servers, pids.size(), "each reader held its own server");
            for (WireClient c : clients) run(c, "COMMIT");
        } finally {
            for (WireClient c : clients) c.close();
        }
        return seen;
    }

    private static final String[] CHANGES = {
        "SET client_encoding TO 'LATIN1'", "SET datestyle TO 'German, DMY'", "SET timezone TO 'Asia/Kathmandu'",
        "SET search_path TO pg_catalog, public", "SET statement_timeout = '77s'", "SET work_mem = '7MB'",
        "SET app.flavor = 'mint'"
    };
    private static final String CHANGED = "LATIN1|German, DMY|Asia/Kathmandu|pg_catalog, public|77s|7MB|mint";

    /** The leak of the issue: what one client SETs never reaches a client that comes after it. */
    @ParameterizedTest
    @ValueSource(strings = {"app", "single"})
    void aNewClientSeesTheDefaultsWhateverTheLastClientSet(String database) throws Exception {
        int servers = database.equals("single") ? 1 : Integer.parseInt(SERVERS);
        readOnEveryServer(database, servers); // every server of the pool exists before the changes
        for (int round = 0; round < servers; round++) {
            try (WireClient a = connect(database)) {
                for (String set : CHANGES) run(a, set);
                assertEquals(CHANGED, read(a));
            }
        }
        for (String seen : readOnEveryServer(database, servers)) assertEquals(defaults, seen);
        try (WireClient b = connect(database)) {
            assertEquals(defaults, read(b));
            assertEquals(
                    defaults.substring(0, defaults.indexOf('|')),
                    b.parameters.get("client_encoding"),
                    "the welcome shows the server's own client_encoding");
        }
    }

    /** A client's SETs are its own: they hold on every server it lands on and no other client sees them. */
    @Test
    void committedSettingsFollowTheClientAndNoOneElse() throws Exception {
        try (WireClient a = connect("app")) {
            for (String set : CHANGES) run(a, set);
            Set<Integer> pidsOfA = new HashSet<>();
            for (int held = 0; held < Integer.parseInt(SERVERS); held++) {
                // Others hold `held` servers inside transactions, so the client lands on another one.
                List<WireClient> others = new ArrayList<>();
                try {
                    for (int i = 0; i < held; i++) {
                        WireClient o = connect("app");
                        others.add(o);
                        run(o, "BEGIN");
                        assertEquals(defaults, read(o));
                    }
                    run(a, "BEGIN");
                    pidsOfA.add(pid(a));
                    assertEquals(CHANGED, read(a));
                    run(a, "COMMIT");
                    for (WireClient o : others) run(o, "COMMIT");
                } finally {
                    for (WireClient o : others) o.close();
                }
            }
            assertTrue(pidsOfA.size() >= 2, "the client was served by several servers: " + pidsOfA);
            for (String seen : readOnEveryServer("app", Integer.parseInt(SERVERS))) assertEquals(defaults, seen);
        }
    }

    /** PostgreSQL's transaction rules: a SET rolled back (or in a failed transaction) is undone, SET LOCAL never sticks. */
    @Test
    void rolledBackAndLocalSettingsDoNotStick() throws Exception {
        try (WireClient a = connect("app")) {
            run(a, "SET work_mem = '5MB'");
            run(a, "BEGIN");
            run(a, "SET statement_timeout = '5s'");
            run(a, "SET timezone = 'Asia/Tokyo'");
            run(a, "ROLLBACK");
            run(a, "BEGIN");
            run(a, "SET app.flavor = 'lemon'");
            a.exchange(WireClient.query("SELECT 1/0"));
            run(a, "COMMIT"); // answers ROLLBACK: the transaction failed
            run(a, "BEGIN");
            run(a, "SET LOCAL search_path = pg_catalog");
            run(a, "COMMIT");
            run(a, "BEGIN");
            run(a, "SET datestyle = 'SQL, DMY'");
            run(a, "COMMIT");
            String expected = defaults.replaceFirst("\\|ISO, MDY\\|", "|SQL, DMY|");
            assertNotEquals(defaults, expected, "the default DateStyle is ISO, MDY");
            String[] parts = expected.split("\\|", -1);
            parts[5] = "5MB";
            expected = String.join("|", parts);
            // On whichever server: read it while others hold the other servers.
            for (int held = 0; held < Integer.parseInt(SERVERS); held++) {
                List<WireClient> others = new ArrayList<>();
                try {
                    for (int i = 0; i < held; i++) {
                        WireClient o = connect("app");
                        others.add(o);
                        run(o, "BEGIN");
                        run(o, "SELECT 1");
                    }
                    assertEquals(expected, read(a));
                    for (WireClient o : others) run(o, "COMMIT");
                } finally {
                    for (WireClient o : others) o.close();
                }
            }
        }
    }

    /** RESET and RESET ALL bring back what the client asked for at startup, on whichever server. */
    @Test
    void resetBringsBackTheStartupValue() throws Exception {
        try (WireClient a = connect("app", "options", "-c statement_timeout=11s -c search_path=pg_catalog,public")) {
            run(a, "SET statement_timeout = '22s'");
            run(a, "SET search_path = public");
            assertEquals("22s|public", tail(read(a)));
            run(a, "RESET statement_timeout");
            assertEquals("11s|public", tail(read(a)));
            run(a, "RESET ALL");
            assertEquals("11s|pg_catalog,public", tail(read(a)), "as PostgreSQL keeps a startup value");
        }
        for (String seen : readOnEveryServer("app", Integer.parseInt(SERVERS))) assertEquals(defaults, seen);
    }

    /**
     * With pgjdbc, as an application would: a statement_timeout one connection SETs cancels its own slow statements
     * on every server it lands on, and never another connection's; no session-state violation is counted for it.
     */
    @Test
    void pgjdbcStatementTimeoutIsHonouredForItsClientOnly() throws Exception {
        long violations = SessionStateDetector.count("app", SessionStateDetector.Kind.SET);
        try (Connection a = proxy.connect("app", "app", "app");
                Connection b = proxy.connect("app", "app", "app");
                Statement sa = a.createStatement();
                Statement sb = b.createStatement()) {
            sa.execute("SET statement_timeout = '100ms'");
            Set<Integer> pidsOfA = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                // b holds a server in a transaction every other round, so a lands on different servers.
                if (i % 2 == 1) {
                    b.setAutoCommit(false);
                    sb.execute("SELECT 1");
                }
                try (ResultSet rs = sa.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    pidsOfA.add(rs.getInt(1));
                }
                SQLException e = assertThrows(SQLException.class, () -> sa.execute("SELECT pg_sleep(2)"));
                assertEquals("57014", e.getSQLState(), e.getMessage());
                if (i % 2 == 1) b.commit();
                b.setAutoCommit(true);
                sb.execute("SELECT pg_sleep(0.2)"); // not cancelled: b never asked for a timeout
            }
            assertTrue(pidsOfA.size() >= 2, "a was served by several servers: " + pidsOfA);
        }
        assertEquals(violations, SessionStateDetector.count("app", SessionStateDetector.Kind.SET));
    }

    /** A SET the driver prepared once and runs again by name (Bind only) is carried like any other. */
    @Test
    void aPreparedSetRunAgainByNameIsCarried() throws Exception {
        Properties props = new Properties();
        props.setProperty("prepareThreshold", "1");
        try (Connection a = proxy.connect("app", "app", "app", props);
                Connection b = proxy.connect("app", "app", "app");
                PreparedStatement set = a.prepareStatement("SET work_mem = '9MB'");
                Statement sa = a.createStatement()) {
            set.execute();
            set.execute(); // now a server-side statement of pgjdbc's: Bind/Execute only from here on
            sa.execute("SET work_mem = '3MB'");
            set.execute();
            for (int i = 0; i < 4; i++) {
                if (i % 2 == 1) b.setAutoCommit(false);
                try (Statement sb = b.createStatement()) {
                    sb.execute("SELECT 1");
                }
                try (ResultSet rs = sa.executeQuery("SELECT current_setting('work_mem')")) {
                    rs.next();
                    assertEquals("9MB", rs.getString(1));
                }
                b.setAutoCommit(true);
            }
        }
    }

    /**
     * A superuser client's SET SESSION AUTHORIZATION is its own: it holds for that client and the next client on the
     * same server (a pool of one) is its login user again, never the identity the last one took.
     */
    @Test
    void sessionAuthorizationNeverReachesTheNextClient() throws Exception {
        String su = PostgresFixture.SUPERUSER;
        try (WireClient a = connectAs(su, "single")) {
            run(a, "SET SESSION AUTHORIZATION app");
            assertEquals("app", row(a.exchange(WireClient.query("SELECT current_user"))));
            try (WireClient b = connectAs(su, "single")) {
                assertEquals(su, row(b.exchange(WireClient.query("SELECT current_user"))), "B is who it logged in as");
            }
            assertEquals("app", row(a.exchange(WireClient.query("SELECT current_user"))), "A keeps its own identity");
            run(a, "RESET SESSION AUTHORIZATION");
            assertEquals(su, row(a.exchange(WireClient.query("SELECT current_user"))));
        }
    }

    private static WireClient connectAs(String user, String database) throws Exception {
        return WireClient.connect(proxy.port(), user, database);
    }

    /** statement_timeout then search_path, from the full read. */
    private static String tail(String all) {
        String[] p = all.split("\\|", -1);
        return p[4] + "|" + p[3];
    }
}
