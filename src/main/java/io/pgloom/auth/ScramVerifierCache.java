// Verifiers derived from configured plain-text passwords, so a login costs one HMAC round, not 4096 of them.
// Keyed by a SHA-256 of the password (never the password itself); bounded; a lost race only repeats the work.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

public final class ScramVerifierCache {
    private static final int MAX = 10_000;
    private static final ConcurrentHashMap<String, ScramVerifier> CACHE = new ConcurrentHashMap<>();

    private ScramVerifierCache() {}

    /**
     * The verifier for a configured password. Reusing one salt per password is what PostgreSQL does too: the
     * stored verifier keeps its salt for the password's whole life.
     */
    public static ScramVerifier forPassword(String password) {
        String key = HexFormat.of().formatHex(Scram.sha256(password.getBytes(StandardCharsets.UTF_8)));
        ScramVerifier v = CACHE.get(key);
        if (v != null) return v;
        v = ScramVerifier.fromPassword(password);
        if (CACHE.size() >= MAX) CACHE.clear();
        ScramVerifier prev = CACHE.putIfAbsent(key, v);
        return prev != null ? prev : v;
    }
}
