// Stored verifiers: PostgreSQL's text format both ways, keys equal to PostgreSQL's own, strict parsing, no key leaks,
// and the cache that spares a login the PBKDF2 rounds.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScramVerifierTest {
    /** What PostgreSQL 15 stored for CREATE ROLE ... PASSWORD 'secret' (row r0 of postgres-scram-verifiers.tsv). */
    private static final String POSTGRES_SECRET = "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$"
            + "gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=";

    @Test
    void derivesWhatPostgresStores() throws Exception {
        ScramVerifier pg = ScramVerifier.parse(POSTGRES_SECRET);
        assertEquals(4096, pg.iterations());
        ScramVerifier ours = ScramVerifier.fromPassword("secret", pg.salt(), pg.iterations());
        assertEquals(pg, ours);
        assertEquals(POSTGRES_SECRET, ours.format());

        // And independently of our Hi: the JDK's PBKDF2, then RFC 5802's definitions.
        byte[] salted = ScramRfc7677Test.saltedPassword("secret", pg.salt(), 4096);
        assertArrayEquals(ScramRfc7677Test.sha256(ScramRfc7677Test.hmac(salted, "Client Key")), pg.storedKey());
        assertArrayEquals(ScramRfc7677Test.hmac(salted, "Server Key"), pg.serverKey());
    }

    @Test
    void formatAndParseRoundTrip() {
        ScramVerifier v = ScramVerifier.fromPassword("pencil", ScramRfc7677Test.SALT, 4096);
        assertEquals("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", v.format().substring(0, 44));
        assertEquals(v, ScramVerifier.parse(v.format()));
        assertEquals(v.hashCode(), ScramVerifier.parse(v.format()).hashCode());
        ScramVerifier random = ScramVerifier.fromPassword("pencil");
        assertEquals(16, random.salt().length);
        assertEquals(4096, random.iterations());
        assertNotEquals(v, random);
        assertEquals(random, ScramVerifier.parse(random.format()));
        assertTrue(ScramVerifier.looksLikeVerifier(v.format()));
        assertFalse(ScramVerifier.looksLikeVerifier("md53175bce1d3201d16594cebf9d7eb3f9d"));
    }

    @Test
    void neverShowsItsKeysAndCannotBeChangedFromOutside() {
        ScramVerifier v = ScramVerifier.parse(POSTGRES_SECRET);
        assertEquals("ScramVerifier[iterations=4096]", v.toString());
        v.storedKey()[0] ^= 1;
        v.salt()[0] ^= 1;
        assertEquals(POSTGRES_SECRET, v.format());
        byte[] key = new byte[32];
        ScramVerifier made = new ScramVerifier(1, new byte[] {1}, key, key);
        key[0] = 9;
        assertEquals(0, made.storedKey()[0]);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "secret",
                "md53175bce1d3201d16594cebf9d7eb3f9d",
                "SCRAM-SHA-256$",
                "SCRAM-SHA-1$4096:c2FsdA==$K:K",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=",
                "SCRAM-SHA-256$0:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                "SCRAM-SHA-256$-1:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                "SCRAM-SHA-256$99999999999:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                "SCRAM-SHA-256$4096:$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0h==:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbd=",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=:",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=$",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==:x$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                " SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc=",
                "SCRAM-SHA-256$4096:9v4MZ1WNnic4pQ2K79vbrA==$gG3RIIyejkUM9SXxAV8e2xzMxdKINdDkIT7KS0db0hU=:a5Hdn/i9nAjF6AUprP+py1q/j9WpTokt71bqWp/5zbc= "
            })
    void malformedTextIsRefusedWithoutRepeatingIt(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScramVerifier.parse(text));
        assertTrue(e.getMessage().startsWith("not a valid SCRAM-SHA-256 verifier"), e.getMessage());
        for (String part : text.split("[$:]")) {
            if (part.length() > 8 && !part.contains("SCRAM-SHA"))
                assertFalse(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void nullTextIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ScramVerifier.parse(null));
    }

    @Test
    void cacheDerivesOncePerUserAndPassword() {
        ScramVerifierCache cache = new ScramVerifierCache(8);
        ScramVerifier v = cache.verifier("alice", "pw");
        assertSame(v, cache.verifier("alice", "pw"));
        assertNotSame(v, cache.verifier("alice", "pw2"));
        assertNotEquals(
                Base64.getEncoder().encodeToString(v.salt()),
                Base64.getEncoder().encodeToString(cache.verifier("bob", "pw").salt()));
        // The cached verifier is a genuine one for the password.
        assertEquals(v, ScramVerifier.fromPassword("pw", v.salt(), v.iterations()));
        assertSame(
                ScramVerifierCache.forPassword("alice", "shared-cache pw"),
                ScramVerifierCache.forPassword("alice", "shared-cache pw"));
    }

    @Test
    void cacheIsBounded() {
        ScramVerifierCache cache = new ScramVerifierCache(2);
        ScramVerifier first = cache.verifier("u", "one");
        cache.verifier("u", "two");
        cache.verifier("u", "three");
        assertEquals(2, cache.size());
        assertNotSame(first, cache.verifier("u", "one"), "the least recently used entry was evicted");
        byte[] salt = {1, 2, 3};
        for (int i = 0; i < 5; i++) cache.clientKeys("pw" + i, salt, 1);
        assertEquals(4, cache.size());
    }

    @Test
    void cachedClientKeysAreThePasswordsKeys() throws Exception {
        ScramVerifierCache cache = new ScramVerifierCache(4);
        ScramVerifier pg = ScramVerifier.parse(POSTGRES_SECRET);
        Scram.Keys keys = cache.clientKeys("secret", pg.salt(), 4096);
        assertSame(keys, cache.clientKeys("secret", pg.salt(), 4096));
        assertArrayEquals(ScramRfc7677Test.independentClientKey("secret", pg.salt(), 4096), keys.clientKey());
        assertArrayEquals(pg.serverKey(), keys.serverKey());
        assertNotSame(keys, cache.clientKeys("secret", pg.salt(), 4097));
        assertFalse(keys.toString().contains(Base64.getEncoder().encodeToString(keys.clientKey())));
    }
}
