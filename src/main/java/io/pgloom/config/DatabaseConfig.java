// One [databases.NAME] table: where the database lives and per-database overrides (null = inherit). host/port
// are the first of backends' hosts; required = /readyz fails while it is unreachable.
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
        boolean required) {}
