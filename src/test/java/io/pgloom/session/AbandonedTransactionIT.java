// A client that leaves inside a transaction, through transaction mode against real PostgreSQL with one server: the
// server is rolled back and reused when nothing was running, closed when a query was, and both are counted.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.WireClient;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AbandonedTransactionIT {
    static ProxyHarness proxy;

    @BeforeAll
    static void start() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        proxy = ProxyHarness.start(pg, "transaction", "auth_type = \"trust\"", """
                [databases.one]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                pool_size = 1
                """.formatted(pg.port()));
        try (Connection c = pg.connect("app", "app", "app");
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS abandoned_t (v text)");
        }
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    /**
     * A client that leaves inside a transaction (open or failed) with nothing running: its server is rolled back and
     * handed to the next client, clean, and counted. (One that leaves while its query runs is noticed when the reply
     * is written to it: the server is then closed if it cannot be given back clean.)
     */
    @Test
    void aServerAClientLeftInsideATransactionIsRolledBackAndReused() throws Exception {
        var abandoned = proxy.pgloom().runtime().metrics.abandonedTransactions;
        double reused = abandoned.labels("reused").get();
        int pid;
        try (WireClient a = WireClient.connect(proxy.port(), "app", "one")) {
            a.exchange(WireClient.query("BEGIN"));
            a.exchange(WireClient.query("INSERT INTO abandoned_t VALUES ('abandoned')"));
            pid = Integer.parseInt(onlyRow(a.exchange(WireClient.query("SELECT pg_backend_pid()"))));
        }
        Await.until(
                () -> abandoned.labels("reused").get() == reused + 1, 10, "the server to be rolled back and reused");
        try (WireClient a = WireClient.connect(proxy.port(), "app", "one")) {
            a.exchange(WireClient.query("BEGIN"));
            a.exchange(WireClient.query("SELECT 1/0")); // a failed transaction is rolled back the same way
        }
        Await.until(() -> abandoned.labels("reused").get() == reused + 2, 10, "the failed transaction's server reused");
        try (WireClient b = WireClient.connect(proxy.port(), "app", "one")) {
            assertEquals(
                    String.valueOf(pid),
                    onlyRow(b.exchange(WireClient.query("SELECT pg_backend_pid()"))),
                    "the one server of the pool was kept");
            assertEquals(
                    "0",
                    onlyRow(b.exchange(WireClient.query("SELECT count(*) FROM abandoned_t WHERE v = 'abandoned'"))));
            assertEquals("Z I", b.exchange(WireClient.query("SELECT 1")).getLast(), "not inside anyone's transaction");
        }
    }

    private static String onlyRow(List<String> reply) {
        List<String> rows = reply.stream().filter(m -> m.startsWith("D ")).toList();
        assertEquals(1, rows.size(), reply.toString());
        return rows.get(0).substring(2);
    }
}
