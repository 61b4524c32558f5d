// Startup packet parsing from literal bytes: codes, parameters, caps and malformed input.
package io.pgloom.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupPacketTest {
    private static StartupPacket read(byte[] b) throws Exception {
        return StartupPacket.read(new ByteArrayInputStream(b), -1);
    }

    @Test
    void parsesAStartupMessage() throws Exception {
        byte[] pkt = StartupPacket.encodeStartup(Map.of("user", "alice"));
        StartupPacket p = read(pkt);
        assertTrue(p.isStartup());
        assertEquals(3, p.majorVersion());
        assertEquals(0, p.minorVersion());
        assertEquals(Map.of("user", "alice"), p.parameters());
    }

    @Test
    void literalBytesOfSslRequest() throws Exception {
        StartupPacket p = read(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
        assertEquals(MessageType.SSL_REQUEST, p.code());
    }

    @Test
    void cancelRequestCarriesPidAndSecret() throws Exception {
        byte[] b = StartupPacket.encodeCancel(4242, new byte[] {1, 2, 3, 4});
        assertArrayEquals(
                new byte[] {0, 0, 0, 16, 0x04, (byte) 0xd2, 0x16, 0x2e, 0, 0, 0x10, (byte) 0x92, 1, 2, 3, 4}, b);
        StartupPacket p = read(b);
        assertEquals(MessageType.CANCEL_REQUEST, p.code());
        assertEquals(4242, p.cancelProcessId());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, p.cancelSecret());
    }

    @Test
    void firstByteAlreadyConsumedIsHonoured() throws Exception {
        byte[] pkt = StartupPacket.encodeStartup(Map.of("user", "bob"));
        StartupPacket p = StartupPacket.read(new ByteArrayInputStream(pkt, 1, pkt.length - 1), pkt[0]);
        assertEquals("bob", p.parameters().get("user"));
    }

    @Test
    void lengthsOutsideTheCapAreRejectedBeforeAllocation() {
        ProtocolException big = assertThrows(
                ProtocolException.class,
                () -> read(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 3, 0, 0}));
        assertTrue(big.getMessage().contains("invalid length"));
        assertThrows(ProtocolException.class, () -> read(new byte[] {0, 0, 0, 4, 0, 3, 0, 0}));
        assertThrows(ProtocolException.class, () -> read(new byte[] {0, 0, 0x27, 0x11, 0, 3, 0, 0})); // 10001
    }

    @Test
    void malformedParametersAreProtocolViolations() {
        // "user\0alice" without the final terminator
        byte[] body = {0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'a', 'l', 'i', 'c', 'e', 0};
        assertThrows(ProtocolException.class, () -> StartupPacket.parse(body));
        // value not terminated
        byte[] open = {0, 3, 0, 0, 'a', 0, 'b'};
        assertThrows(ProtocolException.class, () -> StartupPacket.parse(open));
    }

    @Test
    void aNameGivenTwiceKeepsTheLaterValueAsPostgresqlDoes() throws Exception {
        byte[] dup = {0, 3, 0, 0, 'a', 0, 'b', 0, 'x', 0, 'y', 0, 'a', 0, 'c', 0, 0};
        assertEquals(Map.of("a", "c", "x", "y"), StartupPacket.parse(dup).parameters());
    }

    @Test
    void truncatedStreamIsEof() {
        assertThrows(EOFException.class, () -> read(new byte[] {0, 0, 0, 20, 0, 3}));
    }
}
