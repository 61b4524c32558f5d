// PEM private keys in the three forms openssl and cert-manager write: PKCS#8, PKCS#1 (RSA) and SEC1 (EC); and
// errors that name the file without showing key material.
package io.pgloom.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
    @TempDir
    Path dir;

    private Path pem(String kind, byte[] der) throws Exception {
        Path f = dir.resolve(kind.replace(' ', '_') + ".pem");
        Files.writeString(
                f,
                "-----BEGIN " + kind + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + kind
                        + "-----\n");
        return f;
    }

    @Test
    void readsPkcs8AndPkcs1RsaKeys() throws Exception {
        var kp = KeyPairGenerator.getInstance("RSA");
        kp.initialize(2048);
        PrivateKey key = kp.generateKeyPair().getPrivate();
        assertArrayEquals(
                key.getEncoded(),
                Pem.privateKey(pem("PRIVATE KEY", key.getEncoded())).getEncoded());
        // PKCS#1 is the OCTET STRING inside the PKCS#8 structure: the last field of the outer SEQUENCE.
        byte[] pk8 = key.getEncoded();
        int i = 4 + 3 + 15; // SEQUENCE(0x30 0x82 len len) INTEGER 0 (3 bytes) AlgorithmIdentifier for RSA (15 bytes)
        assertEquals(0x04, pk8[i] & 0xff, "an OCTET STRING follows the algorithm");
        int lenBytes = pk8[i + 1] & 0x7f;
        byte[] pkcs1 = Arrays.copyOfRange(pk8, i + 2 + lenBytes, pk8.length);
        assertArrayEquals(
                key.getEncoded(), Pem.privateKey(pem("RSA PRIVATE KEY", pkcs1)).getEncoded());
    }

    @Test
    void readsSec1EcKeysAsOpensslWritesThem() throws Exception {
        Path key = dir.resolve("ec.key");
        try {
            Process p = new ProcessBuilder(
                            "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString())
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            Assumptions.assumeTrue(
                    p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl could not make an EC key");
        } catch (java.io.IOException e) {
            Assumptions.abort("openssl is not installed; SEC1 key not generated");
        }
        assertTrue(Files.readString(key).contains("BEGIN EC PRIVATE KEY"));
        assertEquals("EC", Pem.privateKey(key).getAlgorithm());
    }

    @Test
    void errorsNameTheFileAndNeverTheKey() throws Exception {
        Path missing = dir.resolve("nope.pem");
        assertTrue(assertThrows(Pem.PemException.class, () -> Pem.privateKey(missing))
                .getMessage()
                .startsWith(missing.toString()));
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(
                garbage, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n");
        String msg = assertThrows(Pem.PemException.class, () -> Pem.privateKey(garbage))
                .getMessage();
        assertTrue(msg.contains("garbage.pem"));
        assertFalse(msg.contains("c2VjcmV0"), "no key material in the message");
        Path enc = dir.resolve("enc.pem");
        Files.writeString(enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertTrue(assertThrows(Pem.PemException.class, () -> Pem.privateKey(enc))
                .getMessage()
                .contains("encrypted"));
        assertThrows(Pem.PemException.class, () -> Pem.certificates(garbage));
    }
}
