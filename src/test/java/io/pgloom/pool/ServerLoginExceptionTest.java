// The refusal words an operator reads in pgloom_server_connects_total{result} and reason=: one per fix on the server.
package io.pgloom.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServerLoginExceptionTest {
    @Test
    void eachRefusalNamesWhatToFixOnTheServer() {
        assertEquals("server_refused_too_many_connections", ServerLoginException.refusalReason("53300"));
        assertEquals("server_refused_password", ServerLoginException.refusalReason("28P01"));
        assertEquals("server_refused_hba", ServerLoginException.refusalReason("28000"));
        assertEquals("server_refused_no_database", ServerLoginException.refusalReason("3D000"));
        assertEquals("server_refused_starting", ServerLoginException.refusalReason("57P03"));
        assertEquals("server_refused_other", ServerLoginException.refusalReason("XX000"));
    }

    @Test
    void aRefusalKeepsPostgresStateAndSaysWhoRefused() {
        ServerLoginException e =
                ServerLoginException.refused("db1:5432", "app", "28000", "no pg_hba.conf entry for host \"10.0.0.5\"");
        assertTrue(e.relayed());
        assertEquals("28000", e.sqlState());
        assertEquals(
                "PostgreSQL at db1:5432 refused pgloom's login as \"app\": no pg_hba.conf entry for host \"10.0.0.5\"",
                e.getMessage());
        var closed = e.toSessionClosed();
        assertTrue(closed.relayed());
        assertEquals("server_refused_hba", closed.reason());
        assertEquals("28000", closed.sqlState());
        assertFalse(new ServerLoginException("server_unreachable", "08006", "down", null)
                .toSessionClosed()
                .relayed());
        assertEquals(
                "08001", ServerLoginException.refused("h:1", "u", null, null).sqlState(), "no SQLSTATE sent");
    }
}
