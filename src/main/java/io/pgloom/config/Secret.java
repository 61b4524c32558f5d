// A password, MD5 hash or SCRAM verifier from the config. toString never shows it, so it cannot leak into a log
// line, an exception or a SHOW CONFIG by accident.
package io.pgloom.config;

import io.pgloom.auth.Md5;
import io.pgloom.auth.ScramVerifier;

public final class Secret {
    public enum Kind {
        PLAIN,
        MD5,
        SCRAM
    }

    private final String value;
    private final Kind kind;

    public Secret(String value) {
        this.value = value;
        this.kind =
                ScramVerifier.looksLikeVerifier(value) ? Kind.SCRAM : Md5.looksLikeHash(value) ? Kind.MD5 : Kind.PLAIN;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether pgloom can log in to PostgreSQL with it: a plain password or an MD5 hash (a verifier checks clients). */
    public boolean canLogIn() {
        return kind != Kind.SCRAM;
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "<redacted>";
    }
}
