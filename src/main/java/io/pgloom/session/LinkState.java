// The state machine of a client/server pair: which server a client is linked to and what is still in flight on
// it, guarded by one lock per session. The release rule lives here and only here (onReady): a server leaves a
// client when ReadyForQuery says 'I', no Sync/Query is unanswered and no extended-protocol message was written
// since the last Sync. Never on a timer. Every field changes through a method of this class, with the lock held.
// P is the pump type (ServerToClientPump); generic so that this class depends on nothing of the session's.
package io.pgloom.session;

import io.pgloom.config.PoolMode;
import io.pgloom.pool.ServerConn;
import io.pgloom.util.Clock;
import io.pgloom.util.ResourceLock;
import io.pgloom.wire.MessageType;

final class LinkState<P> {
    /** What a ReadyForQuery decided for the link; the pump acts on it once the run up to it reached the client. */
    enum Decision {
        /** The server stays linked (a transaction is open, more replies are due, or session mode). */
        STAY,
        /** The server goes back to the pool, clean. */
        RELEASE,
        /** The server is closed, never reused (the session's reset failed or left it mid-transaction). */
        DISCARD,
        /** pgloom is shutting down and this session is idle: end it. */
        SHUTDOWN,
        /**
         * Statement mode: a statement left a transaction open ('T' or 'E'). The server is unlinked and closed (its
         * transaction rolls back with it), the client is told 08P01 and disconnected, as PgBouncer does.
         */
        REFUSE_TRANSACTION
    }

    /** Where the request and transaction durations go when a cycle ends (the session's histograms). */
    interface Timings {
        void request(long nanos);

        void transaction(long nanos);
    }

    final ResourceLock lock = new ResourceLock();
    private ServerConn server;
    /** Queries, Syncs and FunctionCalls written and not yet answered by ReadyForQuery. */
    private int outstanding;
    /** Extended-protocol messages written since the last Sync (their results are not bounded by a ReadyForQuery yet). */
    private boolean unsynced;
    /** Transaction status from the last ReadyForQuery. */
    private byte txStatus = MessageType.TX_IDLE;
    /** The session is ending: the server-to-client pump swallows replies and returns the server after the reset. */
    private volatile boolean detaching;
    /** Transaction mode: the server stays with this client for good (pin). */
    private boolean pinned;
    /** Detaching from a transaction the client left open: a ROLLBACK is among the replies awaited. */
    private volatile boolean rollingBack;
    /** Start of the current request cycle (first request after an idle point) and of the current transaction. */
    private long cycleStartNanos;

    private long txStartNanos;
    /** Clock nanos of the last ReadyForQuery (or the end of login), for idle timeouts. */
    private long lastReadyNanos;
    /** The pump of the current link, and whether it runs on its own thread (else the client's thread runs it inline). */
    private P pump;

    private boolean pumpThreadRunning;

    /** The linked server, or null. */
    ServerConn server() {
        return server;
    }

    int outstanding() {
        return outstanding;
    }

    boolean unsynced() {
        return unsynced;
    }

    byte txStatus() {
        return txStatus;
    }

    boolean detaching() {
        return detaching;
    }

    long cycleStartNanos() {
        return cycleStartNanos;
    }

    long txStartNanos() {
        return txStartNanos;
    }

    long lastReadyNanos() {
        return lastReadyNanos;
    }

    P pump() {
        return pump;
    }

    boolean pumpThreadRunning() {
        return pumpThreadRunning;
    }

    /** True when the server could be handed to someone else right now. */
    boolean idle() {
        return outstanding == 0 && !unsynced && txStatus == MessageType.TX_IDLE;
    }

    /** Nothing written is still waiting for its ReadyForQuery. */
    boolean allAnswered() {
        return outstanding == 0 && !unsynced;
    }

    /** Inside a transaction, or with extended messages written since the last Sync. */
    boolean inTransaction() {
        return txStatus != MessageType.TX_IDLE || unsynced;
    }

