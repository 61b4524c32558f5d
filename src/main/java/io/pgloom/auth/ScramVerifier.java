// A stored SCRAM-SHA-256 verifier in PostgreSQL's format: SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>.
package io.pgloom.auth;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
    public static final String PREFIX = "SCRAM-SHA-256$";

    public static boolean looksLikeVerifier(String text) {
        return text != null && text.startsWith(PREFIX);
    }

    /** Parses the stored form; the exception message never repeats the text. */
    public static ScramVerifier parse(String text) {
        try {
            if (!looksLikeVerifier(text)) throw new IllegalArgumentException();
            String rest = text.substring(PREFIX.length());
            int dollar = rest.indexOf('$');
            String[] head = rest.substring(0, dollar).split(":");
            String[] keys = rest.substring(dollar + 1).split(":");
            if (head.length != 2 || keys.length != 2) throw new IllegalArgumentException();
            int iterations = Integer.parseInt(head[0]);
            if (iterations < 1 || iterations > Scram.MAX_ITERATIONS) throw new IllegalArgumentException();
            Base64.Decoder d = Base64.getDecoder();
            byte[] stored = d.decode(keys[0]);
            byte[] server = d.decode(keys[1]);
            if (stored.length != 32 || server.length != 32) throw new IllegalArgumentException();
            return new ScramVerifier(iterations, d.decode(head[1]), stored, server);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a valid SCRAM-SHA-256 verifier (expected "
                    + "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)");
        }
    }

    public static ScramVerifier fromPassword(String password, byte[] salt, int iterations) {
        byte[] salted = Scram.hi(Scram.normalize(password), salt, iterations);
        byte[] clientKey = Scram.hmac(salted, "Client Key");
        byte[] serverKey = Scram.hmac(salted, "Server Key");
        return new ScramVerifier(iterations, salt.clone(), Scram.sha256(clientKey), serverKey);
    }

    /** A fresh verifier: random 16-byte salt, 4096 iterations (PostgreSQL's default scram_iterations). */
    public static ScramVerifier fromPassword(String password) {
        byte[] salt = new byte[16];
        Scram.RANDOM.nextBytes(salt);
        return fromPassword(password, salt, 4096);
    }

    public String format() {
        return PREFIX + iterations + ":" + Scram.b64(salt) + "$" + Scram.b64(storedKey) + ":" + Scram.b64(serverKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramVerifier v && v.iterations == iterations && Arrays.equals(v.salt, salt)
                && MessageDigest.isEqual(v.storedKey, storedKey) && MessageDigest.isEqual(v.serverKey, serverKey);
    }

    @Override
    public int hashCode() {
        return iterations * 31 + Arrays.hashCode(salt);
    }

    @Override
    public String toString() {
        return "ScramVerifier[iterations=" + iterations + "]";
    }
}
