// pgloom as SCRAM-SHA-256 client logging into a PostgreSQL backend: with the password, or (pass-through) with the
// ClientKey recovered from a client's own login to pgloom and the ServerKey of the verifier both sides store.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Client side of one SCRAM-SHA-256 exchange: clientFirst for SASLInitialResponse, clientFinal(AuthenticationSASLContinue
 * body) for SASLResponse, verifyServerFinal(AuthenticationSASLFinal body). Not thread-safe; one per login. A backend
 * that does not prove it knows the password (wrong server signature) fails the login, so a man in the middle
 * cannot pretend to be the database.
 */
public final class ScramClient {
    private enum State {
        NEW,
        FIRST_SENT,
        FINAL_SENT,
        DONE,
        FAILED
    }

    /** No channel binding: pgloom's backend connections do not bind (yet). */
    private static final String GS2_HEADER = "n,,";

    private final String password; // null in pass-through
    private final byte[] fixedClientKey; // pass-through only
    private final byte[] fixedServerKey; // pass-through only
    private final ScramVerifier expectedVerifier; // pass-through with a known verifier: the backend must use its salt
    private final String userName;
    private final String clientNonce;
    private final ScramVerifierCache cache;
    private State state = State.NEW;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    /** Logs in with a password. The user is sent empty: PostgreSQL authenticates the startup packet's user. */
    public ScramClient(String password) {
        this("", requireNonNull(password), null, null, null, Scram.nonce(), ScramVerifierCache.shared());
    }

    /** Tests inject the user name (RFC 7677's example has one), the nonce and the key cache. */
    ScramClient(String user, String password, String nonce, ScramVerifierCache cache) {
        this(user, requireNonNull(password), null, null, null, nonce, cache);
    }

    private ScramClient(
            String user,
            String password,
            byte[] clientKey,
            byte[] serverKey,
            ScramVerifier verifier,
            String nonce,
            ScramVerifierCache cache) {
        if (!Scram.validNonce(nonce)) throw new IllegalArgumentException("invalid client nonce");
        this.userName = Scram.saslName(user);
        this.password = password;
        this.fixedClientKey = clientKey;
        this.fixedServerKey = serverKey;
        this.expectedVerifier = verifier;
        this.clientNonce = nonce;
        this.cache = cache;
    }

    /**
     * Pass-through: logs in with a ClientKey recovered by {@link ScramServer#clientKey()} and the ServerKey of the same
     * verifier. Works only if the backend stores that very verifier (same salt and iteration count); else the backend
     * rejects the proof. Prefer {@link #withClientKey(byte[], ScramVerifier)}, which says so clearly instead.
     */
    public static ScramClient withClientKey(byte[] clientKey, byte[] serverKey) {
        checkKey(clientKey, "ClientKey");
        checkKey(serverKey, "ServerKey");
        return new ScramClient("", null, clientKey.clone(), serverKey.clone(), null, Scram.nonce(), null);
    }

    /**
     * Pass-through against a known verifier (the one the client's login was checked with, copied from the backend's
     * pg_authid): the ClientKey must belong to it, and the backend must present its salt and iteration count.
     */
    public static ScramClient withClientKey(byte[] clientKey, ScramVerifier verifier) {
        checkKey(clientKey, "ClientKey");
        if (!verifier.matchesClientKey(clientKey))
            throw new IllegalArgumentException("ClientKey does not belong to the verifier");
        return new ScramClient("", null, clientKey.clone(), verifier.serverKey(), verifier, Scram.nonce(), null);
    }

