// Server logins and protocol 3.2, from literal server bytes: a server answering NegotiateProtocolVersion 3.0 is then
// spoken to in 3.0 (PostgreSQL 17 and older), one that does not is in 3.2 with its long key (PostgreSQL 18), one
// refusing the request outright is asked again for 3.0, and one offering more than was asked for is a failed login.
package io.pgloom.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgloom.testkit.FuzzSeeds;
import io.pgloom.testkit.MemorySocket;
import io.pgloom.util.TcpKeepalive;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SqlState;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ServerLoginProtocolTest {
    private static final byte[] AUTH_OK = FuzzSeeds.msg(MessageType.AUTHENTICATION, w -> w.int32(MessageType.AUTH_OK));

    /** A connection that asked for 3.2, reading {@code server}'s bytes through the login. */
    private static ServerConn loginAsking32(byte[]... server) throws Exception {
        ServerConn conn = new ServerConn(
                new PoolKey("app", "app"),
                "127.0.0.1",
                5432,
                new MemorySocket(FuzzSeeds.concat(server)),
                ServerLogin.BUFFER_SIZE,
                1 << 16,
                0);
        conn.protocolMinor(2);
        ServerLogin.authenticate(conn, new ServerCredentials("app", "pw", null));
        return conn;
    }

    private static byte[] keyData(int pid, byte[] secret) {
        return new FrameWriter(64)
                .begin(MessageType.BACKEND_KEY_DATA)
                .int32(pid)
                .bytes(secret)
                .end()
                .toByteArray();
    }

    @Test
    void negotiateProtocolVersion30MeansThe30Protocol() throws Exception {
        ServerConn conn = loginAsking32(
                Messages.negotiateProtocolVersion(0, List.of()),
                AUTH_OK,
                Messages.backendKeyData(42, 7),
                Messages.READY_IDLE);
        assertEquals(0, conn.protocolMinor());
        assertEquals(42, conn.backendPid());
        assertArrayEquals(new byte[] {0, 0, 0, 7}, conn.cancelSecret());
    }

    @Test
    void noNegotiationMeans32WithItsLongKey() throws Exception {
        byte[] secret = new byte[32];
        for (int i = 0; i < secret.length; i++) secret[i] = (byte) i;
        ServerConn conn = loginAsking32(AUTH_OK, keyData(43, secret), Messages.READY_IDLE);
        assertEquals(2, conn.protocolMinor());
        assertArrayEquals(secret, conn.cancelSecret(), "the whole key, for the long CancelRequest");
        byte[] cancel = StartupPacket.encodeCancel(43, secret);
        assertEquals(12 + 32, FrameWriter.getInt(cancel, 0), "the long CancelRequest");
        assertArrayEquals(secret, Arrays.copyOfRange(cancel, 12, cancel.length));
    }

    @Test
    void aServerOfferingMoreThanAskedIsAFailedLogin() {
        assertThrows(
                IOException.class,
                () -> loginAsking32(Messages.negotiateProtocolVersion(3, List.of()), AUTH_OK, Messages.READY_IDLE));
    }

    @Test
    void aServerRefusingThe32RequestIsAskedAgainFor30() throws Exception {
        List<Integer> asked = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = server.accept()) {
                        StartupPacket p = StartupPacket.read(s.getInputStream(), -1);
                        asked.add(p.minorVersion());
                        // As a server without NegotiateProtocolVersion: FATAL for anything but 3.0.
                        s.getOutputStream()
                                .write(
                                        p.minorVersion() == 0
                                                ? FuzzSeeds.concat(
                                                        AUTH_OK, Messages.backendKeyData(44, 9), Messages.READY_IDLE)
                                                : ErrorResponses.fatal(
                                                        SqlState.PROTOCOL_VIOLATION,
                                                        "unsupported frontend protocol 3.2: server supports 2.0 to 3.0"));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            ServerConn conn = ServerLogin.open(
                    new PoolKey("app", "app"),
                    "127.0.0.1",
                    server.getLocalPort(),
                    new ServerCredentials("app", "pw", null),
                    Map.of("user", "app"),
                    Duration.ofSeconds(10),
                    new TcpKeepalive(false, 0, 0, 0),
                    1 << 16,
                    0);
            conn.closeSocket();
            assertEquals(List.of(2, 0), asked, "3.2 first, then 3.0 on a new connection");
            assertEquals(0, conn.protocolMinor());
            assertEquals(44, conn.backendPid());
        }
    }

    @Test
    void theStartupPacketAsksFor32() throws Exception {
        byte[] startup = StartupPacket.encodeStartup(MessageType.PROTOCOL_3_2, Map.of("user", "app"));
        StartupPacket parsed = StartupPacket.parse(Arrays.copyOfRange(startup, 4, startup.length));
        assertEquals(3, parsed.majorVersion());
        assertEquals(2, parsed.minorVersion());
        assertEquals(Map.of("user", "app"), parsed.parameters());
    }
}
