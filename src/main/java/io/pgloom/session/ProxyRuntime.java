// What every session of one pgloom process shares: the current config, the pools, the cancel keys, the list of
// live sessions (for SHOW CLIENTS and shutdown) and the shutdown state.
package io.pgloom.session;

import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.ProxySettings;
import io.pgloom.config.Secret;
import io.pgloom.config.UserConfig;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolSettings;
import io.pgloom.pool.Pools;
import io.pgloom.pool.ServerCredentials;
import io.pgloom.pool.ServerLogin;
import io.pgloom.pool.ServerPool;
import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class ProxyRuntime {
    private volatile ProxyConfig config;
    public final Pools pools;
    public final Clock clock;
    final CancelRegistry cancels = new CancelRegistry();
    private final ConcurrentHashMap<Long, ClientSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean shuttingDown;

    public ProxyRuntime(ProxyConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.pools = new Pools(clock, Duration.ofSeconds(1));
    }

    public ProxyConfig config() {
        return config;
    }

    /** Swaps the config for new sessions and resizes existing pools; running sessions keep their links. */
    public void config(ProxyConfig c) {
        this.config = c;
        for (ServerPool p : pools.all()) {
            if (c.database(p.key().database()).isPresent()) {
                p.settings(poolSettings(c, p.key()));
                budgets(c, p.key()); // updates the shared caps' max
            }
        }
    }

    /** The pool for (database, user), created on first use. */
    ServerPool pool(PoolKey key) {
        return pools.get(key, k -> {
            ProxyConfig c = config;
            return new ServerPool(k, poolSettings(c, k), this::openServer, clock, budgets(c, k));
        });
    }

    /** max_db_connections and max_user_connections, shared by every pool of that database or user. */
    private java.util.List<io.pgloom.pool.ConnectionBudget> budgets(ProxyConfig c, PoolKey key) {
        DatabaseConfig db = c.database(key.database()).orElseThrow();
        int dbMax = db.maxDbConnections() != null ? db.maxDbConnections() : c.proxy().maxDbConnections();
        UserConfig u = c.user(key.user()).orElse(null);
        int userMax = u != null && u.maxUserConnections() != null ? u.maxUserConnections() : c.proxy().maxUserConnections();
        return java.util.List.of(pools.budget("db:" + key.database(), dbMax), pools.budget("user:" + key.user(), userMax));
    }

    static PoolSettings poolSettings(ProxyConfig c, PoolKey key) {
        ProxySettings p = c.proxy();
        DatabaseConfig db = c.database(key.database()).orElseThrow();
        int size = c.poolSizeFor(key.database(), key.user());
        int min = db.minPoolSize() != null ? db.minPoolSize() : p.minPoolSize();
        return new PoolSettings(size, Math.min(min, size), p.reservePoolSize(), p.reservePoolTimeout(),
                p.queryWaitTimeout(), p.serverIdleTimeout(), p.serverLifetime(), p.serverLoginRetry(),
                p.serverCheckDelay(), p.serverCheckQuery());
    }

    private io.pgloom.pool.ServerConn openServer(PoolKey key)
            throws io.pgloom.pool.ServerLoginException {
        ProxyConfig c = config;
        DatabaseConfig db = c.database(key.database()).orElseThrow(() -> new io.pgloom.pool.ServerLoginException(
                "database_removed", io.pgloom.wire.SqlState.INVALID_CATALOG_NAME,
                "database \"" + key.database() + "\" is no longer configured", null));
        ServerCredentials creds = credentials(c, db, key.user());
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", creds.user());
        params.put("database", db.dbname());
        // Neutral startup: settings of whichever client asked for the server are applied on link (ParameterSync),
        // so RESET on the next link returns the server to these defaults, not to another client's values.
        params.putAll(db.startupParameters());
        return ServerLogin.open(key, db.host(), db.port(), creds, params, c.proxy().serverConnectTimeout(),
                c.proxy().tcpKeepalive(), c.proxy().maxPacketSize(), clock.nanoTime());
    }

    /** The backend login: the database's forced user and password, else the client's own user and stored secret. */
    static ServerCredentials credentials(ProxyConfig c, DatabaseConfig db, String clientUser) {
        if (db.user() != null) return fromSecret(db.user(), db.password());
        UserConfig u = c.user(clientUser).orElse(null);
        return fromSecret(clientUser, u == null ? null : u.password());
    }

    private static ServerCredentials fromSecret(String user, Secret s) {
        if (s == null) return new ServerCredentials(user, null, null);
        return switch (s.kind()) {
            case PLAIN -> new ServerCredentials(user, s.reveal(), null);
            case MD5 -> new ServerCredentials(user, null, s.reveal());
            case SCRAM -> new ServerCredentials(user, null, null);
        };
    }

    void add(ClientSession s) {
        sessions.put(s.id, s);
    }

    void remove(ClientSession s) {
        sessions.remove(s.id, s);
    }

    public Collection<ClientSession> sessions() {
        return sessions.values();
    }

    public int sessionCount() {
        return sessions.size();
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Stops new work: idle sessions close now with 57P01, busy ones after their transaction ends. */
    public void beginShutdown() {
        shuttingDown = true;
        for (ClientSession s : sessions.values()) s.shutdownIfIdle();
    }

    /** Shutdown timeout reached: everyone goes now. */
    public void forceCloseAll() {
        for (ClientSession s : sessions.values()) s.terminate("shutdown_timeout", io.pgloom.wire.SqlState.ADMIN_SHUTDOWN,
                "terminating connection because pgloom is shutting down");
    }
}
