// One client as SHOW CLIENTS prints it: ids, the link to its server, addresses, state and times.
package io.pgloom.runtime;

public record ClientRow(
        String id,
        String user,
        String database,
        String state,
        String address,
        int port,
        String applicationName,
        boolean tls,
        String poolMode,
        long connectedAtMillis,
        long lastRequestMillis,
        double waitSeconds,
        String linkedServer,
        int backendPid,
        String authMethod) {}
