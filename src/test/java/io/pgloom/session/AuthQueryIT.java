// auth_query: a user that is not in the config logs in with the password PostgreSQL knows; pgloom checks the SCRAM
// proof against the verifier it fetched and logs into PostgreSQL by SCRAM pass-through, never knowing the password.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class AuthQueryIT {
    @Test
    void aUserKnownOnlyToPostgresLogsInThroughSCRAMPassThrough() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (Connection su = pg.superuser()) {
            su.createStatement().execute("DROP ROLE IF EXISTS dyn_user");
            su.createStatement().execute("SET password_encryption = 'scram-sha-256'");
            su.createStatement().execute("CREATE ROLE dyn_user LOGIN PASSWORD 'dyn_pw'");
        }
        for (String mode : new String[] {"session", "transaction"}) {
            try (ProxyHarness p = ProxyHarness.start(pg, mode, "auth_user = \"postgres\"", """
                    [users.postgres]
                    password = "postgres"
                    """)) {
                for (int i = 0; i < 3; i++) {
                    try (Connection c = p.connect("app", "dyn_user", "dyn_pw");
                            ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                        rs.next();
                        assertEquals("dyn_user", rs.getString(1), mode);
                    }
                }
                SQLException wrong = assertThrows(
                        SQLException.class,
                        () -> p.connect("app", "dyn_user", "nope").close());
                assertEquals("28P01", wrong.getSQLState());
                SQLException unknown = assertThrows(
                        SQLException.class,
                        () -> p.connect("app", "no_such_role", "x").close());
                assertEquals("28P01", unknown.getSQLState());
            }
        }
    }
}
