// When a server is handed back: at client disconnect (session), at the end of each transaction (transaction), or
// after each statement, transaction blocks being refused (statement, PgBouncer's mode for autocommit-only clients).
package io.pgloom.config;

public enum PoolMode {
    SESSION,
    TRANSACTION,
    STATEMENT;

    /** Servers are shared between clients: transaction and statement mode run the transaction-mode machinery. */
    public boolean sharesServers() {
        return this != SESSION;
    }

    /** The mode a config word names ("session", "transaction", "statement"), or null. */
    public static PoolMode of(String word) {
        return switch (word) {
            case "session" -> SESSION;
            case "transaction" -> TRANSACTION;
            case "statement" -> STATEMENT;
            default -> null;
        };
    }
}
