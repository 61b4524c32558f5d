// One server connection as SHOW SERVERS prints it: ids, the client it serves, backend pid and version, times.
package io.pgloom.runtime;

public record ServerRow(
        String id,
        String database,
        String user,
        String state,
        String host,
        int port,
        int backendPid,
        String serverVersion,
        long connectedAtMillis,
        long lastUsedMillis,
        String linkedClient,
        int preparedStatements) {}
