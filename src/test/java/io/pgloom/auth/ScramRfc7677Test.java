// RFC 7677 section 3's SCRAM-SHA-256 example (user "user", password "pencil") reproduced byte for byte, client and
// server.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ScramRfc7677Test {
    static final byte[] SALT = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
    static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_FIRST =
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void serverSideReproducesTheExample() throws Exception {
        ScramServer server = new ScramServer(ScramVerifier.fromPassword("pencil", SALT, 4096), SERVER_NONCE);
        assertEquals(SERVER_FIRST, s(server.handleClientFirst("SCRAM-SHA-256", b(CLIENT_FIRST))));
        assertEquals(SERVER_FINAL, s(server.handleClientFinal(b(CLIENT_FINAL))));
        assertTrue(server.succeeded());
    }

    @Test
    void clientSideReproducesTheExample() throws Exception {
        ScramClient client = new ScramClient("user", "pencil", CLIENT_NONCE, new ScramVerifierCache(4));
        assertEquals(CLIENT_FIRST, s(client.clientFirst()));
        assertEquals(CLIENT_FINAL, s(client.clientFinal(b(SERVER_FIRST))));
        client.verifyServerFinal(b(SERVER_FINAL));
        assertTrue(client.succeeded());
    }

    @Test
    void recoveredClientKeyIsTheOneThePasswordGives() throws Exception {
        ScramServer server = new ScramServer(ScramVerifier.fromPassword("pencil", SALT, 4096), SERVER_NONCE);
        server.handleClientFirst("SCRAM-SHA-256", b(CLIENT_FIRST));
        server.handleClientFinal(b(CLIENT_FINAL));
        assertArrayEquals(independentClientKey("pencil", SALT, 4096), server.clientKey());
    }

    /** ClientKey = HMAC(PBKDF2-HMAC-SHA-256(password, salt, i), "Client Key"), with the JDK's own PBKDF2 (ASCII only). */
    static byte[] independentClientKey(String password, byte[] salt, int iterations) throws Exception {
        return hmac(saltedPassword(password, salt, iterations), "Client Key");
    }

    static byte[] saltedPassword(String password, byte[] salt, int iterations) throws Exception {
        SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        return f.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
                .getEncoded();
    }

    static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(b(data));
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
