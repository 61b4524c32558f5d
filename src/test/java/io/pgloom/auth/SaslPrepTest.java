// SASLprep as PostgreSQL applies it to passwords: chosen cases, then the verifiers a real PostgreSQL 15 stored for 200
// non-ASCII passwords (src/test/resources/io/pgloom/auth/postgres-scram-verifiers.tsv) derived again here.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SaslPrepTest {
    @Test
    void asciiPassesUntouchedEvenWithControlCharacters() {
        assertEquals("pencil", SaslPrep.prepare("pencil"));
        assertEquals("tab\there\u0001", SaslPrep.prepare("tab\there\u0001"));
        assertEquals("", SaslPrep.prepare(""));
    }

    @Test
    void mapsAndNormalizes() {
        assertEquals("a b", SaslPrep.prepare("a\u00a0b"), "non-ASCII space becomes a space");
        assertEquals("ab", SaslPrep.prepare("a\u00adb"), "soft hyphen maps to nothing");
        assertEquals("fish", SaslPrep.prepare("\ufb01sh"), "NFKC splits the ligature");
        assertEquals("IV", SaslPrep.prepare("\u2163"));
        assertEquals("p\u00e4ssword", SaslPrep.prepare("pa\u0308ssword"), "NFKC composes");
        assertEquals("Abc", SaslPrep.prepare("\uff21\uff42\uff43"));
        assertEquals("\u05d0\u05d1", SaslPrep.prepare("\u05d0\u05d1"), "right-to-left only is fine");
    }

    @Test
    void refusesWherePostgresFallsBackToTheRawBytes() {
        assertNull(SaslPrep.prepare("x\ue000y"), "private use");
        assertNull(SaslPrep.prepare("\ufb01\ud83d\ude00"), "emoji: unassigned in Unicode 3.2");
        assertNull(SaslPrep.prepare("\u0221\ufb01"), "assigned only after Unicode 3.2");
        assertNull(SaslPrep.prepare("\u05d0\ufb01\u05d1"), "right-to-left mixed with left-to-right");
        assertNull(SaslPrep.prepare("\u05d0\u00a01"), "right-to-left string not ending right-to-left");
        assertNull(SaslPrep.prepare("\u0007e\u0301"), "control character in a non-ASCII string");
        assertNull(SaslPrep.prepare("\u00ad"), "nothing left after mapping");
        assertNull(SaslPrep.prepare("a\ud800b"), "lone surrogate");
        assertEquals("\u0007e\u0301", new String(SaslPrep.passwordBytes("\u0007e\u0301"), StandardCharsets.UTF_8));
    }

    @Test
    void matchesEveryVerifierPostgresStored() throws Exception {
        List<String> mismatches = new ArrayList<>();
        int rows = 0;
        try (InputStream in = SaslPrepTest.class.getResourceAsStream("postgres-scram-verifiers.tsv");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#")) continue;
                String[] f = line.split("\t");
                String password = new String(HexFormat.of().parseHex(f[1]), StandardCharsets.UTF_8);
                ScramVerifier pg = ScramVerifier.parse(f[2]);
                if (!pg.equals(ScramVerifier.fromPassword(password, pg.salt(), pg.iterations()))) mismatches.add(f[0]);
                rows++;
            }
        }
        assertEquals(200, rows);
        assertTrue(mismatches.isEmpty(), "verifiers differ from PostgreSQL's for " + mismatches);
    }
}
