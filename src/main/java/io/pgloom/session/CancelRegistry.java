// Proxy-issued cancel keys: each client gets its own (pid, secret) in BackendKeyData, 32 secret bytes for protocol 3.2
// clients and 4 for older ones; a CancelRequest carrying it reaches whatever server that client is linked to at that
// instant, never another client's query. The key layout (and a peer id) is io.pgloom.peer.CancelKeys'.
package io.pgloom.session;

import io.pgloom.peer.CancelKeys;
import io.pgloom.wire.FrameWriter;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

final class CancelRegistry {
    /** The secret's length for protocol 3.2 clients, as PostgreSQL 18 sends (it allows up to 256 bytes). */
    static final int LONG_SECRET = 32;

    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger next = new AtomicInteger(random.nextInt(1 << 20) + 1);
    /** By the whole key (pid and the comparable part of the secret's first 4 bytes): with peering, pids repeat. */
    private final ConcurrentHashMap<Long, ClientSession> byKey = new ConcurrentHashMap<>();

    private final CancelKeys keys;

    CancelRegistry(CancelKeys keys) {
        this.keys = keys;
    }

    /** Registers a session whose cancelSecret is set, and returns the pid part of its key. */
    int register(ClientSession s) {
        while (true) {
            int pid = keys.pid(next.getAndIncrement());
            if (byKey.putIfAbsent(key(pid, s.cancelSecret), s) == null) return pid;
        }
    }

    /**
     * A secret for a client speaking protocol 3.{@code minor}: 4 bytes before 3.2, {@link #LONG_SECRET} from 3.2.
     * The first 4 bytes are laid out as CancelKeys says (the TTL bits with peering); the rest is random.
     */
    byte[] newSecret(int minor) {
        byte[] secret = new byte[minor >= 2 ? LONG_SECRET : 4];
        random.nextBytes(secret);
        FrameWriter.putInt(secret, 0, keys.secret(FrameWriter.getInt(secret, 0)));
        return secret;
    }

    void unregister(int pid, ClientSession s) {
        byKey.remove(key(pid, s.cancelSecret), s);
    }

    /**
     * The session owning this key, or null. A key is the whole secret: a 3.2 key's first 4 bytes alone cancel
     * nothing, and the bytes after them are compared in constant time.
     */
    ClientSession find(int pid, byte[] secret) {
        if (secret.length < 4) return null;
        ClientSession s = byKey.get(key(pid, secret));
        if (s == null || s.cancelSecret.length != secret.length) return null;
        byte[] mine = Arrays.copyOfRange(s.cancelSecret, 4, secret.length);
        return MessageDigest.isEqual(mine, Arrays.copyOfRange(secret, 4, secret.length)) ? s : null;
    }

    private long key(int pid, byte[] secret) {
        return (long) pid << 32 | (keys.comparable(FrameWriter.getInt(secret, 0)) & 0xffffffffL);
    }

    int size() {
        return byKey.size();
    }
}
