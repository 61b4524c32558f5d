// Logged-in clients per database and per user, and the caps on them (max_db_client_connections,
// max_user_client_connections, as PgBouncer 1.24 has them): one admission decision, taken once per login, and its
// release when the session ends. Admin console sessions are not counted.
package io.pgloom.runtime;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

public final class ClientCounts {
    private final ConcurrentHashMap<String, AtomicInteger> byDatabase = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> byUser = new ConcurrentHashMap<>();

    /** Which cap refused a login: its config key. */
    public enum Refusal {
        DATABASE("max_db_client_connections"),
        USER("max_user_client_connections");
        public final String key;

        Refusal(String key) {
            this.key = key;
        }
    }

    /**
     * Counts one more client of (database, user) unless that passes a cap (0 = none); returns null when admitted
     * (the caller must {@link #release} it once), else the cap that refused it, counting nothing.
     */
    public Refusal admit(String database, String user, int maxPerDatabase, int maxPerUser) {
        AtomicInteger db = byDatabase.computeIfAbsent(database, k -> new AtomicInteger());
        if (!take(db, maxPerDatabase)) return Refusal.DATABASE;
        AtomicInteger u = byUser.computeIfAbsent(user, k -> new AtomicInteger());
        if (!take(u, maxPerUser)) {
            db.decrementAndGet();
            return Refusal.USER;
        }
        return null;
    }

    public void release(String database, String user) {
        byDatabase.get(database).decrementAndGet();
        byUser.get(user).decrementAndGet();
    }

    public int ofDatabase(String database) {
        AtomicInteger n = byDatabase.get(database);
        return n == null ? 0 : n.get();
    }

    private static boolean take(AtomicInteger n, int max) {
        while (true) {
            int now = n.get();
            if (max > 0 && now >= max) return false;
            if (n.compareAndSet(now, now + 1)) return true;
        }
    }
}
