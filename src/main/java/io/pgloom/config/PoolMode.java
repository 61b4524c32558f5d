// When a server is handed back: at client disconnect (session) or at the end of each transaction (transaction).
package io.pgloom.config;

public enum PoolMode {
    SESSION,
    TRANSACTION
}
