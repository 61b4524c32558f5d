// pgloom as SCRAM-SHA-256 client, logging into PostgreSQL: with the password, or (pass-through) with the
// ClientKey and ServerKey learned from a client's own SCRAM login.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

public final class ScramClient {
    private final String password;
    private final byte[] passThroughClientKey;
    private final byte[] passThroughServerKey;
    private final String clientNonce;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramClient(String password) {
        this(password, null, null, Scram.nonce());
    }

    ScramClient(String password, byte[] clientKey, byte[] serverKey, String nonce) {
        this.password = password;
        this.passThroughClientKey = clientKey;
        this.passThroughServerKey = serverKey;
        this.clientNonce = nonce;
    }

    /** Pass-through: log in with keys recovered from the client's own SCRAM exchange (same salt and iterations). */
    public static ScramClient withClientKey(byte[] clientKey, byte[] serverKey) {
        return new ScramClient(null, clientKey.clone(), serverKey.clone(), Scram.nonce());
    }

    /** client-first-message; the user name is left empty, PostgreSQL takes the startup packet's. */
    public byte[] clientFirst() {
        clientFirstBare = "n=,r=" + clientNonce;
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    public byte[] clientFinal(byte[] serverFirstBytes) throws AuthFailure {
        String serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        Map<Character, String> a = Scram.attributes(serverFirst);
        String nonce = a.get('r');
        Scram.checkNonce(nonce);
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "server nonce does not extend ours");
        }
        if (a.get('s') == null || a.get('i') == null) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "missing salt or iteration count");
        byte[] salt = Scram.unb64(a.get('s'));
        int iterations;
        try {
            iterations = Integer.parseInt(a.get('i'));
        } catch (NumberFormatException e) {
            throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "bad iteration count");
        }
        if (iterations < 1 || iterations > Scram.MAX_ITERATIONS) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "iteration count out of range");
        byte[] clientKey;
        byte[] serverKey;
        if (passThroughClientKey != null) {
            clientKey = passThroughClientKey;
            serverKey = passThroughServerKey;
        } else {
            byte[] salted = Scram.hi(Scram.normalize(password), salt, iterations);
            clientKey = Scram.hmac(salted, "Client Key");
            serverKey = Scram.hmac(salted, "Server Key");
        }
        String withoutProof = "c=biws,r=" + nonce; // biws = base64("n,,")
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] storedKey = Scram.sha256(clientKey);
        byte[] proof = Scram.xor(clientKey, Scram.hmac(storedKey, authMessage));
        expectedServerSignature = Scram.hmac(serverKey, authMessage);
        return (withoutProof + ",p=" + Scram.b64(proof)).getBytes(StandardCharsets.UTF_8);
    }

    public void verifyServerFinal(byte[] serverFinalBytes) throws AuthFailure {
        String serverFinal = new String(serverFinalBytes, StandardCharsets.UTF_8);
        Map<Character, String> a = Scram.attributes(serverFinal);
        if (a.containsKey('e')) throw new AuthFailure(AuthFailure.Reason.SERVER_ERROR, "server reported SCRAM error: " + a.get('e'));
        String v = a.get('v');
        if (v == null || expectedServerSignature == null
                || !MessageDigest.isEqual(Scram.unb64(v), expectedServerSignature)) {
            throw new AuthFailure(AuthFailure.Reason.BAD_SERVER_SIGNATURE, "server signature does not match");
        }
    }
}
