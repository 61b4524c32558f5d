// PostgreSQL's MD5 password scheme against known values.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Md5Test {
    @Test
    void storedHashMatchesPostgres() {
        assertEquals("md53175bce1d3201d16594cebf9d7eb3f9d", Md5.passwordHash("postgres", "postgres"));
        assertTrue(Md5.looksLikeHash("md53175bce1d3201d16594cebf9d7eb3f9d"));
        assertFalse(Md5.looksLikeHash("md5-not-a-hash"));
    }

    @Test
    void saltedResponseVerifies() {
        byte[] salt = {1, 2, 3, 4};
        String stored = Md5.passwordHash("pw", "alice");
        String response = Md5.saltedResponse(stored, salt);
        assertTrue(Md5.verify(stored, salt, response));
        assertFalse(Md5.verify(stored, new byte[] {4, 3, 2, 1}, response));
        assertFalse(Md5.verify(Md5.passwordHash("other", "alice"), salt, response));
    }
}
