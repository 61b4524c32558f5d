// Coverage-guided fuzzing (Jazzer) of a client's first bytes through the real login code: SSLRequest, GSSENCRequest,
// CancelRequest, the StartupMessage, then trust, MD5 or SCRAM-SHA-256 (the first input byte picks auth_type), and
// after a trust login the client-to-server pump. make test replays the committed corpus; make fuzz mutates it.
// Property: a session ends only in a clean refusal, never an internal error, and allocates within the caps.
// Seeds: run main() from the project root to rewrite them.
package io.pgloom.session;

import static io.pgloom.testkit.FuzzSeeds.concat;
import static io.pgloom.testkit.FuzzSeeds.one;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pgloom.testkit.FuzzChecks;
import io.pgloom.testkit.FuzzSeeds;
import io.pgloom.wire.Messages;
import io.pgloom.wire.StartupPacket;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

class ClientStartupFuzzTest {
    private static final FuzzRig[] RIGS = {
        new FuzzRig("transaction", "scram-sha-256", 200),
        new FuzzRig("transaction", "md5", 200),
        new FuzzRig("transaction", "trust", 200),
    };

    @FuzzTest(maxDuration = "60s")
    @Timeout(10) // per input: a hang is a finding (a loop that never ends pins a carrier thread)
    void startupAndLogin(byte[] input) throws Exception {
        if (input.length == 0) return;
        FuzzRig rig = FuzzRig.pick(RIGS, input[0]);
        byte[] client = Arrays.copyOfRange(input, 1, input.length);
        FuzzChecks.run(FuzzRig.allocationCap(input), FuzzRig::clean, () -> {
            ClientSession s = rig.session(client);
            try {
                ClientLogin.run(s);
                rig.link(s, new byte[0]);
                new ClientToServerPump(s).run();
            } finally {
                rig.cleanUp(s);
            }
        });
    }

    private static byte[] startup(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return StartupPacket.encodeStartup(m);
    }

    public static void main(String[] args) throws Exception {
        byte[] app = startup("user", "app", "database", "app", "application_name", "fuzz");
        byte[] ssl = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f};
        byte[] gss = {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x30};
        byte[] v32 = app.clone();
        v32[7] = 2; // protocol 3.2
        FuzzSeeds.write(
                ClientStartupFuzzTest.class,
                "startupAndLogin",
                List.of(
                        concat(one(2), app, Messages.query("SELECT 1"), Messages.TERMINATE),
                        concat(one(2), ssl, app, Messages.query("BEGIN")),
                        concat(
                                one(2),
                                gss,
                                ssl,
                                startup(
                                        "user",
                                        "app",
                                        "database",
                                        "app",
                                        "options",
                                        "-c statement_timeout=5",
                                        "_pq_.x",
                                        "1")),
                        concat(one(2), v32),
                        concat(one(2), startup("user", "app", "database", "pgloom")),
                        concat(one(2), startup("user", "app", "replication", "database")),
                        concat(one(2), startup("user", "nobody", "database", "app")),
                        concat(one(2), startup("database", "app")),
                        concat(
                                one(0),
                                app,
                                Messages.saslInitialResponse(
                                        "SCRAM-SHA-256", Messages.utf8("n,,n=,r=rOprNGfwEbeRWgbNEkqO")),
                                Messages.saslResponse(
                                        Messages.utf8(
                                                "c=biws,r=rOprNGfwEbeRWgbNEkqOserver,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))),
                        concat(
                                one(0),
                                app,
                                Messages.saslInitialResponse(
                                        "SCRAM-SHA-256-PLUS", Messages.utf8("p=tls-server-end-point,,n=,r=abc"))),
                        concat(
                                one(0),
                                startup("user", "ghost", "database", "app"),
                                Messages.saslInitialResponse("SCRAM-SHA-256", Messages.utf8("y,,n=ghost,r=abc"))),
                        concat(one(1), app, Messages.password("md5" + "0".repeat(32))),
                        concat(
                                one(1),
                                startup("user", "app", "database", "nodb"),
                                Messages.password("md5" + "f".repeat(32))),
                        concat(one(0), StartupPacket.encodeCancel(1234, new byte[] {1, 2, 3, 4})),
                        concat(one(0), new byte[] {0x16, 3, 1, 0, 5})));
    }
}
