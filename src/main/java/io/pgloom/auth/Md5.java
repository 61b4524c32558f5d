// PostgreSQL's MD5 password scheme: stored hash md5(password || user), challenge response md5(hash || salt).
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

public final class Md5 {
    private Md5() {}

    /** The stored form: "md5" + hex(md5(password + user)). */
    public static String passwordHash(String password, String user) {
        return "md5" + hex(md5(concat(password.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8))));
    }

    /** What a client sends for a 4-byte salt: "md5" + hex(md5(hex-part-of-hash + salt)). */
    public static String saltedResponse(String md5PasswordHash, byte[] salt4) {
        byte[] hexPart = md5PasswordHash.substring(3).getBytes(StandardCharsets.US_ASCII);
        return "md5" + hex(md5(concat(hexPart, salt4)));
    }

    /** Constant-time comparison of a client's response with the expected one. */
    public static boolean verify(String storedMd5Hash, byte[] salt4, String clientResponse) {
        byte[] expected = saltedResponse(storedMd5Hash, salt4).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, clientResponse.getBytes(StandardCharsets.US_ASCII));
    }

    public static boolean looksLikeHash(String s) {
        return s != null && s.length() == 35 && s.startsWith("md5") && s.substring(3).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
