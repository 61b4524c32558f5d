// A stored SCRAM-SHA-256 verifier in PostgreSQL's pg_authid format:
// SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>.
// It lets pgloom check a client's proof without knowing the password; it never prints its keys.
package io.pgloom.auth;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A SCRAM-SHA-256 verifier. The arrays are copied in and out, so an instance is immutable and safe to share.
 *
 * @param iterations PBKDF2 rounds, at least 1
 * @param salt non-empty
 * @param storedKey H(ClientKey), 32 bytes
 * @param serverKey HMAC(SaltedPassword, "Server Key"), 32 bytes
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    public static final String PREFIX = "SCRAM-SHA-256$";
    private static final String SHAPE = " (expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)";

    public ScramVerifier {
        if (iterations < 1) throw new IllegalArgumentException("SCRAM iteration count must be at least 1");
        if (salt == null || salt.length == 0) throw new IllegalArgumentException("SCRAM salt must not be empty");
        if (storedKey == null
                || storedKey.length != Scram.KEY_LENGTH
                || serverKey == null
                || serverKey.length != Scram.KEY_LENGTH) {
            throw new IllegalArgumentException("SCRAM-SHA-256 keys must be " + Scram.KEY_LENGTH + " bytes");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /** Whether text is meant as a verifier (it may still be malformed: {@link #parse} tells). */
    public static boolean looksLikeVerifier(String text) {
        return text != null && text.startsWith(PREFIX);
    }

    /**
     * Parses PostgreSQL's stored form, strictly: one '$' and one ':' per half, canonical padded base64, 32-byte keys.
     * The exception names the faulty part but never repeats the text, which is a secret.
     */
    public static ScramVerifier parse(String text) {
        if (!looksLikeVerifier(text)) throw invalid("it does not start with " + PREFIX);
        String rest = text.substring(PREFIX.length());
        int dollar = rest.indexOf('$');
        if (dollar < 0 || rest.indexOf('$', dollar + 1) >= 0) throw invalid("it needs exactly two '$'");
        String head = rest.substring(0, dollar);
        String keys = rest.substring(dollar + 1);
        int c1 = head.indexOf(':');
        int c2 = keys.indexOf(':');
        if (c1 < 0 || head.indexOf(':', c1 + 1) >= 0 || c2 < 0 || keys.indexOf(':', c2 + 1) >= 0) {
            throw invalid("each '$' part needs exactly one ':'");
        }
        int iterations = parseIterations(head.substring(0, c1));
        byte[] salt = Scram.unb64(head.substring(c1 + 1));
        if (salt == null || salt.length == 0) throw invalid("the salt is not base64");
        byte[] stored = Scram.unb64(keys.substring(0, c2));
        byte[] server = Scram.unb64(keys.substring(c2 + 1));
        if (stored == null || stored.length != Scram.KEY_LENGTH)
            throw invalid("the StoredKey is not 32 bytes of base64");
        if (server == null || server.length != Scram.KEY_LENGTH)
            throw invalid("the ServerKey is not 32 bytes of base64");
        return new ScramVerifier(iterations, salt, stored, server);
    }

    private static int parseIterations(String s) {
        // posit-number, within int: PostgreSQL accepts any positive scram_iterations.
        boolean digits = !s.isEmpty()
                && s.length() <= 10
                && s.charAt(0) != '0'
                && s.chars().allMatch(c -> c >= '0' && c <= '9');
        long n = digits ? Long.parseLong(s) : 0;
        if (n < 1 || n > Integer.MAX_VALUE) throw invalid("the iteration count is not a positive number");
        return (int) n;
    }

    private static IllegalArgumentException invalid(String why) {
        return new IllegalArgumentException("not a valid SCRAM-SHA-256 verifier: " + why + SHAPE);
    }

    /**
     * The verifier PostgreSQL would store for this password, salt and iteration count: the password goes through
     * SASLprep where PostgreSQL applies it (NFKC and friends), else its UTF-8 bytes are used as they are.
     */
    public static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
        if (password == null) throw new IllegalArgumentException("password must not be null");
        if (salt == null || salt.length == 0) throw new IllegalArgumentException("SCRAM salt must not be empty");
        Scram.Keys keys = Scram.keys(SaslPrep.passwordBytes(password), salt, iterations);
        return new ScramVerifier(iterations, salt, Scram.sha256(keys.clientKey()), keys.serverKey());
    }

    /** A fresh verifier as PostgreSQL makes one: random 16-byte salt, 4096 iterations (its default). */
    public static ScramVerifier fromPassword(String password) {
        return fromPassword(password, Scram.randomBytes(Scram.SALT_LENGTH), Scram.DEFAULT_ITERATIONS);
    }

    /** PostgreSQL's text form; {@code parse(v.format())} equals v. */
    public String format() {
        return PREFIX + iterations + ":" + Scram.b64(salt) + "$" + Scram.b64(storedKey) + ":" + Scram.b64(serverKey);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    /** Whether H(clientKey) is this verifier's StoredKey, in constant time. */
    boolean matchesClientKey(byte[] clientKey) {
        return MessageDigest.isEqual(Scram.sha256(clientKey), storedKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramVerifier v
                && v.iterations == iterations
                && Arrays.equals(v.salt, salt)
                && MessageDigest.isEqual(v.storedKey, storedKey)
                && MessageDigest.isEqual(v.serverKey, serverKey);
    }

    /** From the iteration count and salt only: the keys stay out of anything that might be printed or compared. */
    @Override
    public int hashCode() {
        return iterations * 31 + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + "]";
    }
}
