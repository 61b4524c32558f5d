// An authentication exchange failed. The message is safe to show a client or log: it never contains a secret (no
// password, key, proof or verifier text), only what went wrong and where.
package io.pgloom.auth;

public final class AuthFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** The client's proof is wrong: wrong password (or unknown user, deliberately indistinguishable). */
        BAD_PROOF,
        /** A SCRAM message broke RFC 5802's grammar, arrived out of order, or asked for something unsupported. */
        BAD_MESSAGE,
        /** The client chose a SASL mechanism that was not offered. */
        UNSUPPORTED_MECHANISM,
        /** The backend refused us ("e=" in server-final-message) or cannot take this pass-through login. */
        SERVER_ERROR,
        /** The backend's server signature is wrong: it does not know the password's keys. */
        BAD_SERVER_SIGNATURE
    }

    private final Reason reason;

    public AuthFailure(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
