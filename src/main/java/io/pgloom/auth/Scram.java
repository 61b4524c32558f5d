// SCRAM-SHA-256 primitives (RFC 5802, RFC 7677) shared by the server and client sides: Hi (PBKDF2), HMAC, H, XOR,
// nonces, strict base64 and the checks on nonce and user name syntax.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

final class Scram {
    private Scram() {}

    static final String MECHANISM = "SCRAM-SHA-256";
    static final int KEY_LENGTH = 32;
    /** PostgreSQL's default scram_iterations, and its salt length. */
    static final int DEFAULT_ITERATIONS = 4096;

    static final int SALT_LENGTH = 16;
    /** Random bytes per nonce (base64: 32 printable characters, never a comma). */
    static final int NONCE_BYTES = 24;
    /** A server asking a client for more rounds than this is broken or hostile (CPU burnt per login). */
    static final int MAX_CLIENT_ITERATIONS = 10_000_000;

    // One shared instance: SecureRandom is thread-safe, and per-login instances would each need seeding. The JDK
    // provider holds an internal lock only for a short, non-blocking read of the kernel's random pool.
    static final SecureRandom RANDOM = new SecureRandom();

    /** ClientKey and ServerKey of one password, salt and iteration count. toString hides them. */
    record Keys(byte[] clientKey, byte[] serverKey) {
        @Override
        public String toString() {
            return "Scram.Keys[hidden]";
        }
    }

    static Keys keys(byte[] preparedPassword, byte[] salt, int iterations) {
        byte[] salted = hi(preparedPassword, salt, iterations);
        return new Keys(hmac(salted, "Client Key"), hmac(salted, "Server Key"));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        Mac mac = mac(key);
        return mac.doFinal(data);
    }

    static byte[] hmac(byte[] key, String data) {
        return hmac(key, data.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Hi(str, salt, i) of RFC 5802: PBKDF2 with HMAC-SHA-256 and a single output block. */
    static byte[] hi(byte[] password, byte[] salt, int iterations) {
        if (iterations < 1) throw new IllegalArgumentException("iteration count must be at least 1");
        Mac mac = mac(password);
        mac.update(salt);
        mac.update(new byte[] {0, 0, 0, 1});
        byte[] u = mac.doFinal();
        byte[] result = u.clone();
        try {
            for (int i = 1; i < iterations; i++) {
                mac.update(u);
                mac.doFinal(u, 0);
                for (int j = 0; j < KEY_LENGTH; j++) result[j] ^= u[j];
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 failed", e);
        }
        return result;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // The JDK refuses an empty key; HMAC pads keys with zeros to the block size, so {0} is the same key.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] r = new byte[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (byte) (a[i] ^ b[i]);
        return r;
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    static String nonce() {
        return b64(randomBytes(NONCE_BYTES));
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * Decodes RFC 4648 base64 strictly (padding required, no line breaks, unused bits zero), so every value has one
     * text form; null if s is not such text. The JDK decoder alone accepts missing padding and stray low bits.
     */
    static byte[] unb64(String s) {
        if (s.length() % 4 != 0) return null;
        byte[] b;
        try {
            b = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return b64(b).equals(s) ? b : null;
    }

    /** c-nonce / s-nonce of RFC 5802: one or more printable ASCII characters other than ','. */
    static boolean validNonce(String nonce) {
        if (nonce.isEmpty()) return false;
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') return false;
        }
        return true;
    }

    /**
     * saslname of RFC 5802: '=' only as "=2C" or "=3D" (a ',' never reaches here). Empty is accepted although the
     * grammar says 1*: libpq sends "n=," since PostgreSQL takes the user from the startup packet.
     */
    static boolean validSaslName(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '=' && !(name.startsWith("=2C", i) || name.startsWith("=3D", i))) return false;
        }
        return true;
    }

    /** saslname escaping of a user name: ',' and '=' become "=2C" and "=3D". */
    static String saslName(String user) {
        return user.replace("=", "=3D").replace(",", "=2C");
    }
}
