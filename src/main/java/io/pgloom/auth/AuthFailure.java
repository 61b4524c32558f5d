// An authentication exchange failed. The message is safe to show a client or log: it never contains a secret.
package io.pgloom.auth;

public final class AuthFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason { BAD_PROOF, BAD_MESSAGE, UNSUPPORTED_MECHANISM, SERVER_ERROR, BAD_SERVER_SIGNATURE }

    private final Reason reason;

    public AuthFailure(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
