// Opening a server connection failed: unreachable, timed out, or PostgreSQL refused the login. Carries what the
// client should see (SQLSTATE and a message free of secrets), a reason word for logs and metrics, and whether the
// error is PostgreSQL's own, relayed (its slots full, pgloom's password rejected), or pgloom's.
package io.pgloom.pool;

import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import java.io.IOException;

public final class ServerLoginException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String sqlState;
    private final String reason;
    private final boolean relayed;

    public ServerLoginException(String reason, String sqlState, String message, Throwable cause) {
        this(reason, sqlState, message, cause, false);
    }

    private ServerLoginException(String reason, String sqlState, String message, Throwable cause, boolean relayed) {
        super(message, cause);
        this.reason = reason;
        this.sqlState = sqlState;
        this.relayed = relayed;
    }

    /**
     * PostgreSQL answered pgloom's login with an ErrorResponse. The client keeps PostgreSQL's SQLSTATE (applications
     * react to it) but reads that it was PostgreSQL refusing pgloom, so nobody raises pgloom's own limits or the
     * client's password for it.
     */
    public static ServerLoginException refused(String server, String user, String sqlState, String serverMessage) {
        String state = sqlState != null ? sqlState : SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH;
        return new ServerLoginException(
                refusalReason(state),
                state,
                "PostgreSQL at " + server + " refused pgloom's login as \"" + user + "\": "
                        + (serverMessage != null ? serverMessage : "no message"),
                null,
                true);
    }

    /** The reason word of a refusal, by PostgreSQL's SQLSTATE: what an operator has to fix on the server. */
    static String refusalReason(String sqlState) {
        return switch (sqlState) {
            case SqlState.TOO_MANY_CONNECTIONS -> "server_refused_too_many_connections";
            case SqlState.INVALID_PASSWORD -> "server_refused_password";
            case SqlState.INVALID_AUTHORIZATION -> "server_refused_hba";
            case SqlState.INVALID_CATALOG_NAME -> "server_refused_no_database";
            case SqlState.CANNOT_CONNECT_NOW -> "server_refused_starting";
            default -> "server_refused_other";
        };
    }

    public String sqlState() {
        return sqlState;
    }

    /**
     * Fixed vocabulary: server_unreachable, server_connect_timeout, server_login_failed (pgloom's side of the
     * login failed), server_auth_unsupported, server_tls_failed, and the server_refused_* words of {@link #refused}.
     */
    public String reason() {
        return reason;
    }

    /** True when the SQLSTATE and text are PostgreSQL's, passed on; false when pgloom made the error. */
    public boolean relayed() {
        return relayed;
    }

    /** What ends the session of a client that needed this server connection. */
    public SessionClosed toSessionClosed() {
        String message = getMessage();
        return relayed
                ? SessionClosed.relayed(reason, sqlState, message, message)
                : SessionClosed.fatal(reason, sqlState, message, message);
    }
}