    /** client-first-message: "n,,n=,r=<nonce>". The same bytes on every call. */
    public byte[] clientFirst() {
        if (state == State.NEW) {
            clientFirstBare = "n=" + userName + ",r=" + clientNonce;
            state = State.FIRST_SENT;
        } else if (state != State.FIRST_SENT) {
            throw new IllegalStateException("client-first-message after the exchange moved on");
        }
        return (GS2_HEADER + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Takes server-first-message, returns client-final-message with the proof. Refuses a server nonce that does not
     * extend ours, a mandatory extension, a bad salt or an iteration count outside 1..10,000,000.
     */
    public byte[] clientFinal(byte[] serverFirstBytes) throws AuthFailure {
        if (state != State.FIRST_SENT) throw outOfOrder("server-first-message");
        state = State.FAILED; // until the message is accepted
        String what = "server-first-message";
        String serverFirst = ScramAttributes.utf8(what, serverFirstBytes);

        // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
        ScramAttributes a = ScramAttributes.of(what, serverFirst);
        if (a.optional('m') != null) throw ScramAttributes.bad(what, "requires an extension (m=), none is supported");
        String nonce = a.required('r');
        byte[] salt = Scram.unb64(a.required('s'));
        String iterationText = a.required('i');
        a.extensionsThenEnd();
        if (!Scram.validNonce(nonce) || !nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw ScramAttributes.bad(what, "has a nonce that does not extend the client's");
        }
        if (salt == null || salt.length == 0) throw ScramAttributes.bad(what, "has a malformed salt");
        int iterations = iterations(iterationText);

        byte[] clientKey;
        byte[] serverKey;
        if (password != null) {
            Scram.Keys keys = cache.clientKeys(password, salt, iterations);
            clientKey = keys.clientKey();
            serverKey = keys.serverKey();
        } else {
            if (expectedVerifier != null
                    && (iterations != expectedVerifier.iterations()
                            || !MessageDigest.isEqual(salt, expectedVerifier.salt()))) {
                throw new AuthFailure(
                        AuthFailure.Reason.SERVER_ERROR,
                        "the server's SCRAM salt or iteration count "
                                + "differs from pgloom's verifier for this user; pass-through needs the server's own verifier");
            }
            clientKey = fixedClientKey;
            serverKey = fixedServerKey;
        }

        String withoutProof = "c=" + Scram.b64(GS2_HEADER.getBytes(StandardCharsets.UTF_8)) + ",r=" + nonce;
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] storedKey = Scram.sha256(clientKey);
        byte[] proof = Scram.xor(clientKey, Scram.hmac(storedKey, authMessage));
        expectedServerSignature = Scram.hmac(serverKey, authMessage);
        state = State.FINAL_SENT;
        return (withoutProof + ",p=" + Scram.b64(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** Checks server-final-message: "v=" must carry the server signature; "e=" is the server refusing us. */
    public void verifyServerFinal(byte[] serverFinalBytes) throws AuthFailure {
        if (state != State.FINAL_SENT) throw outOfOrder("server-final-message");
        state = State.FAILED;
        String what = "server-final-message";
        // server-final-message = (server-error / verifier) ["," extensions]
        ScramAttributes a = ScramAttributes.of(what, ScramAttributes.utf8(what, serverFinalBytes));
        String error = a.optional('e');
        if (error != null) {
            throw new AuthFailure(
                    AuthFailure.Reason.SERVER_ERROR, "server refused SCRAM authentication: " + errorName(error));
        }
        byte[] signature = Scram.unb64(a.required('v'));
        a.extensionsThenEnd();
        if (signature == null) throw ScramAttributes.bad(what, "has a malformed server signature");
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw new AuthFailure(
                    AuthFailure.Reason.BAD_SERVER_SIGNATURE,
                    "server signature does not match: the server does not know the password's keys");
        }
        state = State.DONE;
    }

    /** Whether the server proved itself in verifyServerFinal. */
    public boolean succeeded() {
        return state == State.DONE;
    }

    private static int iterations(String text) throws AuthFailure {
        // posit-number = %x31-39 *DIGIT, at most MAX_CLIENT_ITERATIONS
        boolean digits =
                text.length() <= 18 && text.charAt(0) != '0' && text.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits) throw ScramAttributes.bad("server-first-message", "has a malformed iteration count");
        long n = Long.parseLong(text);
        if (n > Scram.MAX_CLIENT_ITERATIONS) {
            throw ScramAttributes.bad(
                    "server-first-message", "asks for more than " + Scram.MAX_CLIENT_ITERATIONS + " iterations");
        }
        return (int) n;
    }

    /** RFC 5802's error names are lower-case words and dashes; anything else is not repeated to whoever reads this. */
    private static String errorName(String e) {
        return e.length() <= 64 && e.chars().allMatch(c -> (c >= 'a' && c <= 'z') || c == '-')
                ? e
                : "(unrecognized error)";
    }

    private static String requireNonNull(String password) {
        if (password == null) throw new IllegalArgumentException("password must not be null");
        return password;
    }

    private static void checkKey(byte[] key, String name) {
        if (key == null || key.length != Scram.KEY_LENGTH)
            throw new IllegalArgumentException(name + " must be 32 bytes");
    }

    private AuthFailure outOfOrder(String what) {
        state = State.FAILED;
        return ScramAttributes.bad(what, "arrived out of order");
    }
}
