// SCRAM-SHA-256-PLUS (tls-server-end-point) on the server side: offered first on TLS, wrong binding data refused,
// a downgrade ("y" after -PLUS was offered) refused, plain SCRAM still accepted.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScramChannelBindingTest {
    private static final byte[] HASH = new byte[32];

    private static ScramServer server() {
        HASH[0] = 7;
        return ScramServer.forPassword("u", "pw").bindTo(HASH);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void offersPlusFirstOnTls() {
        assertEquals(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"), server().offered());
        assertEquals(
                List.of("SCRAM-SHA-256"), ScramServer.forPassword("u", "pw").offered());
    }

    @Test
    void wrongBindingDataIsRefused() throws Exception {
        ScramServer s = server();
        String first = new String(
                s.handleClientFirst("SCRAM-SHA-256-PLUS", b("p=tls-server-end-point,,n=,r=clientnonce")),
                StandardCharsets.UTF_8);
        String nonce = first.substring(2, first.indexOf(','));
        byte[] wrong = b("p=tls-server-end-point,,");
        byte[] data = new byte[wrong.length + 32]; // hash of another certificate: all zeros
        System.arraycopy(wrong, 0, data, 0, wrong.length);
        String fin = "c=" + Base64.getEncoder().encodeToString(data) + ",r=" + nonce + ",p="
                + Base64.getEncoder().encodeToString(new byte[32]);
        AuthFailure e = assertThrows(AuthFailure.class, () -> s.handleClientFinal(b(fin)));
        assertEquals(AuthFailure.Reason.BAD_MESSAGE, e.reason());
    }

    @Test
    void downgradeAndMismatchedFlagsAreRefused() {
        assertEquals(
                AuthFailure.Reason.BAD_MESSAGE,
                assertThrows(AuthFailure.class, () -> server().handleClientFirst("SCRAM-SHA-256", b("y,,n=,r=abc")))
                        .reason());
        assertEquals(
                AuthFailure.Reason.BAD_MESSAGE,
                assertThrows(
                                AuthFailure.class,
                                () -> server().handleClientFirst("SCRAM-SHA-256-PLUS", b("n,,n=,r=abc")))
                        .reason());
        assertEquals(
                AuthFailure.Reason.BAD_MESSAGE,
                assertThrows(
                                AuthFailure.class,
                                () -> server().handleClientFirst("SCRAM-SHA-256-PLUS", b("p=tls-unique,,n=,r=abc")))
                        .reason());
    }

    @Test
    void plainScramStillWorksOnTls() throws Exception {
        ScramServer s = server();
        ScramClient c = new ScramClient("pw");
        byte[] first = s.handleClientFirst("SCRAM-SHA-256", c.clientFirst());
        c.verifyServerFinal(s.handleClientFinal(c.clientFinal(first)));
    }
}
