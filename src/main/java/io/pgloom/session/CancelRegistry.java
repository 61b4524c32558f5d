// Proxy-issued cancel keys: each client gets its own (pid, secret) in BackendKeyData; a CancelRequest carrying
// it is routed to whatever server that client is linked to at that instant, never to another client's query.
// The key layout (and the peer id it carries when instances peer) is io.pgloom.peer.CancelKeys'.
package io.pgloom.session;

import io.pgloom.peer.CancelKeys;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

final class CancelRegistry {
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger next = new AtomicInteger(random.nextInt(1 << 20) + 1);
    /** By the whole key (pid and the comparable part of the secret): with peering, pids alone may repeat. */
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

    int newSecret() {
        return keys.secret(random.nextInt());
    }

    void unregister(int pid, ClientSession s) {
        byKey.remove(key(pid, s.cancelSecret), s);
    }

    /** The session owning this key, or null. */
    ClientSession find(int pid, byte[] secret) {
        if (secret.length != 4) return null;
        int given = (secret[0] & 0xff) << 24 | (secret[1] & 0xff) << 16 | (secret[2] & 0xff) << 8 | (secret[3] & 0xff);
        return byKey.get(key(pid, given));
    }

    private long key(int pid, int secret) {
        return (long) pid << 32 | (keys.comparable(secret) & 0xffffffffL);
    }

    int size() {
        return byKey.size();
    }
}
