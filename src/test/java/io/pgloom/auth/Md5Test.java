// PostgreSQL's MD5 password scheme against values PostgreSQL itself stored.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Md5Test {
    @Test
    void storedHashMatchesPostgres() {
        assertEquals("md53175bce1d3201d16594cebf9d7eb3f9d", Md5.passwordHash("postgres", "postgres"));
        // PostgreSQL 15, password_encryption = md5, UTF8 database.
        assertEquals("md5e5da1a7616e7dec55ce459edc175688c", Md5.passwordHash("p\u00e4ssword", "m1"));
        assertEquals("md5ed79f4623ae95453759d18e3c3b7c7a4", Md5.passwordHash("secret", "\u00dcn\u00ef"));
    }

    @Test
    void recognizesOnlyPostgresStoredForm() {
        assertTrue(Md5.looksLikeHash("md53175bce1d3201d16594cebf9d7eb3f9d"));
        assertFalse(Md5.looksLikeHash("md53175BCE1D3201D16594CEBF9D7EB3F9D"), "PostgreSQL takes lower-case hex only");
        assertFalse(Md5.looksLikeHash("md53175bce1d3201d16594cebf9d7eb3f9"));
        assertFalse(Md5.looksLikeHash("md5-not-a-hash"));
        assertFalse(Md5.looksLikeHash(null));
    }

    @Test
    void saltedResponseVerifies() {
        byte[] salt = {1, 2, 3, 4};
        String stored = Md5.passwordHash("pw", "alice");
        String response = Md5.saltedResponse(stored, salt);
        assertTrue(response.matches("md5[0-9a-f]{32}"));
        assertTrue(Md5.verify(stored, salt, response));
        assertFalse(Md5.verify(stored, new byte[] {4, 3, 2, 1}, response));
        assertFalse(Md5.verify(Md5.passwordHash("other", "alice"), salt, response));
        assertFalse(Md5.verify(stored, salt, response.toUpperCase()));
        assertFalse(Md5.verify(stored, salt, null));
    }

    @Test
    void knownSaltedResponse() {
        // md5(hex("md53175...") part + salt) computed by hand: echo -n '3175bce1d3201d16594cebf9d7eb3f9d' + bytes 01 02
        // 03 04.
        assertEquals(
                "md5" + hexMd5("3175bce1d3201d16594cebf9d7eb3f9d\u0001\u0002\u0003\u0004"),
                Md5.saltedResponse("md53175bce1d3201d16594cebf9d7eb3f9d", new byte[] {1, 2, 3, 4}));
    }

    @Test
    void refusesWhatIsNotAHashOrASalt() {
        assertThrows(IllegalArgumentException.class, () -> Md5.saltedResponse("plain", new byte[4]));
        assertThrows(
                IllegalArgumentException.class,
                () -> Md5.saltedResponse("md53175bce1d3201d16594cebf9d7eb3f9d", new byte[3]));
    }

    private static String hexMd5(String ascii) {
        try {
            return java.util.HexFormat.of()
                    .formatHex(java.security.MessageDigest.getInstance("MD5")
                            .digest(ascii.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
