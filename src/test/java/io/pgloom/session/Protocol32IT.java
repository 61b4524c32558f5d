// Protocol 3.2 (PostgreSQL 18) through pgloom, with raw-socket clients: a client asking for 3.2 gets it with a long
// cancel key whose long CancelRequest cancels its query (the key's first bytes alone cancel nothing); older clients
// get 3.0 as before; 3.3 or _pq_ options get NegotiateProtocolVersion as PostgreSQL sends it; toward a PostgreSQL 18
// server pgloom itself speaks 3.2 (its server's long key cancels), toward the suite's older one 3.0.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerCredentials;
import io.pgloom.pool.ServerLogin;
import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.WireClient;
import io.pgloom.util.TcpKeepalive;
import io.pgloom.wire.MessageType;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Protocol32IT {
    private static final int PROTOCOL_3_1 = (3 << 16) | 1, PROTOCOL_3_3 = (3 << 16) | 3;

    private static ProxyHarness pgloom(PostgresFixture pg, String mode) {
        return ProxyHarness.start(pg, mode, "auth_type = \"trust\"\n", "", "127.0.0.1:0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"session", "transaction"})
    void aClientAskingFor32GetsALongKeyWhoseLongCancelWorks(String mode) throws Exception {
        try (ProxyHarness p = pgloom(PostgresFixture.shared(), mode);
                WireClient c = WireClient.connect(p.port(), MessageType.PROTOCOL_3_2, "app", "app")) {
            assertEquals(List.of(), c.negotiated, "3.2 is spoken: no NegotiateProtocolVersion");
            assertEquals(32, c.backendSecret.length, "a 3.2 key, as long as PostgreSQL 18's");
            assertEquals(List.of("T", "D 1", "C SELECT 1", "Z I"), c.exchange(WireClient.query("SELECT 1")));

            c.send(WireClient.query("SELECT pg_sleep(60)"));
            awaitRunning("SELECT pg_sleep(60)");
            // The first 4 bytes alone (a 3.0-style cancel) and a key with its last byte changed cancel nothing.
            double unknownBefore = cancels(p, "unknown_key");
            cancel(p, c.backendPid, Arrays.copyOf(c.backendSecret, 4));
            byte[] wrong = c.backendSecret.clone();
            wrong[31] ^= 1;
            cancel(p, c.backendPid, wrong);
            assertEquals(unknownBefore + 2, cancels(p, "unknown_key"), "both counted as unknown keys");
            cancel(p, c.backendPid, c.backendSecret);
            List<String> got = c.untilReady();
            assertTrue(canceled(got), "the long key canceled the query: " + got);
            assertEquals(List.of("T", "D 2", "C SELECT 1", "Z I"), c.exchange(WireClient.query("SELECT 2")));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {MessageType.PROTOCOL_3_0, PROTOCOL_3_1})
    void olderClientsGet30AsBefore(int protocol) throws Exception {
        try (ProxyHarness p = pgloom(PostgresFixture.shared(), "transaction");
                WireClient c = WireClient.connect(p.port(), protocol, "app", "app")) {
            // As PostgreSQL 18: 3.1 is within its range, so no NegotiateProtocolVersion, and a 4-byte key below 3.2.
            assertEquals(List.of(), c.negotiated);
            assertEquals(4, c.backendSecret.length);
            c.send(WireClient.query("SELECT pg_sleep(60)"));
            awaitRunning("SELECT pg_sleep(60)");
            cancel(p, c.backendPid, c.backendSecret);
            assertTrue(canceled(c.untilReady()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.3", "3.2 with _pq_ options"})
    void newerVersionsAndProtocolOptionsGetNegotiateProtocolVersionAsPostgresSends(String ask) throws Exception {
        int protocol = ask.startsWith("3.3") ? PROTOCOL_3_3 : MessageType.PROTOCOL_3_2;
        String[] options = ask.startsWith("3.3") ? new String[0] : new String[] {"_pq_.a", "1", "_pq_.b", "2"};
        List<String> expected = ask.startsWith("3.3") ? List.of("3.2") : List.of("3.2", "_pq_.a", "_pq_.b");
        try (ProxyHarness p = pgloom(PostgresFixture.shared(), "session");
                WireClient c = WireClient.connect(p.port(), protocol, "app", "app", options)) {
            assertEquals(expected, c.negotiated, "the version agreed, then every option not recognised");
            assertEquals(32, c.backendSecret.length, "3.2 is agreed");
            assertEquals(List.of("T", "D 1", "C SELECT 1", "Z I"), c.exchange(WireClient.query("SELECT 1")));
        }
        // PostgreSQL 18 itself answers the same (trust_user: pg_hba trusts it).
        try (PostgresFixture pg18 = PostgresFixture.startNewPg18();
                WireClient direct =
                        WireClient.connect(pg18.port(), protocol, PostgresFixture.TRUST_USER, "postgres", options)) {
            assertEquals(expected, direct.negotiated, "PostgreSQL 18's own NegotiateProtocolVersion");
            assertEquals(32, direct.backendSecret.length);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"session", "transaction"})
    void towardPostgres18PgloomSpeaks32AndItsServersLongKeyCancels(String mode) throws Exception {
        try (PostgresFixture pg18 = PostgresFixture.startNewPg18();
                ProxyHarness p = pgloom(pg18, mode);
                WireClient c = WireClient.connect(p.port(), "app", "app")) {
            assertEquals(4, c.backendSecret.length, "a 3.0 client of pgloom");
            c.send(WireClient.query("SELECT pg_sleep(60)"));
            awaitRunning(pg18, "SELECT pg_sleep(60)");
            // The server's key pgloom forwards the cancel with: PostgreSQL 18 hands 3.2 logins 32 bytes.
            cancel(p, c.backendPid, c.backendSecret);
            assertTrue(canceled(c.untilReady()), "canceled on PostgreSQL 18");
            assertEquals(1.0, cancels(p, "forwarded"));
            try (Connection su = pg18.superuser();
                    Statement st = su.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'")) {
                rs.next();
                assertTrue(rs.getInt(1) >= 1, "pgloom's server logins work on PostgreSQL 18");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void serverLoginsSpeak32ToPostgres18And30ToOlderServers(boolean pg18) throws Exception {
        PostgresFixture shared = PostgresFixture.shared();
        try (PostgresFixture own = pg18 ? PostgresFixture.startNewPg18() : null) {
            PostgresFixture pg = pg18 ? own : shared;
            int expected = pg.majorVersion() >= 18 ? 2 : 0; // the suite's own may be 18 too (-Dpg.version=18)
            ServerConn conn = ServerLogin.open(
                    new PoolKey("app", "app"),
                    pg.host(),
                    pg.port(),
                    new ServerCredentials("app", "app", null),
                    Map.of("user", "app", "database", "app"),
                    Duration.ofSeconds(10),
                    new TcpKeepalive(false, 0, 0, 0),
                    1 << 20,
                    System.nanoTime());
            try {
                assertEquals(expected, conn.protocolMinor(), "PostgreSQL " + pg.majorVersion());
                assertEquals(expected == 2 ? 32 : 4, conn.cancelSecret().length, "its BackendKeyData");
            } finally {
                conn.closeSocket();
            }
        }
    }

    /** Whether a reply ended in PostgreSQL's "canceling statement due to user request". */
    private static boolean canceled(List<String> reply) {
        return reply.stream().anyMatch(m -> m.startsWith("E 57014 canceling statement due to user request"));
    }

    /** A CancelRequest to pgloom; returns once pgloom has served it (it closes the connection after). */
    private static void cancel(ProxyHarness p, int pid, byte[] secret) throws Exception {
        ServerLogin.sendCancel("127.0.0.1", p.port(), pid, secret, Duration.ofSeconds(10));
    }

    private static void awaitRunning(String query) throws Exception {
        awaitRunning(PostgresFixture.shared(), query);
    }

    /** Waits until PostgreSQL runs the query (a cancel before it starts would find nothing to cancel). */
    private static void awaitRunning(PostgresFixture pg, String query) throws Exception {
        Await.until(
                () -> {
                    try (Connection su = pg.superuser();
                            Statement st = su.createStatement();
                            ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = "
                                    + "'active' AND query = '" + query + "'")) {
                        rs.next();
                        return rs.getInt(1) == 1;
                    }
                },
                20,
                query + " to run");
    }

    /** pgloom_cancel_requests_total{result} from /metrics (0 when the series is not there yet). */
    private static double cancels(ProxyHarness p, String result) throws Exception {
        double v = p.metric("pgloom_cancel_requests_total", "result=\"" + result + "\"");
        return Double.isNaN(v) ? 0 : v;
    }
}
