// Remembers what PBKDF2 derived from plain-text passwords, so a login costs a few HMACs instead of 4096 rounds of them:
// verifiers for pgloom's own SCRAM server, and ClientKey/ServerKey for logging into a backend. Bounded, thread-safe.
package io.pgloom.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Why caching is safe:
 * <ul>
 *   <li>Server side, a password gets one verifier (one random salt) for the life of the process. That is what
 *       PostgreSQL does: pg_authid keeps one salt per password until it changes. Each login stays fresh because the
 *       proof covers both nonces, which are new every time; the salt only slows down guessing from a stolen
 *       verifier, and a verifier is what PostgreSQL stores anyway.</li>
 *   <li>Entries are keyed by an HMAC, under a random per-process key, of the user, salt, iteration count and
 *       password; never the password, nor a plain hash of it that could be brute-forced cheaply from a heap dump.</li>
 *   <li>The server-side key includes the user, so two users with the same password get different salts and a
 *       stranger comparing salts (server-first-message is sent before any proof) learns nothing.</li>
 *   <li>Client-side entries (ClientKey, ServerKey) are keyed by the salt and iteration count the backend sent, so a
 *       password change on the backend (new salt) misses the cache and derives fresh keys.</li>
 *   <li>Bounded LRU: reloads that change passwords cannot grow it; stale entries age out and are never hit, since the
 *       key changes with the password.</li>
 * </ul>
 * PBKDF2 runs outside the lock. Two first logins racing for one password both derive; the first stored result wins and
 * both callers get it, so a user always sees a single salt.
 */
public final class ScramVerifierCache {
    public static final int DEFAULT_CAPACITY = 1024;
    private static final ScramVerifierCache SHARED = new ScramVerifierCache(DEFAULT_CAPACITY);

    private final byte[] hashKey = Scram.randomBytes(32);
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ScramVerifier> verifiers;
    private final Map<String, Scram.Keys> clientKeys;

    public ScramVerifierCache(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
        this.verifiers = lru(capacity);
        this.clientKeys = lru(capacity);
    }

    /** The process-wide cache. */
    public static ScramVerifierCache shared() {
        return SHARED;
    }

    /** The shared cache's verifier for a user's configured plain-text password. */
    public static ScramVerifier forPassword(String user, String password) {
        return SHARED.verifier(user, password);
    }

    /**
     * As {@link #forPassword(String, String)} without a user. Prefer the form with the user: with this one, users who
     * share a password share a salt, which tells a stranger who starts a SCRAM login as each that they do.
     */
    public static ScramVerifier forPassword(String password) {
        return SHARED.verifier("", password);
    }

    /** The verifier for this user and password: derived once (random salt, 4096 iterations), then reused. */
    public ScramVerifier verifier(String user, String password) {
        String key = key('V', user, new byte[0], 0, password);
        ScramVerifier v = get(verifiers, key);
        if (v != null) return v;
        return putIfAbsent(verifiers, key, ScramVerifier.fromPassword(password));
    }

    /** ClientKey and ServerKey for a password and the salt and iteration count a backend sent. */
    Scram.Keys clientKeys(String password, byte[] salt, int iterations) {
        String key = key('K', "", salt, iterations, password);
        Scram.Keys k = get(clientKeys, key);
        if (k != null) return k;
        return putIfAbsent(clientKeys, key, Scram.keys(SaslPrep.passwordBytes(password), salt, iterations));
    }

    int size() {
        lock.lock();
        try {
            return verifiers.size() + clientKeys.size();
        } finally {
            lock.unlock();
        }
    }

    private String key(char kind, String user, byte[] salt, int iterations, String password) {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        // Length-prefixed fields, so no two different inputs can run together into the same bytes.
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + u.length + 4 + salt.length + 4 + 4 + p.length);
        b.put((byte) kind)
                .putInt(u.length)
                .put(u)
                .putInt(salt.length)
                .put(salt)
                .putInt(iterations)
                .putInt(p.length)
                .put(p);
        return HexFormat.of().formatHex(Scram.hmac(hashKey, b.array()));
    }

    private <V> V get(Map<String, V> map, String key) {
        lock.lock();
        try {
            return map.get(key);
        } finally {
            lock.unlock();
        }
    }

    private <V> V putIfAbsent(Map<String, V> map, String key, V value) {
        lock.lock();
        try {
            V prev = map.putIfAbsent(key, value);
            return prev != null ? prev : value;
        } finally {
            lock.unlock();
        }
    }

    private static <V> Map<String, V> lru(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > capacity;
            }
        };
    }
}
