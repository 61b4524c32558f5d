// new_client_heap_limit: while the live heap is at the limit, a new client is refused with 53200 and a message
// saying why, a connected client keeps being served, and new clients come in again once the limit is above the
// live heap. The limit is moved with the admin console's SET rather than by filling the heap: the live share is
// the JVM's own figure (after a collection), read the same way either way.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.prometheus.client.CollectorRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class LowMemoryRefusalIT {
    @Test
    void newClientsAreRefusedWhileTheHeapIsAtTheLimitAndConnectedOnesAreServed() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "transaction");
                Connection connected = p.app();
                Connection admin = admin(p)) {
            System.gc(); // the live share is what the last collection left: make sure there was one
            admin.createStatement().execute("SET new_client_heap_limit = 0.0001");

            SQLException refused =
                    assertThrows(SQLException.class, () -> p.app().close());
            assertEquals("53200", refused.getSQLState());
            assertTrue(refused.getMessage().contains("pgloom is low on memory"), refused.getMessage());
            assertTrue(refused.getMessage().contains("new_client_heap_limit = 0.00"), refused.getMessage());
            try (ResultSet rs = connected.createStatement().executeQuery("SELECT 41 + 1")) {
                assertTrue(rs.next());
                assertEquals(42, rs.getInt(1), "a connected client is still served");
            }
            CollectorRegistry r = p.pgloom().runtime().metrics.registry;
            assertTrue(r.getSampleValue("pgloom_heap_live_ratio") > 0.0001);
            assertEquals(0.0001, r.getSampleValue("pgloom_new_client_heap_limit"), 1e-9);
            assertEquals(
                    1.0,
                    r.getSampleValue("pgloom_errors_sent_total", new String[] {"sqlstate", "origin"}, new String[] {
                        "53200", "pgloom"
                    }));

            admin.createStatement().execute("SET new_client_heap_limit = 0.95");
            try (Connection again = p.app();
                    ResultSet rs = again.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "new clients come in again");
            }
        }
    }

    private static Connection admin(ProxyHarness p) throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return p.connect("pgloom", "admin", "admin", props);
    }
}