    /** Login is over: idle timeouts count from now. */
    void loggedIn(long now) {
        lastReadyNanos = now;
    }

    /** Links a server (idle, at a ReadyForQuery 'I') with the pump that reads its replies. */
    void link(ServerConn s, P p) {
        server = s;
        detaching = false;
        rollingBack = false;
        txStatus = MessageType.TX_IDLE;
        pump = p;
        pumpThreadRunning = false;
    }

    /** The pump now runs on its own thread until the link ends. */
    void pumpThreadStarted() {
        pumpThreadRunning = true;
    }

    /**
     * A run of client messages was written to the server: {@code replies} more ReadyForQuery are due, and extended
     * messages were opened ({@code unsyncedChange} > 0) or closed by a Sync (< 0). Returns true when it is a
     * request (the clock is read only when it starts a new cycle).
     */
    boolean requestWritten(int replies, int unsyncedChange, Clock clock) {
        boolean starts = false;
        if (replies > 0 || unsyncedChange > 0) {
            if (outstanding == 0 && !unsynced) {
                long now = clock.nanoTime();
                cycleStartNanos = now;
                if (txStatus == MessageType.TX_IDLE) txStartNanos = now;
            }
            starts = true;
        }
        outstanding += replies;
        if (unsyncedChange != 0) unsynced = unsyncedChange > 0;
        return starts;
    }

    /**
     * The release rule, at a ReadyForQuery with {@code status}, before the client sees it (a client that answers at
     * once must find the link already idle). Ends the request cycle and the transaction in {@code timings}.
     */
    /**
     * Transaction mode, on_session_state = "pin": the client created state its server must keep (LISTEN, a temp
     * table, ...), so from now on the server stays linked like in session mode, and is closed when the client
     * leaves (never handed to anyone with that state).
     */
    void pin() {
        pinned = true;
    }

    boolean pinned() {
        return pinned;
    }

    Decision onReady(byte status, long now, PoolMode mode, boolean resetFailed, boolean shutdownNow, Timings timings) {
        if (outstanding > 0) outstanding--;
        if (outstanding == 0 && !unsynced && !detaching) {
            if (cycleStartNanos != 0) timings.request(now - cycleStartNanos);
            if (status == MessageType.TX_IDLE && txStartNanos != 0) {
                timings.transaction(now - txStartNanos);
                txStartNanos = 0;
            }
            cycleStartNanos = 0;
        }
        txStatus = status;
        lastReadyNanos = now;
        if (detaching) {
            if (outstanding > 0) return Decision.STAY;
            server = null;
            return status == MessageType.TX_IDLE && !resetFailed ? Decision.RELEASE : Decision.DISCARD;
        }
        if (mode == PoolMode.STATEMENT && status != MessageType.TX_IDLE) {
            server = null;
            return Decision.REFUSE_TRANSACTION;
        }
        if (idle()) {
            if (mode.sharesServers() && !pinned) {
                server = null;
                return Decision.RELEASE;
            }
            if (shutdownNow) return Decision.SHUTDOWN;
        }
        return Decision.STAY;
    }

    /**
     * The session ends with this server linked and nothing in flight: pgloom wrote {@code queries} of its own (the
     * reset query; first a ROLLBACK when {@code rollback}, the client having left its transaction open), and the
     * pump returns the server once every one is answered and the last ReadyForQuery says 'I'.
     */
    void detach(int queries, boolean rollback) {
        detaching = true;
        rollingBack = rollback;
        outstanding += queries;
    }

    /** Whether this link is detaching from a transaction the client left open. */
    boolean rollingBack() {
        return rollingBack;
    }

    /** Nothing is in flight, but the client left a transaction open (or failed) on the server. */
    boolean quietInTransaction() {
        return outstanding == 0 && !unsynced && txStatus != MessageType.TX_IDLE;
    }

    /** Unlinks {@code s} if it is still the linked server (it failed, or is being closed); true when it was. */
    boolean sever(ServerConn s) {
        if (server != s || s == null) return false;
        server = null;
        return true;
    }
}
