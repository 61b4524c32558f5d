// One [databases.NAME] table: where the database lives and per-database overrides (null = inherit). host/port
// are the first of backends' hosts; required = /readyz fails while it is unreachable. [databases."*"] is the
// wildcard: the template of auto-created databases.
package io.pgloom.config;

import java.util.Map;

public record DatabaseConfig(
        String name,
        String host,
        int port,
        String dbname,
        String user,
        Secret password,
        Integer poolSize,
        Integer minPoolSize,
        Integer maxDbConnections,
        PoolMode poolMode,
        Map<String, String> startupParameters,
        TlsSettings.Server.ServerMode serverTlsMode,
        Backends backends,
        Integer maxDbClientConnections,
        boolean required,
        SessionStatePolicy onSessionState) {
    /** The name of the wildcard table, [databases."*"]. */
    public static final String WILDCARD = "*";

    /** The auto-created database {@code database}, from this wildcard table: same host and settings, its own name. */
    public DatabaseConfig autoCreated(String database) {
        return new DatabaseConfig(
                database,
                host,
                port,
                database,
                user,
                password,
                poolSize,
                minPoolSize,
                maxDbConnections,
                poolMode,
                startupParameters,
                serverTlsMode,
                backends,
                maxDbClientConnections,
                false, // an auto-created database never holds up readiness
                onSessionState);
    }
}
