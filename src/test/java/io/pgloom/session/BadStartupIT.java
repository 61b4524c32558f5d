// Hostile or broken first packets: each gets a clear 08P01 (or 0A000) ErrorResponse and a closed connection,
// nothing is allocated from an unchecked length, and other clients keep being served.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BadStartupIT {
    static ProxyHarness proxy;
    static Connection bystander;

    @BeforeAll
    static void start() throws Exception {
        proxy = ProxyHarness.start(PostgresFixture.shared(), "session", "client_login_timeout = 5", "");
        bystander = proxy.app();
    }

    @AfterAll
    static void stop() throws Exception {
        if (bystander != null) bystander.close();
        if (proxy != null) proxy.close();
    }

    /** Sends raw bytes, returns (SQLSTATE, message) of the ErrorResponse the proxy answers with, and checks EOF. */
    private static String[] sendAndReadError(byte[] raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(raw);
            InputStream in = s.getInputStream();
            int type = in.read();
            assertEquals('E', type, "an ErrorResponse comes back");
            byte[] lenBytes = in.readNBytes(4);
            int len = ((lenBytes[0] & 0xff) << 24)
                    | ((lenBytes[1] & 0xff) << 16)
                    | ((lenBytes[2] & 0xff) << 8)
                    | (lenBytes[3] & 0xff);
            assertTrue(len > 4 && len < 10_000);
            byte[] body = in.readNBytes(len - 4);
            String code = null, message = null;
            int i = 0;
            while (i < body.length && body[i] != 0) {
                char field = (char) body[i++];
                int start = i;
                while (body[i] != 0) i++;
                String v = new String(body, start, i - start, StandardCharsets.UTF_8);
                i++;
                if (field == 'C') code = v;
                if (field == 'M') message = v;
            }
            assertEquals(-1, in.read(), "connection closed after the error");
            return new String[] {code, message};
        }
    }

    private static byte[] startup(int code, String... kv) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        d.writeInt(code);
        for (String s : kv) {
            d.write(s.getBytes(StandardCharsets.UTF_8));
            d.write(0);
        }
        d.write(0);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        DataOutputStream a = new DataOutputStream(all);
        a.writeInt(body.size() + 4);
        a.write(body.toByteArray());
        return all.toByteArray();
    }

    @Test
    void hugeLengthIsRefusedBeforeAllocating() throws Exception {
        String[] e = sendAndReadError(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 0, 3, 0, 0});
        assertEquals("08P01", e[0]);
        assertTrue(e[1].contains("invalid length"), e[1]);
        assertStillServing();
    }

    @Test
    void tinyLengthIsRefused() throws Exception {
        String[] e = sendAndReadError(new byte[] {0, 0, 0, 2, 0, 0, 0, 0});
        assertEquals("08P01", e[0]);
        assertStillServing();
    }

    @Test
    void unknownProtocolVersionIsRefused() throws Exception {
        String[] e = sendAndReadError(startup(2 << 16, "user", "app"));
        assertEquals("08P01", e[0]);
        assertTrue(e[1].contains("unsupported frontend protocol 2.0"), e[1]);
        assertStillServing();
    }

    @Test
    void unterminatedParametersAreAProtocolViolation() throws Exception {
        byte[] good = startup(196608, "user", "app", "database", "app");
        byte[] bad = good.clone();
        bad[bad.length - 1] = 'x'; // no terminating NUL
        String[] e = sendAndReadError(bad);
        assertEquals("08P01", e[0]);
        assertStillServing();
    }

    @Test
    void missingUserIsRefused() throws Exception {
        String[] e = sendAndReadError(startup(196608, "database", "app"));
        assertEquals("28000", e[0]);
        assertStillServing();
    }

    @Test
    void sslAndGssRequestsAreAnsweredNo() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f}); // SSLRequest
            assertEquals('N', s.getInputStream().read());
            s.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30}); // GSSENCRequest
            assertEquals('N', s.getInputStream().read());
        }
        assertStillServing();
    }

    private static void assertStillServing() throws Exception {
        try (Statement st = bystander.createStatement();
                ResultSet rs = st.executeQuery("SELECT 'alive'")) {
            rs.next();
            assertEquals("alive", rs.getString(1));
        }
        try (Connection c = proxy.app();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1")) {
            assertTrue(rs.next());
        }
    }
}
