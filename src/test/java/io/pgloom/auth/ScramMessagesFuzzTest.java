// Coverage-guided fuzzing (Jazzer) of the SCRAM-SHA-256 message parsers with fixed nonces, so mutations reach past
// the nonce checks to the proofs and signatures: the server side reads client-first and client-final (the first
// byte picks plain or -PLUS with channel binding), the client side reads server-first and server-final. Input: a
// role byte, a 16-bit length, the first message, then the second. Property: only AuthFailure, within the caps.
// Seeds (a real exchange of both sides): run main() from the project root to rewrite them.
package io.pgloom.auth;

import static io.pgloom.testkit.FuzzSeeds.concat;
import static io.pgloom.testkit.FuzzSeeds.one;
import static io.pgloom.testkit.FuzzSeeds.u16;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pgloom.testkit.FuzzChecks;
import io.pgloom.testkit.FuzzSeeds;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

class ScramMessagesFuzzTest {
    private static final String PASSWORD = "pencil";
    private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private static final ScramVerifier VERIFIER =
            ScramVerifier.fromPassword(PASSWORD, "W22ZaJ0SNY7soEsUEjb6gQ==".getBytes(StandardCharsets.US_ASCII), 4096);
    private static final byte[] ENDPOINT = new byte[32];
    private static final ScramVerifierCache CACHE = new ScramVerifierCache(64);
    /** An iteration count the client would accept and pay PBKDF2 for: bounded by ScramClient, too slow to fuzz. */
    private static final Pattern COSTLY = Pattern.compile("(?:^|,)i=(\\d{4,8})(?:,|$)");

    @FuzzTest(maxDuration = "60s")
    @Timeout(10) // per input: a hang is a finding (a loop that never ends pins a carrier thread)
    void scramMessages(byte[] input) throws Exception {
        if (input.length < 3) return;
        int role = (input[0] & 0xff) % 3;
        int firstLen = Math.min((input[1] & 0xff) << 8 | input[2] & 0xff, input.length - 3);
        byte[] first = Arrays.copyOfRange(input, 3, 3 + firstLen);
        byte[] second = Arrays.copyOfRange(input, 3 + firstLen, input.length);
        if (role == 2) {
            Matcher m = COSTLY.matcher(new String(first, StandardCharsets.ISO_8859_1));
            if (m.find() && Integer.parseInt(m.group(1)) > 4096) return;
        }
        FuzzChecks.run(4 << 20, t -> t instanceof AuthFailure, () -> exchange(role, first, second));
    }

    private static void exchange(int role, byte[] first, byte[] second) throws AuthFailure {
        if (role < 2) {
            ScramServer server = new ScramServer(VERIFIER, SERVER_NONCE);
            if (role == 1) server.bindTo(ENDPOINT);
            server.handleClientFirst(role == 1 ? ScramServer.MECHANISM_PLUS : ScramServer.MECHANISM, first);
            server.handleClientFinal(second);
        } else {
            ScramClient client = new ScramClient("", PASSWORD, CLIENT_NONCE, CACHE);
            client.clientFirst();
            client.clientFinal(first);
            client.verifyServerFinal(second);
        }
    }

    public static void main(String[] args) throws Exception {
        ScramClient client = new ScramClient("", PASSWORD, CLIENT_NONCE, CACHE);
        ScramServer server = new ScramServer(VERIFIER, SERVER_NONCE);
        byte[] clientFirst = client.clientFirst();
        byte[] serverFirst = server.handleClientFirst(ScramServer.MECHANISM, clientFirst);
        byte[] clientFinal = client.clientFinal(serverFirst);
        byte[] serverFinal = server.handleClientFinal(clientFinal);
        byte[] plusFirst = ("p=tls-server-end-point,,n=,r=" + CLIENT_NONCE).getBytes(StandardCharsets.UTF_8);
        byte[] plusFinal = ("c="
                        + java.util.Base64.getEncoder().encodeToString(concat(Arrays.copyOf(plusFirst, 24), ENDPOINT))
                        + ",r=" + CLIENT_NONCE + SERVER_NONCE + ",p=" + "A".repeat(43) + "=")
                .getBytes(StandardCharsets.UTF_8);
        byte[] error = "e=invalid-proof".getBytes(StandardCharsets.UTF_8);
        FuzzSeeds.write(
                ScramMessagesFuzzTest.class,
                "scramMessages",
                List.of(
                        concat(one(0), u16(clientFirst.length), clientFirst, clientFinal),
                        concat(one(1), u16(plusFirst.length), plusFirst, plusFinal),
                        concat(one(2), u16(serverFirst.length), serverFirst, serverFinal),
                        concat(one(2), u16(serverFirst.length), serverFirst, error)));
    }
}
