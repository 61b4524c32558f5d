// The [proxy] table: listener, pooling defaults, limits and timeouts (key names follow PgBouncer's).
package io.pgloom.config;

import java.time.Duration;

public record ProxySettings(
        String listenHost,
        int listenPort,
        PoolMode poolMode,
        AuthType authType,
        int maxClientConn,
        int defaultPoolSize,
        int minPoolSize,
        int reservePoolSize,
        Duration reservePoolTimeout,
        int maxDbConnections,
        int maxUserConnections,
        Duration queryWaitTimeout,
        Duration queryTimeout,
        Duration serverIdleTimeout,
        Duration serverLifetime,
        Duration serverConnectTimeout,
        Duration serverLoginRetry,
        String serverResetQuery,
        boolean serverResetQueryAlways,
        Duration serverCheckDelay,
        String serverCheckQuery,
        Duration shutdownTimeout,
        Duration clientLoginTimeout,
        Duration clientIdleTimeout,
        Duration idleTransactionTimeout,
        Duration transactionTimeout,
        int maxPacketSize,
        int maxPreparedStatements,
        boolean applicationNameAddHost,
        io.pgloom.util.TcpKeepalive tcpKeepalive,
        boolean soReuseport,
        int flightRecorderSize,
        Duration authFailureDelay,
        String authUser,
        String authQuery,
        Duration authQueryCacheTtl,
        int maxClientConnPerAddress,
        int maxDbClientConnections,
        int maxUserClientConnections,
        Duration autodbIdleTimeout,
        int maxAutoDatabases,
        SessionStatePolicy onSessionState,
        double newClientHeapLimit,
        Duration waitForClientsTimeout,
        String unixSocketDir,
        String unixSocketMode,
        String unixSocketGroup,
        int readSpinMicros) {
    /** Whether clients may also connect through a Unix-domain socket in unix_socket_dir. */
    public boolean unixSocket() {
        return !unixSocketDir.isEmpty();
    }
}
