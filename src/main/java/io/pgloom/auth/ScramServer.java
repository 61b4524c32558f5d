// pgloom as SCRAM-SHA-256 server: verifies a client's proof against a stored verifier, one instance per login.
// Channel binding (SCRAM-SHA-256-PLUS, tls-server-end-point) plugs in at the gs2 header and the c= check.
package io.pgloom.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;

public final class ScramServer {
    public static final String MECHANISM = "SCRAM-SHA-256";

    private final ScramVerifier verifier;
    private final String serverNonceSuffix;
    private String clientFirstBare;
    private String serverFirst;
    private String gs2Header;
    private String nonce;
    private byte[] clientKey;

    public ScramServer(ScramVerifier verifier) {
        this(verifier, Scram.nonce());
    }

    ScramServer(ScramVerifier verifier, String serverNonceSuffix) {
        this.verifier = verifier;
        this.serverNonceSuffix = serverNonceSuffix;
    }

    public static List<String> mechanisms() {
        return List.of(MECHANISM);
    }

    /** Handles client-first-message; returns server-first-message. */
    public byte[] handleClientFirst(String mechanism, byte[] clientFirst) throws AuthFailure {
        if (!MECHANISM.equals(mechanism)) {
            throw new AuthFailure(AuthFailure.Reason.UNSUPPORTED_MECHANISM, "unsupported SASL mechanism");
        }
        String msg = new String(clientFirst, StandardCharsets.UTF_8);
        // gs2-header: "n,," (no binding) or "y,," (client supports binding, thinks we do not); "p=" needs -PLUS.
        int second = msg.indexOf(',', msg.indexOf(',') + 1);
        if (second < 0) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "malformed SCRAM client-first-message");
        gs2Header = msg.substring(0, second + 1);
        if (!gs2Header.equals("n,,") && !gs2Header.equals("y,,")) {
            if (gs2Header.startsWith("p=")) {
                throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "channel binding was requested but is not offered here");
            }
            throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "unsupported SCRAM gs2 header");
        }
        clientFirstBare = msg.substring(second + 1);
        Map<Character, String> a = Scram.attributes(clientFirstBare);
        if (a.containsKey('m')) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "SCRAM extensions are not supported");
        if (!a.containsKey('n')) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "missing SCRAM user name");
        String clientNonce = a.get('r');
        Scram.checkNonce(clientNonce);
        nonce = clientNonce + serverNonceSuffix;
        serverFirst = "r=" + nonce + ",s=" + Scram.b64(verifier.salt()) + ",i=" + verifier.iterations();
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /** Handles client-final-message: checks binding, nonce and proof; returns server-final-message. */
    public byte[] handleClientFinal(byte[] clientFinal) throws AuthFailure {
        if (serverFirst == null) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "SCRAM final message out of order");
        String msg = new String(clientFinal, StandardCharsets.UTF_8);
        int p = msg.lastIndexOf(",p=");
        if (p < 0) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "missing SCRAM proof");
        String withoutProof = msg.substring(0, p);
        Map<Character, String> a = Scram.attributes(msg);
        String c = a.get('c');
        if (c == null || !MessageDigest.isEqual(Scram.unb64(c), gs2Header.getBytes(StandardCharsets.UTF_8))) {
            throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "SCRAM channel binding does not match");
        }
        if (!nonce.equals(a.get('r'))) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "SCRAM nonce mismatch");
        byte[] proof = Scram.unb64(a.get('p'));
        if (proof.length != 32) throw new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "malformed SCRAM proof");
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] clientSignature = Scram.hmac(verifier.storedKey(), authMessage);
        byte[] key = Scram.xor(proof, clientSignature);
        if (!MessageDigest.isEqual(Scram.sha256(key), verifier.storedKey())) {
            throw new AuthFailure(AuthFailure.Reason.BAD_PROOF, "password authentication failed");
        }
        clientKey = key;
        byte[] serverSignature = Scram.hmac(verifier.serverKey(), authMessage);
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    /** After success: the ClientKey recovered from the proof, for a pass-through backend login. */
    public byte[] clientKey() {
        return clientKey == null ? null : clientKey.clone();
    }
}
