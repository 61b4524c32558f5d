// Opening a server connection failed: unreachable, timed out, or PostgreSQL refused the login. Carries what the
// client should see (SQLSTATE and a message free of secrets) and a reason word for logs and metrics.
package io.pgloom.pool;

import java.io.IOException;

public final class ServerLoginException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String sqlState;
    private final String reason;

    public ServerLoginException(String reason, String sqlState, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }

    /** Fixed vocabulary: server_unreachable, server_connect_timeout, server_login_failed, server_auth_unsupported. */
    public String reason() {
        return reason;
    }
}
