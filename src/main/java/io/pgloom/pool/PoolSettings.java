// The numbers one pool runs by, resolved from the config for its (database, user); replaced whole on RELOAD.
package io.pgloom.pool;

import java.time.Duration;

public record PoolSettings(
        int size,
        int minSize,
        int reserveSize,
        Duration reserveTimeout,
        Duration queryWaitTimeout,
        Duration idleTimeout,
        Duration lifetime,
        Duration loginRetry,
        Duration checkDelay,
        String checkQuery) {}
