// SASLprep (RFC 4013) of a password exactly as PostgreSQL's pg_saslprep() does it, so that a verifier or proof pgloom
// derives from a plain-text password matches what PostgreSQL derives from the same password.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

final class SaslPrep {
    private SaslPrep() {}

    /**
     * The bytes SCRAM hashes for a password: the SASLprep'd UTF-8 form, or the password's own UTF-8 bytes where
     * SASLprep refuses it. PostgreSQL does the same (it does not reject such passwords, it just skips the preparation),
     * and it has to be the same here or the keys differ.
     */
    static byte[] passwordBytes(String password) {
        String prepared = prepare(password);
        return (prepared != null ? prepared : password).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The prepared password, or null where PostgreSQL would fall back to the raw bytes: a prohibited or (in Unicode
     * 3.2) unassigned code point, a bidirectional string breaking RFC 3454 section 6, or nothing left after mapping.
     */
    static String prepare(String password) {
        // Pure ASCII passes untouched, control characters included: PostgreSQL's fast path.
        boolean ascii = true;
        for (int i = 0; i < password.length() && ascii; i++) ascii = password.charAt(i) < 0x80;
        if (ascii) return password;

        // 1. Map: non-ASCII spaces to U+0020, "commonly mapped to nothing" removed.
        int[] cps = password.codePoints().toArray();
        int n = 0;
        for (int cp : cps) {
            if (SaslPrepTables.contains(SaslPrepTables.NON_ASCII_SPACE, cp)) {
                cps[n++] = ' ';
            } else if (!SaslPrepTables.contains(SaslPrepTables.MAPPED_TO_NOTHING, cp)) {
                cps[n++] = cp;
            }
        }
        if (n == 0) return null;

        // 3 and 4. PostgreSQL runs the prohibited and bidi checks on the mapped input rather than on the normalized
        // output RFC 3454 asks for. We follow PostgreSQL: matching its keys is the whole point. (A lone surrogate
        // from a Java string is a C.5 code point, so it is refused here too.)
        boolean randAl = false;
        for (int i = 0; i < n; i++) {
            int cp = cps[i];
            if (SaslPrepTables.contains(SaslPrepTables.PROHIBITED, cp)
                    || SaslPrepTables.contains(SaslPrepTables.UNASSIGNED_3_2, cp)) {
                return null;
            }
            randAl |= SaslPrepTables.contains(SaslPrepTables.RAND_AL_CAT, cp);
        }
        if (randAl) {
            if (!SaslPrepTables.contains(SaslPrepTables.RAND_AL_CAT, cps[0])
                    || !SaslPrepTables.contains(SaslPrepTables.RAND_AL_CAT, cps[n - 1])) {
                return null;
            }
            for (int i = 0; i < n; i++) {
                if (SaslPrepTables.contains(SaslPrepTables.L_CAT, cps[i])) return null;
            }
        }

        // 2. Normalize (NFKC). Every code point left is assigned in Unicode 3.2, and normalization of assigned
        // characters is stable across Unicode versions, so the JDK's newer tables give PostgreSQL's result.
        return Normalizer.normalize(new String(cps, 0, n), Normalizer.Form.NFKC);
    }
}
