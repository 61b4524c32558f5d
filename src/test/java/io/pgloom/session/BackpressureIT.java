// A client that asks for a 200 MB result and stops reading: pgloom stops reading from its server (PostgreSQL's
// backend is seen blocked in ClientWrite), relays only what the socket buffers hold, keeps its own buffers and heap
// flat, and still applies query_timeout / idle_transaction_timeout to the stuck session: it is closed, its server
// discarded (the backend exits), and the next client is served by a clean server.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.pool.ServerConn;
import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProcessCensus;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.RawPgClient;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class BackpressureIT {
    private static final String BIG = "SELECT repeat('x', 1000) FROM generate_series(1, 200000) AS big_result";
    private static final long BIG_BYTES = 200_000L * 1000;

    /** The backend running the big query while it waits to write to pgloom, or 0. */
    private static int blockedWriter(PostgresFixture pg) throws SQLException {
        try (Connection su = pg.superuser();
                ResultSet rs = su.createStatement()
                        .executeQuery(
                                "SELECT pid FROM pg_stat_activity WHERE query LIKE '%AS big_result' AND wait_event = 'ClientWrite'"
                                        + " AND pid <> pg_backend_pid()")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static boolean backendGone(PostgresFixture pg, int pid) throws SQLException {
        try (Connection su = pg.superuser();
                ResultSet rs =
                        su.createStatement().executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
            rs.next();
            return rs.getInt(1) == 0;
        }
    }

    private static double disconnects(ProxyHarness p, String reason) {
        return p.pgloom()
                .runtime()
                .metrics
                .clientDisconnects
                .labels("proxy", reason)
                .get();
    }

    /**
     * Sends the big query (after {@code prefix}, e.g. BEGIN) on a raw client that then reads nothing, checks the
     * backpressure, waits for pgloom to end the session for {@code reason}, and checks the aftermath.
     */
    private static void stopReadingThenTimeout(ProxyHarness p, String prefix, String reason) throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        long heapBefore = ProcessCensus.heapAfterGc();
        double endedBefore = disconnects(p, reason);
        try (RawPgClient raw = RawPgClient.login(p.port(), "app", "app", 64 * 1024)) {
            if (!prefix.isEmpty()) {
                raw.send(Messages.query(prefix));
                assertEquals(MessageType.TX_IN_BLOCK, raw.readUntilReady());
            }
            raw.send(Messages.query(BIG));
            int[] pid = {0};
            Await.until(
                    () -> (pid[0] = blockedWriter(pg)) != 0, 20, "PostgreSQL to block writing the result to pgloom");

            // pgloom holds no more than its buffers: what it relayed is what the sockets hold, not the result.
            ServerConn server =
                    p.pgloom().runtime().pools.all().iterator().next().servers().get(0);
            assertTrue(server.reader.capacity() <= 64 * 1024, "server buffer stays small: " + server.reader.capacity());
            double relayed = p.pgloom()
                    .runtime()
                    .metrics
                    .bytes
                    .labels("app", "app", "server_to_client")
                    .get();
            assertTrue(
                    relayed < BIG_BYTES / 10,
                    "relayed only what the socket buffers hold: " + (long) relayed + " bytes");
            long heapGrowth = ProcessCensus.heapAfterGc() - heapBefore;
            assertTrue(
                    heapGrowth < 32L << 20,
                    "heap stays flat while the client does not read: +" + heapGrowth + " bytes");

            // The stuck session still times out: closed, its server discarded (the backend exits), never pooled.
            Await.until(() -> disconnects(p, reason) > endedBefore, 20, "the stuck session to end with " + reason);
            Await.until(() -> backendGone(pg, pid[0]), 20, "the stuck server to be closed, not pooled");
            long drained = raw.drainToEof();
            assertTrue(
                    drained < BIG_BYTES / 10,
                    "the client gets what was buffered, then the connection closes: " + drained);
        }
        Await.until(() -> p.pgloom().runtime().sessionCount() == 0, 10, "no session left behind");
        try (Connection next = p.app();
                ResultSet rs = next.createStatement()
                        .executeQuery(
                                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'app' AND state = 'idle in transaction'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the next client is served by a clean server");
        }
        p.pgloom().runtime().pools.snapshots().forEach(s -> assertTrue(s.total() <= s.size(), "no leaked servers"));
    }

    @Test
    void queryTimeoutEndsASessionWhoseClientStoppedReading() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                PostgresFixture.shared(), "transaction", "auth_type = \"trust\"\nquery_timeout = 3", "")) {
            stopReadingThenTimeout(p, "", "query_timeout");
        }
    }

    @Test
    void idleTransactionTimeoutEndsATransactionWhoseClientStoppedReading() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                PostgresFixture.shared(), "transaction", "auth_type = \"trust\"\nidle_transaction_timeout = 3", "")) {
            stopReadingThenTimeout(p, "BEGIN", "idle_transaction_timeout");
        }
    }
}
