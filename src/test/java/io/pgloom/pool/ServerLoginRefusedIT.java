// PostgreSQL refusing pgloom's own login (its slots full for the role, the role's password rotated on the server)
// reaches the client with PostgreSQL's SQLSTATE but a message that says PostgreSQL refused pgloom, and is counted
// apart from pgloom's own errors: server_refused_* in pgloom_server_connects_total, origin="postgresql" in
// pgloom_errors_sent_total, and not as a client authentication failure.
package io.pgloom.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.prometheus.client.CollectorRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class ServerLoginRefusedIT {
    private static final String ROLE = "refused_role";

    @Test
    void postgresRefusingPgloomsLoginIsToldApartFromPgloomsOwnErrors() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection su = pg.superuser();
                Statement st = su.createStatement()) {
            st.execute("DROP ROLE IF EXISTS " + ROLE);
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD 'first_pw' CONNECTION LIMIT 0");
        }
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "", """
                [users.%s]
                password = "first_pw"
                """.formatted(ROLE))) {
            CollectorRegistry registry = p.pgloom().runtime().metrics.registry;

            // PostgreSQL's slots for the role are full: its 53300, not pgloom's max_client_conn.
            SQLException full = firstQueryFails(p);
            assertEquals("53300", full.getSQLState());
            assertTrue(
                    full.getMessage()
                            .contains("PostgreSQL at 127.0.0.1:" + pg.port() + " refused pgloom's login as \"" + ROLE
                                    + "\": too many connections for role"),
                    full.getMessage());
            assertTrue(connects(registry, "server_refused_too_many_connections") >= 1);
            assertTrue(errorsSent(registry, "53300", "postgresql") >= 1);
            assertNull(errorsSent(registry, "53300", "pgloom"), "pgloom's own 53300 was not sent");

            // The password rotated on PostgreSQL only: the client's login to pgloom is fine, pgloom's is not.
            try (Connection su = pg.superuser();
                    Statement st = su.createStatement()) {
                st.execute("ALTER ROLE " + ROLE + " CONNECTION LIMIT -1 PASSWORD 'rotated_pw'");
            }
            SQLException[] rotated = new SQLException[1];
            // server_login_retry (1 s here) answers with the last failure until it runs out.
            Await.until(
                    () -> "28P01".equals((rotated[0] = firstQueryFails(p)).getSQLState()),
                    15,
                    "pgloom's next login to fail on the rotated password");
            assertTrue(
                    rotated[0].getMessage().contains("refused pgloom's login as \"" + ROLE + "\""),
                    rotated[0].getMessage());
            assertTrue(connects(registry, "server_refused_password") >= 1);
            assertTrue(errorsSent(registry, "28P01", "postgresql") >= 1);
            Double clientAuthFailures = registry.getSampleValue(
                    "pgloom_auth_failures_total", new String[] {"reason"}, new String[] {"wrong_password"});
            assertNull(clientAuthFailures, "the client's own password was right: no client authentication failure");
            assertTrue(
                    disconnects(registry, "server_refused_password") >= 1,
                    "the session ended on the server's side, by its reason");
        } finally {
            try (Connection su = pg.superuser();
                    Statement st = su.createStatement()) {
                st.execute("DROP ROLE IF EXISTS " + ROLE);
            }
        }
    }

    /** Logs in to pgloom as the role and runs a query: the error pgloom sends when it cannot get a server. */
    private static SQLException firstQueryFails(ProxyHarness p) {
        try (Connection c = p.connect("app", ROLE, "first_pw")) {
            c.createStatement().execute("SELECT 1");
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("the query ran: PostgreSQL accepted pgloom's login");
    }

    private static double connects(CollectorRegistry r, String result) {
        Double v = r.getSampleValue(
                "pgloom_server_connects_total",
                new String[] {"database", "user", "result"},
                new String[] {"app", ROLE, result});
        return v == null ? 0 : v;
    }

    private static Double errorsSent(CollectorRegistry r, String sqlState, String origin) {
        return r.getSampleValue(
                "pgloom_errors_sent_total", new String[] {"sqlstate", "origin"}, new String[] {sqlState, origin});
    }

    private static double disconnects(CollectorRegistry r, String reason) {
        Double v = r.getSampleValue(
                "pgloom_client_disconnects_total", new String[] {"side", "reason"}, new String[] {"server", reason});
        return v == null ? 0 : v;
    }
}
