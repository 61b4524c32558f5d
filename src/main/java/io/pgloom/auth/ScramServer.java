// pgloom as SCRAM-SHA-256 server (RFC 5802, RFC 7677): checks the proof of a client logging into pgloom against a
// stored verifier, and recovers the client's ClientKey for a pass-through login to the backend. One per login attempt.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Server side of one SCRAM-SHA-256 exchange. The session frames the payloads: handleClientFirst takes the body of
 * SASLInitialResponse and returns that of AuthenticationSASLContinue; handleClientFinal takes SASLResponse and returns
 * AuthenticationSASLFinal. Not thread-safe (one login, one thread). After any failure the instance refuses further
 * messages.
 *
 * <p>Channel binding (SCRAM-SHA-256-PLUS with tls-server-end-point, RFC 5929) is a small addition here: take the hash
 * of pgloom's TLS certificate in a constructor; offer "SCRAM-SHA-256-PLUS" first in mechanisms; in
 * {@link #handleClientFirst} accept cbind flag "p=tls-server-end-point" only with the PLUS mechanism, refuse "y" once
 * PLUS was offered (a downgrade, RFC 5802 section 6), keep "n"; and have {@link #expectedChannelBinding()} return
 * the gs2 header followed by the certificate hash. The c= comparison in handleClientFinal stays as it is.
 */
public final class ScramServer {
    public static final String MECHANISM = Scram.MECHANISM;
    /** SCRAM with channel binding (tls-server-end-point), offered on TLS connections. */
    public static final String MECHANISM_PLUS = Scram.MECHANISM + "-PLUS";

    public static final String TLS_SERVER_END_POINT = "tls-server-end-point";

    private enum State {
        NEW,
        FIRST_HANDLED,
        SUCCEEDED,
        FAILED
    }

    private static final byte[] UNKNOWN_USER_KEY = Scram.randomBytes(32);

    private final ScramVerifier verifier;
    private final String serverNonce;
    private State state = State.NEW;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;
    private byte[] clientKey;
    /** tls-server-end-point data (the hash of pgloom's certificate) when the connection is TLS, else null. */
    private byte[] endpointHash;

    private boolean plus;

    public ScramServer(ScramVerifier verifier) {
        this(verifier, Scram.nonce());
    }

    /** Tests inject the server's part of the nonce. */
    ScramServer(ScramVerifier verifier, String serverNonce) {
        if (verifier == null) throw new IllegalArgumentException("verifier must not be null");
        if (!Scram.validNonce(serverNonce)) throw new IllegalArgumentException("invalid server nonce");
        this.verifier = verifier;
        this.serverNonce = serverNonce;
    }

    /**
     * For a user whose plain-text password is configured: the verifier comes from the shared
     * {@link ScramVerifierCache}, so only the user's first login pays for PBKDF2.
     */
    public static ScramServer forPassword(String user, String password) {
        return new ScramServer(ScramVerifierCache.forPassword(user, password));
    }

    /**
     * For a user pgloom does not know: the exchange runs as for a real user and ends in BAD_PROOF with the same
     * message, so a client cannot tell the user does not exist. The salt is derived from the name (the same user sees
     * the same salt every time, as a real one would) and no PBKDF2 runs, so it costs no more than a real login.
     * PostgreSQL does the same ("mock authentication").
     */
    public static ScramServer forUnknownUser(String user) {
        byte[] salt = new byte[Scram.SALT_LENGTH];
        System.arraycopy(Scram.hmac(UNKNOWN_USER_KEY, user), 0, salt, 0, salt.length);
        // Random keys: no proof can hash to a StoredKey nobody knows (2^-256).
        ScramVerifier impossible = new ScramVerifier(
                Scram.DEFAULT_ITERATIONS,
                salt,
                Scram.randomBytes(Scram.KEY_LENGTH),
                Scram.randomBytes(Scram.KEY_LENGTH));
        return new ScramServer(impossible);
    }

    /** The SASL mechanisms to offer in AuthenticationSASL, best first. */
    public static List<String> mechanisms() {
        return List.of(MECHANISM);
    }

    /** Offers channel binding on a TLS connection: {@code certificateHash} is the tls-server-end-point data. */
    public ScramServer bindTo(byte[] certificateHash) {
        this.endpointHash = certificateHash == null ? null : certificateHash.clone();
        return this;
    }

    /** The mechanisms for this exchange: -PLUS first when channel binding is available. */
    public List<String> offered() {
        return endpointHash == null ? List.of(MECHANISM) : List.of(MECHANISM_PLUS, MECHANISM);
    }

    /** Handles client-first-message (with the mechanism the client chose); returns server-first-message. */
    public byte[] handleClientFirst(String mechanism, byte[] clientFirst) throws AuthFailure {
        expect(State.NEW, "client-first-message");
        state = State.FAILED; // until the message is accepted
        plus = MECHANISM_PLUS.equals(mechanism) && endpointHash != null;
        if (!MECHANISM.equals(mechanism) && !plus) {
            throw new AuthFailure(
                    AuthFailure.Reason.UNSUPPORTED_MECHANISM,
                    "SASL mechanism not supported (offered: " + String.join(", ", offered()) + ")");
        }
        String what = "client-first-message";
        String msg = ScramAttributes.utf8(what, clientFirst);

        // gs2-header = gs2-cbind-flag "," [ authzid ] ","
        int c1 = msg.indexOf(',');
        int c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
        if (c2 < 0) throw ScramAttributes.bad(what, "has no gs2 header");
        String cbindFlag = msg.substring(0, c1);
        String authzid = msg.substring(c1 + 1, c2);
        switch (cbindFlag) {
            case "n" -> {
                if (plus) throw ScramAttributes.bad(what, "chose SCRAM-SHA-256-PLUS without channel binding");
            }
            case "y" -> {
                // The client could bind but believes we cannot; we offered -PLUS, so someone removed it (RFC 5802 s6).
                if (endpointHash != null)
                    throw ScramAttributes.bad(
                            what, "says the server cannot bind channels, but it offered SCRAM-SHA-256-PLUS");
            }
            default -> {
                if (cbindFlag.equals("p=" + TLS_SERVER_END_POINT) && plus) break;
                if (cbindFlag.startsWith("p=") && validCbName(cbindFlag.substring(2))) {
                    throw ScramAttributes.bad(
                            what,
                            plus
                                    ? "asks for an unsupported channel binding type (only tls-server-end-point)"
                                    : "asks for channel binding, which needs SCRAM-SHA-256-PLUS");
                }
                throw ScramAttributes.bad(what, "has an invalid channel binding flag");
            }
        }
        if (!authzid.isEmpty()) {
            // PostgreSQL refuses an authorization identity too: the user comes from the startup packet.
            throw ScramAttributes.bad(
                    what,
                    authzid.startsWith("a=")
                            ? "has an authorization identity (a=), which is not supported"
                            : "has a malformed gs2 header");
        }
        gs2Header = msg.substring(0, c2 + 1);
        clientFirstBare = msg.substring(c2 + 1);

        // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
        ScramAttributes a = ScramAttributes.of(what, clientFirstBare);
        if (a.optional('m') != null) throw ScramAttributes.bad(what, "requires an extension (m=), none is supported");
        // The name is ignored, as PostgreSQL ignores it: the startup packet's user is the one being authenticated.
        if (!Scram.validSaslName(a.requiredMaybeEmpty('n')))
            throw ScramAttributes.bad(what, "has a malformed user name");
        String clientNonce = a.required('r');
        if (!Scram.validNonce(clientNonce)) throw ScramAttributes.bad(what, "has an invalid nonce");
        a.extensionsThenEnd();

        nonce = clientNonce + serverNonce;
        serverFirst = "r=" + nonce + ",s=" + Scram.b64(verifier.salt()) + ",i=" + verifier.iterations();
        state = State.FIRST_HANDLED;
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /** Handles client-final-message: checks channel binding, nonce and proof; returns server-final-message ("v=..."). */
    public byte[] handleClientFinal(byte[] clientFinal) throws AuthFailure {
        expect(State.FIRST_HANDLED, "client-final-message");
        state = State.FAILED; // until the proof is verified
        String what = "client-final-message";
        String msg = ScramAttributes.utf8(what, clientFinal);

        // client-final-message = channel-binding "," nonce ["," extensions] "," proof
        int lastComma = msg.lastIndexOf(',');
        if (lastComma < 0 || !msg.startsWith("p=", lastComma + 1))
            throw ScramAttributes.bad(what, "does not end with the proof");
        String withoutProof = msg.substring(0, lastComma);
        ScramAttributes a = ScramAttributes.of(what, withoutProof);
        byte[] channelBinding = Scram.unb64(a.required('c'));
        String clientNonce = a.required('r');
        a.extensionsThenEnd();
        if (channelBinding == null) throw ScramAttributes.bad(what, "has malformed channel binding data");
        if (!MessageDigest.isEqual(channelBinding, expectedChannelBinding())) {
            throw ScramAttributes.bad(what, "has channel binding data that does not match its client-first-message");
        }
        if (!nonce.equals(clientNonce)) throw ScramAttributes.bad(what, "has a nonce that does not match");
        byte[] proof = Scram.unb64(msg.substring(lastComma + 3));
        if (proof == null || proof.length != Scram.KEY_LENGTH) throw ScramAttributes.bad(what, "has a malformed proof");

        // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); it is genuine iff H(ClientKey) = StoredKey.
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] candidate = Scram.xor(proof, Scram.hmac(verifier.storedKey(), authMessage));
        if (!verifier.matchesClientKey(candidate)) {
            throw new AuthFailure(AuthFailure.Reason.BAD_PROOF, "password authentication failed");
        }
        clientKey = candidate;
        state = State.SUCCEEDED;
        return ("v=" + Scram.b64(Scram.hmac(verifier.serverKey(), authMessage))).getBytes(StandardCharsets.US_ASCII);
    }

    /** What c= must decode to: the gs2 header as sent, then (with -PLUS) the hash of pgloom's TLS certificate. */
    private byte[] expectedChannelBinding() {
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        if (!plus) return header;
        byte[] out = new byte[header.length + endpointHash.length];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(endpointHash, 0, out, header.length, endpointHash.length);
        return out;
    }

    /**
     * tls-server-end-point data for a certificate (RFC 5929): its DER hashed with the hash of its signature
     * algorithm, SHA-256 where that is MD5 or SHA-1.
     */
    public static byte[] endpointHash(java.security.cert.X509Certificate cert)
            throws java.security.GeneralSecurityException {
        String sig = cert.getSigAlgName().toUpperCase(java.util.Locale.ROOT);
        String digest = sig.startsWith("SHA384") ? "SHA-384" : sig.startsWith("SHA512") ? "SHA-512" : "SHA-256";
        return MessageDigest.getInstance(digest).digest(cert.getEncoded());
    }

    /** Whether the client proved it knows the password. */
    public boolean succeeded() {
        return state == State.SUCCEEDED;
    }

    /**
     * After success, the client's ClientKey, recovered from its proof. With the verifier's ServerKey it logs into a
     * backend that stores the same verifier ({@link ScramClient#withClientKey}), without pgloom knowing the password.
     * It is password-equivalent for that purpose: keep it in memory only, never log it.
     *
     * @throws IllegalStateException before a successful {@link #handleClientFinal}
     */
    public byte[] clientKey() {
        if (state != State.SUCCEEDED)
            throw new IllegalStateException("no ClientKey before a successful SCRAM exchange");
        return clientKey.clone();
    }

    /** The verifier this exchange checks against (its ServerKey is what a pass-through login needs). */
    public ScramVerifier verifier() {
        return verifier;
    }

    private void expect(State expected, String what) throws AuthFailure {
        if (state != expected) {
            state = State.FAILED;
            throw ScramAttributes.bad(what, "arrived out of order");
        }
    }

    /** cb-name = 1*(ALPHA / DIGIT / "." / "-") */
    private static boolean validCbName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
            if (!ok) return false;
        }
        return true;
    }
}
