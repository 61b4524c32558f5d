// Life cycle of one server connection, as SHOW SERVERS and the metrics name it (PgBouncer's vocabulary).
package io.pgloom.pool;

public enum ServerState {
    /** Connecting and authenticating. */
    LOGIN,
    /** In the pool, ready to be linked. */
    IDLE,
    /** Linked to a client. */
    ACTIVE,
    /** Running the reset or check query before going back to the pool. */
    TESTED,
    /** Closed; kept only until every reference drops. */
    CLOSED
}
