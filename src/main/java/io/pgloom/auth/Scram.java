// SCRAM-SHA-256 primitives (RFC 5802 / RFC 7677): Hi (PBKDF2), HMAC, H, XOR, and the attribute parser shared by
// the client and server sides.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

final class Scram {
    private Scram() {}

    static final SecureRandom RANDOM = new SecureRandom();
    static final int MAX_ITERATIONS = 10_000_000;

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
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

    /** Hi(str, salt, i) of RFC 5802: PBKDF2 with HMAC-SHA-256 and one output block. */
    static byte[] hi(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // The JDK refuses an empty key; HMAC zero-pads keys, so a single zero byte is the same key.
            mac.init(new SecretKeySpec(password.length == 0 ? new byte[1] : password, "HmacSHA256"));
            mac.update(salt);
            mac.update(new byte[] {0, 0, 0, 1});
            byte[] u = mac.doFinal();
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) result[j] ^= u[j];
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    static byte[] xor(byte[] a, byte[] b) {
        byte[] r = new byte[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (byte) (a[i] ^ b[i]);
        return r;
    }

    /** PostgreSQL applies SASLprep when it can and uses the raw bytes otherwise; NFKC covers the common cases. */
    static byte[] normalize(String password) {
        boolean ascii = password.chars().allMatch(c -> c < 0x80);
        String p = ascii ? password : Normalizer.normalize(password, Normalizer.Form.NFKC);
        return p.getBytes(StandardCharsets.UTF_8);
    }

    static String nonce() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static byte[] unb64(String s) throws AuthFailure {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "malformed base64 in SCRAM message");
        }
    }

    /** Parses "a=..,b=.." attribute lists, in order; a value may contain '=' but not ','. */
    static Map<Character, String> attributes(String msg) throws AuthFailure {
        Map<Character, String> out = new LinkedHashMap<>();
        for (String part : msg.split(",", -1)) {
            if (part.length() < 2 || part.charAt(1) != '=' || !Character.isLetter(part.charAt(0))) {
                throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "malformed SCRAM attribute");
            }
            if (out.put(part.charAt(0), part.substring(2)) != null) {
                throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "repeated SCRAM attribute");
            }
        }
        return out;
    }

    static void checkNonce(String nonce) throws AuthFailure {
        if (nonce == null || nonce.isEmpty()) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "missing SCRAM nonce");
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "invalid SCRAM nonce");
        }
    }
}
