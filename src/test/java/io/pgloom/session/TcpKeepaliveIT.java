// tcp_keepalive, tcp_keepidle, tcp_keepintvl, tcp_keepcnt reach the kernel: read back with getsockopt from the
// accepted client socket and from the server socket pgloom opened to PostgreSQL while a pgjdbc client is served.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.pgloom.pool.ServerConn;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.net.StandardSocketOptions;
import java.sql.Connection;
import java.sql.ResultSet;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;

class TcpKeepaliveIT {
    @Test
    void keepaliveTimingsAreSetOnClientAndServerSockets() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                        PostgresFixture.shared(),
                        "session",
                        "tcp_keepalive = true\ntcp_keepidle = 37\ntcp_keepintvl = 11\ntcp_keepcnt = 3",
                        "");
                Connection c = p.app();
                ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            rs.next();
            ClientSession session = ((Sessions) p.pgloom().runtime().sessions())
                    .all()
                    .iterator()
                    .next();
            assertEquals(true, session.socket.getOption(StandardSocketOptions.SO_KEEPALIVE));
            assertEquals(37, session.socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
            assertEquals(11, session.socket.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
            assertEquals(3, session.socket.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
            ServerConn server =
                    p.pgloom().runtime().pools.all().iterator().next().servers().get(0);
            assertEquals(true, server.socketOption(StandardSocketOptions.SO_KEEPALIVE));
            assertEquals(37, server.socketOption(ExtendedSocketOptions.TCP_KEEPIDLE));
            assertEquals(11, server.socketOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
            assertEquals(3, server.socketOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
        }
    }

    @Test
    void keepaliveCanBeSwitchedOff() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "tcp_keepalive = false", "");
                Connection c = p.app();
                ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
            rs.next();
            assertFalse(((Sessions) p.pgloom().runtime().sessions())
                    .all()
                    .iterator()
                    .next()
                    .socket
                    .getOption(StandardSocketOptions.SO_KEEPALIVE));
            ServerConn server =
                    p.pgloom().runtime().pools.all().iterator().next().servers().get(0);
            assertFalse(server.socketOption(StandardSocketOptions.SO_KEEPALIVE));
        }
    }
}
