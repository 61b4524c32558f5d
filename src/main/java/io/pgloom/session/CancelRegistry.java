// Proxy-issued cancel keys: each client gets its own (pid, secret) in BackendKeyData; a CancelRequest carrying
// it is routed to whatever server that client is linked to at that instant, never to another client's query.
package io.pgloom.session;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

final class CancelRegistry {
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger nextPid = new AtomicInteger(random.nextInt(1 << 20) + 1);
    private final ConcurrentHashMap<Integer, ClientSession> byPid = new ConcurrentHashMap<>();

    /** Registers a session and returns the pid part of its key; the secret is stored on the session. */
    int register(ClientSession s) {
        while (true) {
            int pid = nextPid.getAndIncrement() & 0x7fffffff;
            if (pid != 0 && byPid.putIfAbsent(pid, s) == null) return pid;
        }
    }

    int newSecret() {
        return random.nextInt();
    }

    void unregister(int pid, ClientSession s) {
        byPid.remove(pid, s);
    }

    /** The session owning this key, or null; the secret is compared in constant time. */
    ClientSession find(int pid, byte[] secret) {
        ClientSession s = byPid.get(pid);
        if (s == null || secret.length != 4) return null;
        byte[] expected = {
            (byte) (s.cancelSecret >>> 24),
            (byte) (s.cancelSecret >>> 16),
            (byte) (s.cancelSecret >>> 8),
            (byte) s.cancelSecret
        };
        return MessageDigest.isEqual(expected, secret) ? s : null;
    }

    int size() {
        return byPid.size();
    }
}
