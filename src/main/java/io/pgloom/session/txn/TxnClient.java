// What the transaction-mode machinery needs of the client it works for. The session implements it; every call
// is made under the client's link lock, from the pump that is handling a run of its messages.
package io.pgloom.session.txn;

import io.pgloom.session.settings.ClientSettings;

public interface TxnClient {
    /** Reply positions of pgloom's own additions and removals on the current link. */
    ReplyTracker tracker();

    /** The client's named prepared statements. */
    PreparedStatements statements();

    /** The client's settings: SETs and resets found in its statements are noted there. */
    ClientSettings settings();

    /** Whether the transaction open on the linked server has failed (PostgreSQL refuses statements until it ends). */
    boolean transactionFailed();

    /** Uncarried session state of this kind is on its way to the linked server (on_session_state may pin). */
    void sessionState(SessionStateDetector.Kind kind);

    /** on_session_state = error: a statement creating this kind of state was replaced by a refusal. */
    void sessionStateRefused(SessionStateDetector.Kind kind);

    /** Whether this kind of uncarried session state is reported for this client for the first time (logged once). */
    boolean firstReport(SessionStateDetector.Kind kind);

    String database();

    String user();

    String applicationName();

    String remoteAddress();

    int remotePort();
}
