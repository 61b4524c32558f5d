// PostgreSQL's MD5 password scheme: the stored hash is md5(password || user), the client answers a 4-byte salt with
// md5(hex part of that hash || salt). Kept for old servers and clients; SCRAM is the one to use.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

public final class Md5 {
    private Md5() {}

    /** The stored form, as in pg_authid: "md5" + hex(md5(password + user)), both in UTF-8. */
    public static String passwordHash(String password, String user) {
        return "md5" + hex(md5(password.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8)));
    }

    /** What a client sends for a salt: "md5" + hex(md5(hex part of the stored hash + salt)). */
    public static String saltedResponse(String md5PasswordHash, byte[] salt4) {
        if (!looksLikeHash(md5PasswordHash))
            throw new IllegalArgumentException("not an MD5 password hash (md5 + 32 hex digits)");
        if (salt4 == null || salt4.length != 4) throw new IllegalArgumentException("MD5 salt must be 4 bytes");
        return "md5" + hex(md5(md5PasswordHash.substring(3).getBytes(StandardCharsets.US_ASCII), salt4));
    }

    /** Whether a client's response to salt4 matches the stored hash; constant-time in the response's content. */
    public static boolean verify(String storedMd5Hash, byte[] salt4, String clientResponse) {
        if (clientResponse == null) return false;
        byte[] expected = saltedResponse(storedMd5Hash, salt4).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, clientResponse.getBytes(StandardCharsets.UTF_8));
    }

    /** "md5" followed by 32 lower-case hex digits, PostgreSQL's stored form. */
    public static boolean looksLikeHash(String s) {
        if (s == null || s.length() != 35 || !s.startsWith("md5")) return false;
        for (int i = 3; i < 35; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    private static byte[] md5(byte[] a, byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(a);
            md.update(b);
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("MD5 unavailable", e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
