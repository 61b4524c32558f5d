// The one place a client's timeouts are decided: client_login_timeout until the login completed (the whole
// exchange, TLS and authentication included, not each read), query_timeout while a request runs, transaction_timeout
// for a
// whole transaction (an implicit one too), idle_transaction_timeout inside a transaction, client_idle_timeout
// outside one. The janitor asks it about every session on each pass (no
// timer or read tick per connection, as PgBouncer's janitor does it), with the settings in force at that instant,
// so a timeout turned on or changed by RELOAD reaches clients already connected.
package io.pgloom.session;

import io.pgloom.config.ProxySettings;
import io.pgloom.wire.SqlState;
import java.time.Duration;

final class Timeouts {
    private Timeouts() {}

    /** A timeout that ran out: the session's end reason, what the client is told, and the log detail. */
    enum Expired {
        QUERY("query_timeout", SqlState.QUERY_CANCELED, "request ran past query_timeout"),
        TRANSACTION("transaction_timeout", SqlState.TRANSACTION_TIMEOUT, "transaction ran past transaction_timeout"),
        IDLE_TRANSACTION("idle_transaction_timeout", SqlState.IDLE_IN_TRANSACTION_TIMEOUT, "idle in transaction"),
        CLIENT_IDLE("client_idle_timeout", SqlState.IDLE_SESSION_TIMEOUT, "client idle"),
        LOGIN("client_login_timeout", SqlState.PROTOCOL_VIOLATION, "no login within client_login_timeout");

        final String reason;
        final String sqlState;
        final String detail;

        Expired(String reason, String sqlState, String detail) {
            this.reason = reason;
            this.sqlState = sqlState;
            this.detail = detail;
        }

        /** What the client reads, as PostgreSQL words its own timeouts. */
        String clientMessage(Limits l) {
            return switch (this) {
                case QUERY ->
                    "canceling statement due to query_timeout (" + l.query().toMillis()
                            + " ms); it may or may not have run";
                case TRANSACTION ->
                    "terminating connection due to transaction timeout (transaction_timeout, "
                            + l.transaction().toMillis() + " ms); the transaction is rolled back";
                case IDLE_TRANSACTION ->
                    "terminating connection due to idle-in-transaction timeout (idle_transaction_timeout)";
                case CLIENT_IDLE -> "terminating connection due to idle timeout (client_idle_timeout)";
                case LOGIN -> "client_login_timeout: no login within the time allowed";
            };
        }
    }

    /** The timeouts (zero = off), as in force when the janitor's pass starts. */
    record Limits(Duration query, Duration idleTransaction, Duration clientIdle, Duration transaction, Duration login) {
        /** Without a login timeout (tests of the logged-in ones). */
        Limits(Duration query, Duration idleTransaction, Duration clientIdle, Duration transaction) {
            this(query, idleTransaction, clientIdle, transaction, Duration.ZERO);
        }

        static Limits of(ProxySettings p) {
            return new Limits(
                    p.queryTimeout(),
                    p.idleTransactionTimeout(),
                    p.clientIdleTimeout(),
                    p.transactionTimeout(),
                    p.clientLoginTimeout());
        }

        /** Whether any is on: the janitor skips its sweep over the sessions otherwise. */
        boolean anyOn() {
            return !query.isZero()
                    || !idleTransaction.isZero()
                    || !clientIdle.isZero()
                    || !transaction.isZero()
                    || !login.isZero();
        }
    }

    /** Whether a session still logging in, connected at {@code connectedNanos}, has run out of time at {@code now}. */
    static Expired checkLogin(Limits l, long now, long connectedNanos) {
        return ranOut(l.login(), now - connectedNanos) ? Expired.LOGIN : null;
    }

    /**
     * Which timeout ran out for a session in this state at {@code now}, or null.
     *
     * @param running a request is waiting for its ReadyForQuery
     * @param requestStartNanos when the running request cycle started (0: unknown)
     * @param transactionStartNanos when the current transaction's first request was sent (0: none open)
     * @param inTransaction inside a transaction (or extended messages written since the last Sync)
     * @param lastReadyNanos the last ReadyForQuery (or the end of login)
     * @param writeStalledNanos how long a write to the client has been blocked (it stopped reading), or 0
     */
    static Expired check(
            Limits l,
            long now,
            boolean running,
            long requestStartNanos,
            long transactionStartNanos,
            boolean inTransaction,
            long lastReadyNanos,
            long writeStalledNanos) {
        if (running && ranOut(l.query(), requestStartNanos != 0 ? now - requestStartNanos : 0)) return Expired.QUERY;
        if (ranOut(l.transaction(), transactionStartNanos != 0 ? now - transactionStartNanos : 0))
            return Expired.TRANSACTION;
        long idle;
        if (running) {
            // A client that stopped reading the reply is idle: the server waits on it, not the other way round.
            idle = writeStalledNanos;
        } else {
            idle = now - lastReadyNanos;
        }
        if (inTransaction) return ranOut(l.idleTransaction(), idle) ? Expired.IDLE_TRANSACTION : null;
        return ranOut(l.clientIdle(), idle) ? Expired.CLIENT_IDLE : null;
    }

    private static boolean ranOut(Duration timeout, long elapsedNanos) {
        return !timeout.isZero() && elapsedNanos > 0 && elapsedNanos >= timeout.toNanos();
    }
}
