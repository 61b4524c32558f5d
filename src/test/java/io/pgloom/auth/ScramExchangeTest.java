// SCRAM-SHA-256 between pgloom's own client and server: round trips, pass-through, and every way a login must fail.
package io.pgloom.auth;

import static io.pgloom.auth.ScramRfc7677Test.b;
import static io.pgloom.auth.ScramRfc7677Test.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.auth.AuthFailure.Reason;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramExchangeTest {
    private static final String MECH = "SCRAM-SHA-256";
    private static final ScramVerifier PW = ScramVerifier.fromPassword("pw");

    private static Reason reason(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(AuthFailure.class, e).reason();
    }

    /** A server that has answered a well-formed client-first "n,,n=,r=abc". */
    private static ScramServer afterFirst() throws AuthFailure {
        ScramServer server = new ScramServer(PW, "XYZ");
        server.handleClientFirst(MECH, b("n,,n=,r=abc"));
        return server;
    }

    @Test
    void clientAndServerAgreeAndTheServerIsVerified() throws Exception {
        String password = "s3cret ünïcode ﬁ";
        ScramServer server = new ScramServer(ScramVerifier.fromPassword(password));
        ScramClient client = new ScramClient(password);
        byte[] first = client.clientFirst();
        assertTrue(s(first).matches("n,,n=,r=[A-Za-z0-9+/]{32}"), s(first));
        byte[] serverFirst = server.handleClientFirst(MECH, first);
        assertTrue(s(serverFirst).matches("r=[A-Za-z0-9+/]{64},s=[A-Za-z0-9+/]{22}==,i=4096"), s(serverFirst));
        client.verifyServerFinal(server.handleClientFinal(client.clientFinal(serverFirst)));
        assertTrue(server.succeeded());
        assertTrue(client.succeeded());
    }

    @Test
    void noncesAreFreshEachTime() {
        assertNotEquals(s(new ScramClient("pw").clientFirst()), s(new ScramClient("pw").clientFirst()));
        ScramClient client = new ScramClient("pw");
        assertEquals(s(client.clientFirst()), s(client.clientFirst()));
    }

    @Test
    void passThroughLogsInWithTheRecoveredClientKey() throws Exception {
        ScramVerifier v = ScramVerifier.fromPassword("pass-through pw");
        ScramServer front = new ScramServer(v);
        ScramClient user = new ScramClient("pass-through pw");
        front.handleClientFinal(user.clientFinal(front.handleClientFirst(MECH, user.clientFirst())));
        byte[] clientKey = front.clientKey();

        for (ScramClient passThrough : List.of(
                ScramClient.withClientKey(clientKey, v.serverKey()),
                ScramClient.withClientKey(clientKey, front.verifier()))) {
            ScramServer backend = new ScramServer(v);
            byte[] serverFirst = backend.handleClientFirst(MECH, passThrough.clientFirst());
            passThrough.verifyServerFinal(backend.handleClientFinal(passThrough.clientFinal(serverFirst)));
            assertArrayEquals(clientKey, backend.clientKey());
        }
    }

    @Test
    void passThroughAgainstADifferentVerifierSaysWhy() throws Exception {
        ScramVerifier ours = ScramVerifier.fromPassword("pw");
        ScramVerifier backends = ScramVerifier.fromPassword("pw"); // same password, other salt
        ScramServer front = new ScramServer(ours);
        ScramClient user = new ScramClient("pw");
        front.handleClientFinal(user.clientFinal(front.handleClientFirst(MECH, user.clientFirst())));

        ScramClient passThrough = ScramClient.withClientKey(front.clientKey(), ours);
        byte[] serverFirst = new ScramServer(backends).handleClientFirst(MECH, passThrough.clientFirst());
        AuthFailure e = assertThrows(AuthFailure.class, () -> passThrough.clientFinal(serverFirst));
        assertEquals(Reason.SERVER_ERROR, e.reason());
        assertTrue(e.getMessage().contains("pass-through"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScramClient.withClientKey(new byte[32], ours));
    }

    @Test
    void wrongPasswordIsABadProofAndEndsTheExchange() throws Exception {
        ScramServer server = new ScramServer(ScramVerifier.fromPassword("right horse"));
        ScramClient client = new ScramClient("wrong horse");
        byte[] clientFinal = client.clientFinal(server.handleClientFirst(MECH, client.clientFirst()));
        AuthFailure e = assertThrows(AuthFailure.class, () -> server.handleClientFinal(clientFinal));
        assertEquals(Reason.BAD_PROOF, e.reason());
        assertEquals("password authentication failed", e.getMessage());
        assertFalse(server.succeeded());
        assertThrows(IllegalStateException.class, server::clientKey);
        assertEquals(Reason.BAD_MESSAGE, reason(() -> server.handleClientFinal(clientFinal)));
    }

    @Test
    void unknownUserFailsLikeAWrongPasswordWithAStableSalt() throws Exception {
        ScramServer a = ScramServer.forUnknownUser("ghost");
        ScramClient client = new ScramClient("anything");
        byte[] serverFirst = a.handleClientFirst(MECH, client.clientFirst());
        AuthFailure e = assertThrows(AuthFailure.class, () -> a.handleClientFinal(client.clientFinal(serverFirst)));
        assertEquals(Reason.BAD_PROOF, e.reason());
        assertEquals("password authentication failed", e.getMessage());

        String salt = salt(serverFirst);
        assertEquals(salt, salt(ScramServer.forUnknownUser("ghost").handleClientFirst(MECH, b("n,,n=,r=x"))));
        assertNotEquals(salt, salt(ScramServer.forUnknownUser("spectre").handleClientFirst(MECH, b("n,,n=,r=x"))));
    }

    @Test
    void passwordFactoryUsesOneVerifierPerUserAndPassword() throws Exception {
        String s1 = salt(ScramServer.forPassword("alice", "shared pw").handleClientFirst(MECH, b("n,,n=,r=x")));
        String s2 = salt(ScramServer.forPassword("alice", "shared pw").handleClientFirst(MECH, b("n,,n=,r=x")));
        String s3 = salt(ScramServer.forPassword("bob", "shared pw").handleClientFirst(MECH, b("n,,n=,r=x")));
        assertEquals(s1, s2);
        assertNotEquals(s1, s3, "users sharing a password must not share a salt");
        ScramServer server = ScramServer.forPassword("alice", "shared pw");
        ScramClient client = new ScramClient("shared pw");
        client.verifyServerFinal(
                server.handleClientFinal(client.clientFinal(server.handleClientFirst(MECH, client.clientFirst()))));
    }

    private static String salt(byte[] serverFirst) {
        Matcher m = Pattern.compile(",s=([^,]+),").matcher(s(serverFirst));
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void tamperedServerSignatureIsRejected() throws Exception {
        ScramServer server = new ScramServer(PW);
        ScramClient client = new ScramClient("pw");
        byte[] serverFinal =
                server.handleClientFinal(client.clientFinal(server.handleClientFirst(MECH, client.clientFirst())));
        byte[] sig = java.util.Base64.getDecoder().decode(s(serverFinal).substring(2));
        sig[7] ^= 1;
        AuthFailure e = assertThrows(
                AuthFailure.class,
                () -> client.verifyServerFinal(
                        b("v=" + java.util.Base64.getEncoder().encodeToString(sig))));
        assertEquals(Reason.BAD_SERVER_SIGNATURE, e.reason());
        assertFalse(client.succeeded());
    }

    @Test
    void aServerThatDoesNotKnowThePasswordIsCaught() throws Exception {
        ScramServer impostor = new ScramServer(ScramVerifier.fromPassword("not it"));
        ScramClient client = new ScramClient("pw");
        byte[] clientFinal = client.clientFinal(impostor.handleClientFirst(MECH, client.clientFirst()));
        // The impostor cannot verify the proof, but it can still send some signature.
        assertEquals(
                Reason.BAD_SERVER_SIGNATURE,
                reason(() -> client.verifyServerFinal(b("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))));
        assertEquals(Reason.BAD_PROOF, reason(() -> impostor.handleClientFinal(clientFinal)));
    }

    @Test
    void serverErrorIsReportedWithItsName() throws Exception {
        ScramServer server = new ScramServer(PW);
        ScramClient client = new ScramClient("pw");
        client.clientFinal(server.handleClientFirst(MECH, client.clientFirst()));
        AuthFailure e = assertThrows(AuthFailure.class, () -> client.verifyServerFinal(b("e=invalid-proof")));
        assertEquals(Reason.SERVER_ERROR, e.reason());
        assertTrue(e.getMessage().endsWith("invalid-proof"), e.getMessage());

        ScramClient other = new ScramClient("pw");
        ScramServer s2 = new ScramServer(PW);
        other.clientFinal(s2.handleClientFirst(MECH, other.clientFirst()));
        AuthFailure odd = assertThrows(AuthFailure.class, () -> other.verifyServerFinal(b("e=<script>secret")));
        assertFalse(odd.getMessage().contains("secret"), odd.getMessage());
    }

    @Test
    void unsupportedMechanismIsNamedAsSuch() {
        assertEquals(List.of("SCRAM-SHA-256"), ScramServer.mechanisms());
        for (String m : List.of("SCRAM-SHA-1", "SCRAM-SHA-256-PLUS", "scram-sha-256", "")) {
            assertEquals(
                    Reason.UNSUPPORTED_MECHANISM,
                    reason(() -> new ScramServer(PW).handleClientFirst(m, b("n,,n=,r=abc"))));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "garbage",
                "n,",
                "n,,",
                "x,,n=,r=abc",
                "p,,n=,r=abc",
                "p=,,n=,r=abc",
                "p=tls-server-end-point,,n=,r=abc",
                "p=bad name,,n=,r=abc",
                "n,a=admin,n=,r=abc",
                "n,junk,n=,r=abc",
                "n,,r=abc",
                "n,,n=,",
                "n,,n=,r=",
                "n,,n=,r=a b",
                "n,,n=,r=ab\u00e9",
                "n,,n=,r=abc,",
                "n,,n=,r=abc,x",
                "n,,n=,r=abc,1=ext",
                "n,,n=,r=abc,x=",
                "n,,m=must,n=,r=abc",
                "n,,n=us=er,r=abc",
                "n,,n=,s=salt,r=abc",
                "n,,r=abc,n=",
                "N,,n=,r=abc",
                "n,,n=,r=abc\u0000"
            })
    void malformedClientFirstIsABadMessage(String message) {
        ScramServer server = new ScramServer(PW);
        AuthFailure e = assertThrows(AuthFailure.class, () -> server.handleClientFirst(MECH, b(message)));
        assertEquals(Reason.BAD_MESSAGE, e.reason(), message);
        assertEquals(
                Reason.BAD_MESSAGE,
                reason(() -> server.handleClientFirst(MECH, b("n,,n=,r=abc"))),
                "one message per state");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "n,,n=,r=abc",
                "y,,n=,r=abc",
                "n,,n=user=2Cname=3D,r=abc",
                "n,,n=üser,r=a!~",
                "n,,n=,r=abc,x=ext,y=é"
            })
    void wellFormedClientFirstIsAccepted(String message) throws Exception {
        assertTrue(
                s(new ScramServer(PW, "S").handleClientFirst(MECH, b(message))).startsWith("r="));
    }

    @Test
    void invalidUtf8IsABadMessage() {
        assertEquals(
                Reason.BAD_MESSAGE,
                reason(() -> new ScramServer(PW)
                        .handleClientFirst(
                                MECH, new byte[] {'n', ',', ',', 'n', '=', (byte) 0xC3, ',', 'r', '=', 'a'})));
        assertEquals(Reason.BAD_MESSAGE, reason(() -> new ScramServer(PW).handleClientFirst(MECH, null)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "c=biws,r=abcXYZ",
                "c=biws,r=abcXYZ,p=",
                "c=biws,r=abcXYZ,p=AAAA",
                "c=biws,r=abcXYZ,p=not base64!",
                "c=biws,r=abcXYZ,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
                "c=eSws,r=abcXYZ,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "c=biws,r=abcXY,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "c=biws,r=abc,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "r=abcXYZ,c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "c=biws,r=abcXYZ,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=after",
                "c=biws,r=abcXYZ,,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "c=biw,r=abcXYZ,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                "c=,r=abcXYZ,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
            })
    void malformedClientFinalIsABadMessage(String message) throws Exception {
        ScramServer server = afterFirst();
        assertEquals(Reason.BAD_MESSAGE, reason(() -> server.handleClientFinal(b(message))), message);
    }

    @Test
    void wellFormedClientFinalWithAWrongProofIsABadProof() throws Exception {
        assertEquals(
                Reason.BAD_PROOF,
                reason(() -> afterFirst()
                        .handleClientFinal(b("c=biws,r=abcXYZ,x=ext,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))));
    }

    @Test
    void messagesOutOfOrderAreRejected() throws Exception {
        assertEquals(Reason.BAD_MESSAGE, reason(() -> new ScramServer(PW).handleClientFinal(b("c=biws,r=abc,p=AAAA"))));
        ScramClient client = new ScramClient("pw");
        assertEquals(Reason.BAD_MESSAGE, reason(() -> client.clientFinal(b("r=x,s=c2FsdA==,i=4096"))));
        ScramClient c2 = new ScramClient("pw");
        assertEquals(Reason.BAD_MESSAGE, reason(() -> c2.verifyServerFinal(b("v=AAAA"))));
    }

    /** server-first-message texts a client must refuse; %s is the client's nonce. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "r=%sS",
                "r=%sS,s=c2FsdA==",
                "r=%sS,s=c2FsdA==,i=",
                "r=%sS,s=c2FsdA==,i=0",
                "r=%sS,s=c2FsdA==,i=-1",
                "r=%sS,s=c2FsdA==,i=04096",
                "r=%sS,s=c2FsdA==,i=+4096",
                "r=%sS,s=c2FsdA==,i=4096x",
                "r=%sS,s=c2FsdA==,i=10000001",
                "r=%sS,s=c2FsdA==,i=99999999999999999999",
                "r=%s,s=c2FsdA==,i=4096",
                "r=other,s=c2FsdA==,i=4096",
                "r=%sS S,s=c2FsdA==,i=4096",
                "r=%sS,s=,i=4096",
                "r=%sS,s=c2FsdA=,i=4096",
                "r=%sS,s=c2FsdA,i=4096",
                "s=c2FsdA==,r=%sS,i=4096",
                "m=ext,r=%sS,s=c2FsdA==,i=4096",
                "r=%sS,s=c2FsdA==,i=4096,",
                "r=%sS,s=c2FsdA==,i=4096,e",
                "e=other-error"
            })
    void malformedServerFirstIsRefused(String template) {
        ScramClient client = new ScramClient("user", "pw", "clientnonce", new ScramVerifierCache(4));
        client.clientFirst();
        String message = template.replace("%s", "clientnonce");
        assertEquals(Reason.BAD_MESSAGE, reason(() -> client.clientFinal(b(message))), message);
    }

    @Test
    void serverFirstWithExtensionsAndOneIterationIsAccepted() throws Exception {
        ScramClient client = new ScramClient("user", "pw", "n", new ScramVerifierCache(4));
        client.clientFirst();
        assertTrue(s(client.clientFinal(b("r=nS,s=c2FsdA==,i=1,q=whatever"))).startsWith("c=biws,r=nS,p="));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"", "v=", "v=AAAA=", "x=abc", "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,", "m=x,v=AAAA"})
    void malformedServerFinalIsABadMessage(String message) throws Exception {
        ScramServer server = new ScramServer(PW);
        ScramClient client = new ScramClient("pw");
        client.clientFinal(server.handleClientFirst(MECH, client.clientFirst()));
        assertEquals(Reason.BAD_MESSAGE, reason(() -> client.verifyServerFinal(b(message))), message);
    }

    @Test
    void failureMessagesNeverCarryTheMessage() throws Exception {
        String secretish = "n,,m=hunter2,n=hunter2,r=abc";
        AuthFailure e =
                assertThrows(AuthFailure.class, () -> new ScramServer(PW).handleClientFirst(MECH, b(secretish)));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
}
