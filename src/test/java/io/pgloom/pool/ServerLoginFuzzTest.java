// Coverage-guided fuzzing (Jazzer) of what PostgreSQL sends while pgloom logs in: the Authentication requests
// (ok, cleartext, MD5, SASL with SCRAM-SHA-256 continue/final, unsupported ones), ParameterStatus, BackendKeyData,
// ErrorResponse, NoticeResponse, ReadyForQuery. The first byte picks what pgloom knows (password, MD5 hash only,
// nothing). Property: a failed login is an IOException or AuthFailure, never anything else; allocation within caps.
// Seeds: run main() from the project root to rewrite them.
package io.pgloom.pool;

import static io.pgloom.testkit.FuzzSeeds.concat;
import static io.pgloom.testkit.FuzzSeeds.msg;
import static io.pgloom.testkit.FuzzSeeds.one;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pgloom.auth.AuthFailure;
import io.pgloom.auth.Md5;
import io.pgloom.testkit.FuzzChecks;
import io.pgloom.testkit.FuzzSeeds;
import io.pgloom.testkit.MemorySocket;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SqlState;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

class ServerLoginFuzzTest {
    private static final int MAX_MESSAGE = 65_536;
    private static final PoolKey KEY = new PoolKey("app", "app");
    private static final ServerCredentials[] CREDENTIALS = {
        new ServerCredentials("app", "pw", null),
        new ServerCredentials("app", null, Md5.passwordHash("pw", "app")),
        new ServerCredentials("app", null, null),
    };

    @FuzzTest(maxDuration = "60s")
    @Timeout(10) // per input: a hang is a finding (a loop that never ends pins a carrier thread)
    void serverLogin(byte[] input) throws Exception {
        if (input.length == 0) return;
        ServerCredentials creds = CREDENTIALS[(input[0] & 0xff) % CREDENTIALS.length];
        byte[] server = Arrays.copyOfRange(input, 1, input.length);
        FuzzChecks.run(
                16L * MAX_MESSAGE + (4 << 20) + 1024L * input.length,
                t -> t instanceof IOException || t instanceof AuthFailure,
                () -> {
                    ServerConn conn = new ServerConn(
                            KEY, "127.0.0.1", 5432, new MemorySocket(server), ServerLogin.BUFFER_SIZE, MAX_MESSAGE, 0);
                    ServerLogin.authenticate(conn, creds);
                });
    }

    private static byte[] auth(int code, byte[] data) {
        return msg(MessageType.AUTHENTICATION, w -> w.int32(code).bytes(data));
    }

    public static void main(String[] args) throws Exception {
        byte[] ok = auth(MessageType.AUTH_OK, new byte[0]);
        byte[] welcome = concat(
                Messages.parameterStatus("server_version", "17.5"),
                Messages.parameterStatus("TimeZone", "UTC"),
                Messages.backendKeyData(4242, 77),
                Messages.READY_IDLE);
        FuzzSeeds.write(
                ServerLoginFuzzTest.class,
                "serverLogin",
                List.of(
                        concat(one(0), ok, welcome),
                        concat(one(0), auth(MessageType.AUTH_CLEARTEXT, new byte[0]), ok, welcome),
                        concat(one(1), auth(MessageType.AUTH_MD5, new byte[] {1, 2, 3, 4}), ok, welcome),
                        concat(
                                one(0),
                                Messages.authSasl(List.of("SCRAM-SHA-256")),
                                Messages.authSaslContinue(
                                        Messages.utf8("r=clientnonceservernonce,s=QSXCR+Q6sek8bf92,i=4096")),
                                Messages.authSaslFinal(Messages.utf8("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")),
                                ok,
                                welcome),
                        concat(one(0), Messages.authSasl(List.of("SCRAM-SHA-256-PLUS", "OAUTHBEARER"))),
                        concat(one(2), auth(MessageType.AUTH_MD5, new byte[] {9, 9, 9, 9})),
                        concat(one(0), auth(MessageType.AUTH_GSS, new byte[0])),
                        concat(
                                one(0),
                                ErrorResponses.fatal(
                                        SqlState.INVALID_PASSWORD, "password authentication failed for user \"app\"")),
                        concat(
                                one(0),
                                msg(
                                        MessageType.NOTICE_RESPONSE,
                                        w -> w.int8('S').cstring("WARNING").int8(0)),
                                msg(
                                        MessageType.NEGOTIATE_PROTOCOL_VERSION,
                                        w -> w.int32(0).int32(0)),
                                ok,
                                welcome),
                        concat(
                                one(0),
                                ok,
                                Messages.parameterStatus("a", "b"),
                                msg(
                                        MessageType.BACKEND_KEY_DATA,
                                        w -> w.int32(1).bytes(new byte[32])),
                                Messages.readyForQuery(MessageType.TX_IN_BLOCK))));
    }
}
