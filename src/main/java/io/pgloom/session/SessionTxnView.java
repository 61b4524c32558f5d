// A ClientSession as the transaction-mode machinery (session.txn) sees it: the state it works on and the client's
// identity for its log lines. Read under the link lock, from the pump handling a run of the client's messages.
package io.pgloom.session;

import io.pgloom.session.settings.ClientSettings;
import io.pgloom.session.txn.PreparedStatements;
import io.pgloom.session.txn.ReplyTracker;
import io.pgloom.session.txn.SessionStateDetector;
import io.pgloom.session.txn.TxnClient;
import io.pgloom.wire.MessageType;

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
