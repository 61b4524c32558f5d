// Which server a client is linked to and what is still in flight on it, guarded by one lock per session. The
// release rule lives here and only here: a server leaves a client when ReadyForQuery says 'I', no Sync/Query is
// unanswered and no extended-protocol message was written since the last Sync. Never on a timer.
package io.pgloom.session;

import io.pgloom.pool.ServerConn;
import io.pgloom.wire.MessageType;
import io.pgloom.util.ResourceLock;

final class LinkState {
    final ResourceLock lock = new ResourceLock();
    /** The linked server, or null. */
    ServerConn server;
    /** Queries, Syncs and FunctionCalls written and not yet answered by ReadyForQuery. */
    int outstanding;
    /** Extended-protocol messages written since the last Sync (their results are not bounded by a ReadyForQuery yet). */
    boolean unsynced;
    /** Transaction status from the last ReadyForQuery. */
    byte txStatus = MessageType.TX_IDLE;
    /** The session is ending: the server-to-client pump swallows replies and returns the server after the reset. */
    volatile boolean detaching;
    /** Start of the current request cycle (first request after an idle point) and of the current transaction. */
    long cycleStartNanos;
    long txStartNanos;
    /** Wall-clock nanos of the last ReadyForQuery, for idle timeouts. */
    long lastReadyNanos;
    /** The pump of the current link, and whether it runs on its own thread (else the client's thread runs it inline). */
    ServerToClientPump pump;
    boolean pumpThreadRunning;

    /** True when the server could be handed to someone else right now. Call with the lock held. */
    boolean idle() {
        return outstanding == 0 && !unsynced && txStatus == MessageType.TX_IDLE;
    }
}
