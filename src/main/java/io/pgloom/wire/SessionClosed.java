// Control flow: the session is over for a known reason. The catch ladder in ClientSession sends the client's
// FATAL error (when there is one), logs the reason word (fixed vocabulary shared by logs and metrics) and the
// detail, which may say more than the client is told.
package io.pgloom.wire;

public final class SessionClosed extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;
    private final String sqlState;
    private final String clientMessage;
    private final boolean relayed;

    private SessionClosed(String reason, String sqlState, String clientMessage, String detail, boolean relayed) {
        super(detail, null, false, false);
        this.reason = reason;
        this.sqlState = sqlState;
        this.clientMessage = clientMessage;
        this.relayed = relayed;
    }

    /** Ends quietly: the client is gone or was already told. */
    public static SessionClosed quiet(String reason, String detail) {
        return new SessionClosed(reason, null, null, detail, false);
    }

    /** Ends with a FATAL ErrorResponse to the client. */
    public static SessionClosed fatal(String reason, String sqlState, String clientMessage, String detail) {
        return new SessionClosed(reason, sqlState, clientMessage, detail, false);
    }

    /** Ends with a FATAL ErrorResponse whose SQLSTATE PostgreSQL chose (it refused pgloom's login). */
    public static SessionClosed relayed(String reason, String sqlState, String clientMessage, String detail) {
        return new SessionClosed(reason, sqlState, clientMessage, detail, true);
    }

    public static SessionClosed protocolViolation(String message) {
        return new SessionClosed("protocol_violation", SqlState.PROTOCOL_VIOLATION, message, message, false);
    }

    public String reason() {
        return reason;
    }

    /** SQLSTATE of the FATAL error to send, or null to send nothing. */
    public String sqlState() {
        return sqlState;
    }

    public String clientMessage() {
        return clientMessage;
    }

    /** True when the error's SQLSTATE is PostgreSQL's, passed on; false when pgloom made it. */
    public boolean relayed() {
        return relayed;
    }
}
