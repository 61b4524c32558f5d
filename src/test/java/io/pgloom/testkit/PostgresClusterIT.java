// The replication fixture itself: a standby streams what the primary writes, is read-only until promoted, and
// accepts writes after pg_promote.
package io.pgloom.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PostgresClusterIT {
    @Test
    void standbyStreamsThenPromotes() throws Exception {
        long t0 = System.nanoTime();
        try (PostgresCluster c = PostgresCluster.start(1)) {
            System.out.printf("cluster of 2 started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            PostgresFixture standby = c.standby(0);
            assertFalse(c.primary().inRecovery());
            assertTrue(standby.inRecovery());
            try (Connection p = c.primary().superuser();
                    Statement st = p.createStatement()) {
                st.execute("CREATE TABLE streamed (v int)");
                st.execute("INSERT INTO streamed VALUES (42)");
            }
            Await.until(
                    () -> {
                        try (Connection s = standby.superuser();
                                ResultSet rs = s.createStatement().executeQuery("SELECT v FROM streamed")) {
                            return rs.next() && rs.getInt(1) == 42;
                        }
                    },
                    20,
                    "the row to reach the standby");
            assertThrows(
                    SQLException.class,
                    () -> {
                        try (Connection s = standby.superuser()) {
                            s.createStatement().execute("INSERT INTO streamed VALUES (1)");
                        }
                    },
                    "a standby is read-only");
            standby.promote();
            assertFalse(standby.inRecovery());
            try (Connection s = standby.superuser()) {
                s.createStatement().execute("INSERT INTO streamed VALUES (1)");
            }
        }
    }
}
