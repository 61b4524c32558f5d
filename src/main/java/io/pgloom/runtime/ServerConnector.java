// How pgloom opens server connections: for a pool (its settings and shared caps, the backend login on a host that
// fits the database's target), for a health check, for the readiness probe and for auth_query; and which
// credentials each uses. One place for every login pgloom makes to PostgreSQL.
package io.pgloom.runtime;

import io.pgloom.auth.ScramVerifier;
import io.pgloom.backend.Backend;
import io.pgloom.backend.BackendRegistry;
import io.pgloom.backend.HealthCheckLogin;
import io.pgloom.config.Backends;
import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.ProxySettings;
import io.pgloom.config.Secret;
import io.pgloom.config.UserConfig;
import io.pgloom.metrics.Metrics;
import io.pgloom.pool.ConnectionBudget;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolSettings;
import io.pgloom.pool.Pools;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerCredentials;
import io.pgloom.pool.ServerLogin;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.pool.ServerPool;
import io.pgloom.pool.ServerQueries;
import io.pgloom.tls.TlsState;
import io.pgloom.util.Clock;
import io.pgloom.wire.SqlState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

public final class ServerConnector {
    private final Supplier<ProxyConfig> config;
    private final Supplier<TlsState> tls;
    private final Pools pools;
    private final BackendRegistry backends;
    private final Metrics metrics;
    private final Clock clock;
    /** auth_query lookups and the ClientKeys of pass-through logins. */
    private final AuthQuery authQuery = new AuthQuery(this);

    public ServerConnector(
            Supplier<ProxyConfig> config,
            Supplier<TlsState> tls,
            Pools pools,
            BackendRegistry backends,
            Metrics metrics,
            Clock clock) {
        this.config = config;
        this.tls = tls;
        this.pools = pools;
        this.backends = backends;
        this.metrics = metrics;
        this.clock = clock;
    }

    public AuthQuery authQuery() {
        return authQuery;
    }

    ProxyConfig config() {
        return config.get();
    }

    Clock clock() {
        return clock;
    }

    /** max_db_connections and max_user_connections, shared by every pool of that database or user. */
    public List<ConnectionBudget> budgets(ProxyConfig c, PoolKey key) {
        DatabaseConfig db = c.database(key.database()).orElseThrow();
        int dbMax = db.maxDbConnections() != null
                ? db.maxDbConnections()
                : c.proxy().maxDbConnections();
        UserConfig u = c.user(key.user()).orElse(null);
        int userMax = u != null && u.maxUserConnections() != null
                ? u.maxUserConnections()
                : c.proxy().maxUserConnections();
        return List.of(pools.budget("db:" + key.database(), dbMax), pools.budget("user:" + key.user(), userMax));
    }

    public static PoolSettings poolSettings(ProxyConfig c, PoolKey key) {
        ProxySettings p = c.proxy();
        DatabaseConfig db = c.database(key.database()).orElseThrow();
        int size = c.poolSizeFor(key.database(), key.user());
        int min = db.minPoolSize() != null ? db.minPoolSize() : p.minPoolSize();
        return new PoolSettings(
                size,
                Math.min(min, size),
                p.reservePoolSize(),
                p.reservePoolTimeout(),
                p.queryWaitTimeout(),
                p.serverIdleTimeout(),
                p.serverLifetime(),
                p.serverLoginRetry(),
                p.serverCheckDelay(),
                p.serverCheckQuery());
    }

    /** A new server connection for a pool (the pools' factory), counted by result. */
    public ServerConn openServer(PoolKey key) throws ServerLoginException {
        try {
            ServerConn c = login(key);
            metrics.serverConnects.labels(key.database(), key.user(), "ok").inc();
            return c;
        } catch (ServerLoginException e) {
            metrics.serverConnects
                    .labels(key.database(), key.user(), e.reason())
                    .inc();
            throw e;
        }
    }

    private ServerConn login(PoolKey key) throws ServerLoginException {
        ProxyConfig c = config.get();
        DatabaseConfig db = c.database(key.database())
                .orElseThrow(() -> new ServerLoginException(
                        "database_removed",
                        SqlState.INVALID_CATALOG_NAME,
                        "database \"" + key.database() + "\" is no longer configured",
                        null));
        ServerCredentials creds = credentialsFor(c, db, key.user());
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", creds.user());
        params.put("database", db.dbname());
        // Neutral startup: settings of whichever client asked for the server are applied on link (ParameterSync),
        // so RESET on the next link returns the server to these defaults, not to another client's values.
        params.putAll(db.startupParameters());
        return openOnHost(db, key, creds, params);
    }

    /**
     * A replication connection for a client that asked for one (startup parameter replication): never pooled, on the
     * database's primary, logged in like a pool's server with the client's own startup parameters (replication,
     * application_name, options ...) on top of the database's. Counted in pgloom_replication_connections_total.
     */
    public ServerConn openReplication(PoolKey key, Map<String, String> clientParameters) throws ServerLoginException {
        try {
            ProxyConfig c = config.get();
            DatabaseConfig db = c.database(key.database()).orElseThrow();
            ServerCredentials creds = credentialsFor(c, db, key.user());
            Map<String, String> params = new LinkedHashMap<>();
            params.put("user", creds.user());
            params.put("database", db.dbname());
            params.putAll(db.startupParameters());
            clientParameters.forEach((k, v) -> {
                if (!k.equals("user") && !k.equals("database")) params.put(k, v);
            });
            ServerConn conn = openOnHost(db, key, creds, params, Backends.Target.PRIMARY);
            metrics.replicationConnections.labels("ok").inc();
            return conn;
        } catch (ServerLoginException e) {
            metrics.replicationConnections.labels(e.reason()).inc();
            throw e;
        }
    }

