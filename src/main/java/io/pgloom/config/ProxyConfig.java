// The whole configuration, immutable; RELOAD builds a new one and swaps it in whole.
package io.pgloom.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public record ProxyConfig(
        ProxySettings proxy,
        AdminSettings admin,
        LogSettings log,
        TlsSettings tls,
        TlsSettings.Server serverTls,
        Map<String, DatabaseConfig> databases,
        Map<String, UserConfig> users,
        List<HbaRule> hba,
        Path source,
        TraceSettings trace,
        PeerSettings peers) {

    /** The [databases.NAME] table, else (with [databases."*"]) the auto-created database of that name. */
    public Optional<DatabaseConfig> database(String name) {
        DatabaseConfig d = databases.get(name);
        if (d != null) return Optional.of(d);
        DatabaseConfig wildcard = databases.get(DatabaseConfig.WILDCARD);
        return wildcard == null ? Optional.empty() : Optional.of(wildcard.autoCreated(name));
    }

    /** Whether {@code name} is served by [databases."*"]: no table of its own, and a wildcard exists. */
    public boolean isAuto(String name) {
        return !databases.containsKey(name) && databases.containsKey(DatabaseConfig.WILDCARD);
    }

    public Optional<UserConfig> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    /** What transaction mode does with session state it cannot move: the database's choice, else [proxy]'s. */
    public SessionStatePolicy sessionStatePolicyFor(String db) {
        DatabaseConfig d = database(db).orElse(null);
        if (d != null && d.onSessionState() != null) return d.onSessionState();
        return proxy.onSessionState();
    }

    /** The user's pool_mode, else the database's, else the proxy's. */
    public PoolMode poolModeFor(String db, String user) {
        UserConfig u = users.get(user);
        if (u != null && u.poolMode() != null) return u.poolMode();
        DatabaseConfig d = database(db).orElse(null);
        if (d != null && d.poolMode() != null) return d.poolMode();
        return proxy.poolMode();
    }

    /** The user's pool_size, else the database's, else default_pool_size. */
    public int poolSizeFor(String db, String user) {
        UserConfig u = users.get(user);
        if (u != null && u.poolSize() != null) return u.poolSize();
        DatabaseConfig d = database(db).orElse(null);
        if (d != null && d.poolSize() != null) return d.poolSize();
        return proxy.defaultPoolSize();
    }
}
