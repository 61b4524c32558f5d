// SCRAM-SHA-256 against RFC 7677's published exchange, plus round trips and failure cases.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class ScramTest {
    private static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void reproducesRfc7677ServerSide() throws Exception {
        ScramServer server = new ScramServer(ScramVerifier.fromPassword("pencil", SALT, 4096), SERVER_NONCE);
        byte[] first = server.handleClientFirst("SCRAM-SHA-256", b("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
        assertEquals("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", s(first));
        byte[] fin = server.handleClientFinal(b("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertEquals("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", s(fin));
        assertNotNull(server.clientKey());
    }

    @Test
    void clientAndServerAgree() throws Exception {
        ScramVerifier v = ScramVerifier.fromPassword("s3cret ünïcode");
        ScramServer server = new ScramServer(v);
        ScramClient client = new ScramClient("s3cret ünïcode");
        byte[] serverFirst = server.handleClientFirst("SCRAM-SHA-256", client.clientFirst());
        byte[] serverFinal = server.handleClientFinal(client.clientFinal(serverFirst));
        client.verifyServerFinal(serverFinal);
        // Pass-through: the recovered ClientKey logs in without the password.
        ScramClient passThrough = ScramClient.withClientKey(server.clientKey(), v.serverKey());
        ScramServer again = new ScramServer(v);
        byte[] f2 = again.handleClientFirst("SCRAM-SHA-256", passThrough.clientFirst());
        passThrough.verifyServerFinal(again.handleClientFinal(passThrough.clientFinal(f2)));
    }

    @Test
    void wrongPasswordIsABadProof() throws Exception {
        ScramServer server = new ScramServer(ScramVerifier.fromPassword("right"));
        ScramClient client = new ScramClient("wrong");
        byte[] serverFirst = server.handleClientFirst("SCRAM-SHA-256", client.clientFirst());
        AuthFailure e = assertThrows(AuthFailure.class, () -> server.handleClientFinal(client.clientFinal(serverFirst)));
        assertEquals(AuthFailure.Reason.BAD_PROOF, e.reason());
        assertFalse(e.getMessage().contains("right"));
    }

    @Test
    void tamperedServerSignatureIsRejected() throws Exception {
        ScramServer server = new ScramServer(ScramVerifier.fromPassword("pw"));
        ScramClient client = new ScramClient("pw");
        byte[] serverFirst = server.handleClientFirst("SCRAM-SHA-256", client.clientFirst());
        server.handleClientFinal(client.clientFinal(serverFirst));
        AuthFailure e = assertThrows(AuthFailure.class,
                () -> client.verifyServerFinal(b("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")));
        assertEquals(AuthFailure.Reason.BAD_SERVER_SIGNATURE, e.reason());
        AuthFailure err = assertThrows(AuthFailure.class, () -> client.verifyServerFinal(b("e=invalid-proof")));
        assertEquals(AuthFailure.Reason.SERVER_ERROR, err.reason());
    }

    @Test
    void malformedMessagesAreRejected() {
        ScramVerifier v = ScramVerifier.fromPassword("pw");
        assertEquals(AuthFailure.Reason.BAD_MESSAGE, assertThrows(AuthFailure.class,
                () -> new ScramServer(v).handleClientFirst("SCRAM-SHA-256", b("garbage"))).reason());
        assertEquals(AuthFailure.Reason.BAD_MESSAGE, assertThrows(AuthFailure.class,
                () -> new ScramServer(v).handleClientFirst("SCRAM-SHA-256", b("p=tls-server-end-point,,n=,r=abc"))).reason());
        assertEquals(AuthFailure.Reason.BAD_MESSAGE, assertThrows(AuthFailure.class,
                () -> new ScramServer(v).handleClientFirst("SCRAM-SHA-256", b("n,,n=,r=a,b"))).reason());
        assertEquals(AuthFailure.Reason.UNSUPPORTED_MECHANISM, assertThrows(AuthFailure.class,
                () -> new ScramServer(v).handleClientFirst("SCRAM-SHA-1", b("n,,n=,r=abc"))).reason());
        assertEquals(AuthFailure.Reason.BAD_MESSAGE, assertThrows(AuthFailure.class,
                () -> new ScramServer(v).handleClientFinal(b("c=biws,r=x,p=AAAA"))).reason());
    }

    @Test
    void verifierTextRoundTripsAndHidesKeys() {
        ScramVerifier v = ScramVerifier.fromPassword("pencil", SALT, 4096);
        String text = v.format();
        assertEquals(v, ScramVerifier.parse(text));
        assertEquals("ScramVerifier[iterations=4096]", v.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScramVerifier.parse("SCRAM-SHA-256$4096:c2FsdA==$secretstuff"));
        assertFalse(e.getMessage().contains("secretstuff"));
    }

    @Test
    void verifierCacheDerivesOncePerPassword() {
        assertSame(ScramVerifierCache.forPassword("cached-pw"), ScramVerifierCache.forPassword("cached-pw"));
    }
}
