// Hostile clients against the running proxy: hundreds of connections sending mutated startup packets and random
// messages (some after a real login), bounded in count and time. Every one is refused or closed, a bystander's
// session keeps working, and no session is left behind.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.wire.StartupPacket;
import java.io.OutputStream;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class GarbageClientsIT {
    /**
     * A message type PostgreSQL does not know, with a length that promises a huge body: refused at once with 08P01
     * (not forwarded, not waited for), and the connection closed.
     */
    @Test
    void anUnknownMessageTypeAfterLoginIsAProtocolViolation() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "transaction", "auth_type = \"trust\"", "");
                Socket s = new Socket("127.0.0.1", p.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(StartupPacket.encodeStartup(Map.of("user", "app", "database", "app")));
            java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
            while (true) { // the welcome, up to ReadyForQuery
                int type = in.read();
                byte[] body = in.readNBytes(in.readInt() - 4);
                assertTrue(type != 'E', "login refused: " + new String(body));
                if (type == 'Z') break;
            }
            s.getOutputStream().write(new byte[] {(byte) 0xf5, 0x1c, 0x0a, 0x00, 0x00, 1, 2, 3});
            assertEquals('E', in.read());
            String body = new String(in.readNBytes(in.readInt() - 4), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(body.contains("C08P01"), body);
            assertTrue(body.contains("invalid frontend message type 0xf5"), body);
            assertEquals(-1, in.read(), "the connection is closed after the error");
        }
    }

    @Test
    void garbageNeverHurtsOtherClients() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                        PostgresFixture.shared(),
                        "transaction",
                        "client_login_timeout = 2\nauth_type = \"trust\"",
                        "");
                Connection bystander = p.app()) {
            Random seeds = new Random(Long.getLong("pgloom.fuzz.seed", 20261124L));
            int clients = 300;
            try (ExecutorService ex = Executors.newFixedThreadPool(16)) {
                for (int i = 0; i < clients; i++) {
                    long seed = seeds.nextLong();
                    ex.submit(() -> {
                        Random r = new Random(seed);
                        try (Socket s = new Socket("127.0.0.1", p.port())) {
                            s.setSoTimeout(5000);
                            OutputStream out = s.getOutputStream();
                            if (r.nextBoolean()) {
                                out.write(StartupPacket.encodeStartup(Map.of("user", "app", "database", "app")));
                            } else {
                                byte[] startup = StartupPacket.encodeStartup(Map.of("user", "app"));
                                startup[r.nextInt(startup.length)] ^= (byte) (1 + r.nextInt(255));
                                out.write(startup);
                            }
                            byte[] junk = new byte[1 + r.nextInt(2000)];
                            r.nextBytes(junk);
                            out.write(junk);
                            s.getInputStream().readNBytes(1 << 16); // until the proxy closes or times out
                        } catch (Exception ignored) {
                            // a reset or a timeout is a fine end for garbage
                        }
                        return null;
                    });
                }
            }
            try (ResultSet rs = bystander.createStatement().executeQuery("SELECT 'still here'")) {
                rs.next();
                assertEquals("still here", rs.getString(1));
            }
            Await.until(() -> p.pgloom().runtime().sessionCount() == 1, 30, "every garbage session to be gone");
            p.pgloom().runtime().pools.snapshots().forEach(s -> assertTrue(s.total() <= s.size(), "no leaked servers"));
        }
    }
}