    /** A login on a host fitting the database's target (waiting, up to the connect timeout, while none does). */
    ServerConn openOnHost(DatabaseConfig db, PoolKey key, ServerCredentials creds, Map<String, String> params)
            throws ServerLoginException {
        return openOnHost(db, key, creds, params, null);
    }

    private ServerConn openOnHost(
            DatabaseConfig db, PoolKey key, ServerCredentials creds, Map<String, String> params, Backends.Target target)
            throws ServerLoginException {
        ProxyConfig c = config.get();
        Backend b;
        try {
            b = backends.acquire(db.name(), c.proxy().serverConnectTimeout(), target, key.reads());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerLoginException(
                    "interrupted",
                    SqlState.CONNECTION_FAILURE,
                    "interrupted while waiting for a host of database \"" + db.name() + "\"",
                    e);
        }
        try {
            ServerConn conn = ServerLogin.open(
                    key,
                    b.hostName(),
                    b.address(),
                    b.port(),
                    creds,
                    params,
                    c.proxy().serverConnectTimeout(),
                    c.proxy().tcpKeepalive(),
                    c.proxy().maxPacketSize(),
                    clock.nanoTime(),
                    tls.get().backend(db));
            backends.connected(b, conn);
            return conn;
        } catch (ServerLoginException e) {
            backends.connectFailed(b, e);
            throw e;
        }
    }

    /** A health check's login to one host: the probe credentials, no client settings, a name in pg_stat_activity. */
    public ServerConn openHealthCheck(Backend b, Duration timeout) throws ServerLoginException {
        ProxyConfig c = config.get();
        DatabaseConfig db = c.database(b.database)
                .orElseThrow(() -> new ServerLoginException(
                        "database_removed",
                        SqlState.INVALID_CATALOG_NAME,
                        "database \"" + b.database + "\" is no longer configured",
                        null));
        HealthCheckLogin.Choice login = HealthCheckLogin.choose(c, db);
        if (login == null) {
            throw new ServerLoginException(
                    "no_credentials", SqlState.INVALID_PASSWORD, HealthCheckLogin.missing(c, db), null);
        }
        String user = login.user();
        ServerCredentials creds = credentialsFor(c, db, user);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", creds.user());
        params.put("database", db.dbname());
        params.put("application_name", "pgloom health check");
        return ServerLogin.open(
                new PoolKey(db.name(), user),
                b.hostName(),
                b.address(),
                b.port(),
                creds,
                params,
                timeout,
                c.proxy().tcpKeepalive(),
                c.proxy().maxPacketSize(),
                clock.nanoTime(),
                tls.get().backend(db));
    }

    /** The backend login: the database's forced user and password, else the client's own user and stored secret. */
    static ServerCredentials credentials(ProxyConfig c, DatabaseConfig db, String clientUser) {
        if (db.user() != null) return fromSecret(db.user(), db.password());
        UserConfig u = c.user(clientUser).orElse(null);
        return fromSecret(clientUser, u == null ? null : u.password());
    }

    /** As {@link #credentials}, for users known only through auth_query: their fetched secret and ClientKey. */
    private ServerCredentials credentialsFor(ProxyConfig c, DatabaseConfig db, String clientUser) {
        if (db.user() != null || c.user(clientUser).isPresent() || !authQuery.enabled())
            return credentials(c, db, clientUser);
        try {
            Secret s = authQuery.lookup(db.name(), clientUser);
            if (s == null) return new ServerCredentials(clientUser, null, null);
            if (s.kind() == Secret.Kind.SCRAM) {
                return new ServerCredentials(
                        clientUser, null, null, authQuery.clientKeys.get(clientUser), ScramVerifier.parse(s.reveal()));
            }
            return fromSecret(clientUser, s);
        } catch (ServerLoginException e) {
            return new ServerCredentials(clientUser, null, null);
        }
    }

    private static ServerCredentials fromSecret(String user, Secret s) {
        if (s == null) return new ServerCredentials(user, null, null);
        return switch (s.kind()) {
            case PLAIN -> new ServerCredentials(user, s.reveal(), null);
            case MD5 -> new ServerCredentials(user, null, s.reveal());
            case SCRAM -> new ServerCredentials(user, null, null);
        };
    }

    /**
     * Readiness probe of one database: a fresh login and SELECT 1 with the credentials pgloom would use
     * (HealthCheckLogin.readinessUser). Returns null when it answered, else why not.
     */
    public String probeBackend(String database) {
        ProxyConfig c = config.get();
        DatabaseConfig db = c.database(database).orElse(null);
        if (db == null) return "not configured";
        if (db.backends().checked()) return backends.readiness(database); // the health checks already know
        String user = HealthCheckLogin.readinessUser(
                c,
                db,
                pools.all().stream()
                        .map(ServerPool::key)
                        .filter(k -> k.database().equals(database))
                        .map(PoolKey::user)
                        .toList());
        if (user == null) return "no credentials to probe with";
        try {
            ServerConn conn = login(new PoolKey(database, user));
            try {
                return ServerQueries.runToReady(conn, "SELECT 1") ? null : "SELECT 1 failed";
            } finally {
                conn.closeSocket();
            }
        } catch (ServerLoginException e) {
            return e.reason() + ": " + e.getMessage();
        }
    }
}
