// The fixture itself: the requested PostgreSQL major runs, every role logs in with its own method, and an
// instance survives stop/start on the same port (fault tests rely on that).
package io.pgloom.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresFixtureIT {
    @Test
    void runsTheRequestedMajorWithEveryAuthMethod() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        assertEquals(Integer.getInteger("pg.version", 17), pg.majorVersion());
        String[][] roles = {
            {"scram_user", "scram_pw", "scram-sha-256"},
            {"md5_user", "md5_pw", "md5"},
            {"plain_user", "plain_pw", "password"},
            {"trust_user", null, "trust"},
            {"app", "app", "scram-sha-256"}
        };
        for (String[] r : roles) {
            try (Connection c = pg.connect("app", r[0], r[1]);
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT current_user")) {
                rs.next();
                assertEquals(r[0], rs.getString(1), r[2]);
            }
        }
        assertThrows(
                SQLException.class,
                () -> pg.connect("app", "scram_user", "wrong").close());
    }

    @Test
    void stopAndStartKeepTheSamePort() throws Exception {
        try (PostgresFixture pg = PostgresFixture.startNew()) {
            int port = pg.port();
            pg.stop();
            assertFalse(pg.isRunning());
            assertThrows(SQLException.class, () -> pg.superuser().close());
            pg.start();
            assertTrue(pg.isRunning());
            assertEquals(port, pg.port());
            try (Connection c = pg.superuser();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }
}
