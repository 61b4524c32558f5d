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

    public Optional<DatabaseConfig> database(String name) {
        return Optional.ofNullable(databases.get(name));
    }

    public Optional<UserConfig> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    /** The user's pool_mode, else the database's, else the proxy's. */
    public PoolMode poolModeFor(String db, String user) {
        UserConfig u = users.get(user);
        if (u != null && u.poolMode() != null) return u.poolMode();
        DatabaseConfig d = databases.get(db);
        if (d != null && d.poolMode() != null) return d.poolMode();
        return proxy.poolMode();
    }

    /** The user's pool_size, else the database's, else default_pool_size. */
    public int poolSizeFor(String db, String user) {
        UserConfig u = users.get(user);
        if (u != null && u.poolSize() != null) return u.poolSize();
        DatabaseConfig d = databases.get(db);
        if (d != null && d.poolSize() != null) return d.poolSize();
        return proxy.defaultPoolSize();
    }
}
