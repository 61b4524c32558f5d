// on_session_state = "pin" in transaction mode: a client that LISTENs keeps its server (its notifications reach
// it), other clients share the rest of the pool meanwhile, and the server is closed when the pinned client leaves,
// so its LISTEN never reaches another client. Real pgjdbc clients through pgloom against a real PostgreSQL.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

class PinnedSessionStateIT {
    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void aListeningClientKeepsItsServerAndItsNotificationsAndTheServerLeavesWithIt() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.start(
                pg, "transaction", "default_pool_size = 2\non_session_state = \"pin\"\nquery_wait_timeout = 30", "")) {
            int pinnedPid;
            try (Connection listener = p.app();
                    Connection other = p.app();
                    Connection third = p.app()) {
                try (Statement st = listener.createStatement()) {
                    st.execute("LISTEN jobs");
                }
                pinnedPid = backendPid(listener);
                assertTrue(
                        p.pgloom().runtime().clientRows().stream()
                                .anyMatch(r -> r.state().equals("pinned")),
                        "SHOW CLIENTS shows the pinned client");
                for (int i = 0; i < 20; i++) {
                    // The other clients share the one server left; the pinned one never changes server.
                    assertTrue(backendPid(i % 2 == 0 ? other : third) != pinnedPid, "no one else gets its server");
                    assertEquals(pinnedPid, backendPid(listener), "the pinned client stays on its server");
                }
                try (Statement st = other.createStatement()) {
                    st.execute("NOTIFY jobs, 'hello'");
                }
                // pgjdbc reads notifications that arrived with a reply: the next statement brings it.
                backendPid(listener);
                PGNotification[] got = listener.unwrap(PGConnection.class).getNotifications(5000);
                assertNotNull(got, "the notification reached the listening client");
                assertEquals(1, got.length);
                assertEquals("jobs", got[0].getName());
                assertEquals("hello", got[0].getParameter());
                assertEquals(
                        1.0,
                        p.pgloom()
                                .runtime()
                                .metrics
                                .sessionPins
                                .labels("app", "listen")
                                .get(),
                        "pgloom_session_pins_total counts the pin");
            }
            // The server held the LISTEN: closed with its client, never handed to another.
            Await.until(
                    () -> {
                        try (Connection c = pg.connect("app", "app", "app");
                                Statement st = c.createStatement();
                                ResultSet rs = st.executeQuery(
                                        "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pinnedPid)) {
                            rs.next();
                            return rs.getInt(1) == 0;
                        }
                    },
                    10,
                    "the pinned server to be closed after its client left");
        }
    }
}
