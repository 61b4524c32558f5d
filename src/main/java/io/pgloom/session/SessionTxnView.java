// A ClientSession as the transaction-mode machinery (session.txn) sees it: the state it works on and the client's
// identity for its log lines. Read under the link lock, from the pump handling a run of the client's messages.
package io.pgloom.session;

import io.pgloom.config.SessionStatePolicy;
import io.pgloom.session.settings.ClientSettings;
import io.pgloom.session.txn.PreparedStatements;
import io.pgloom.session.txn.ReplyTracker;
import io.pgloom.session.txn.SessionStateDetector;
import io.pgloom.session.txn.TxnClient;
import io.pgloom.wire.MessageType;
import org.tinylog.Logger;

final class SessionTxnView implements TxnClient {
    private final ClientSession s;

    SessionTxnView(ClientSession s) {
        this.s = s;
    }

    @Override
    public ReplyTracker tracker() {
        return s.tracker;
    }

    @Override
    public PreparedStatements statements() {
        return s.statements;
    }

    @Override
    public ClientSettings settings() {
        return s.settings;
    }

    @Override
    public boolean transactionFailed() {
        return s.link.txStatus() == MessageType.TX_FAILED;
    }

    @Override
    public void sessionState(SessionStateDetector.Kind kind) {
        if (kind == SessionStateDetector.Kind.SET || s.link.pinned()) return; // settings are carried, not pinned
        if (s.runtime.config().sessionStatePolicyFor(s.database) != SessionStatePolicy.PIN) return;
        s.link.pin();
        s.runtime.metrics.sessionPins.labels(s.database, kind.label()).inc();
        Logger.info(
                "event=client_pinned client={} user={} database={} kind={} hint=\"on_session_state = pin: this client "
                        + "keeps its server until it disconnects\"",
                s,
                s.user,
                s.database,
                kind.label());
    }

    @Override
    public void sessionStateRefused(SessionStateDetector.Kind kind) {
        s.runtime.metrics.sessionStateRefusals.labels(s.database, kind.label()).inc();
        if (s.reportedStateKinds.add(kind)) {
            Logger.warn(
                    "event=session_state_refused client={} user={} database={} application_name={} kind={} "
                            + "hint=\"on_session_state = error: the client got 0A000; use session pool_mode or pin\"",
                    s,
                    s.user,
                    s.database,
                    s.applicationName,
                    kind.label());
        }
    }

    @Override
    public boolean firstReport(SessionStateDetector.Kind kind) {
        return s.reportedStateKinds.add(kind);
    }

    @Override
    public String database() {
        return s.database;
    }

    @Override
    public String user() {
        return s.user;
    }

    @Override
    public String applicationName() {
        return s.applicationName;
    }

    @Override
    public String remoteAddress() {
        return s.remoteAddress;
    }

    @Override
    public int remotePort() {
        return s.remotePort;
    }
}
