// Coverage-guided fuzzing (Jazzer) of what a server sends to pgloom while linked, through the real server-to-client
// pump: ReadyForQuery (the release rule), ParameterStatus, ErrorResponse, streaming of large rows, and in
// transaction mode the reply tracking of rewritten statements. Input: a mode byte, a 16-bit length, that many
// client bytes (run through the client-to-server pump first, so the tracker expects replies), then the server's.
// Property: only clean endings (I/O errors), allocation within the caps. Seeds: run main() from the project root.
package io.pgloom.session;

import static io.pgloom.testkit.FuzzSeeds.concat;
import static io.pgloom.testkit.FuzzSeeds.msg;
import static io.pgloom.testkit.FuzzSeeds.one;
import static io.pgloom.testkit.FuzzSeeds.u16;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pgloom.pool.ServerConn;
import io.pgloom.testkit.FuzzChecks;
import io.pgloom.testkit.FuzzSeeds;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SqlState;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

class ServerMessagesFuzzTest {
    @FuzzTest(maxDuration = "60s")
    @Timeout(10) // per input: a hang is a finding (a loop that never ends pins a carrier thread)
    void serverMessages(byte[] input) throws Exception {
        if (input.length < 3) return;
        FuzzRig rig = FuzzRig.pick(FuzzRig.LOGGED_IN, input[0]);
        int clientLen = Math.min(((input[1] & 0xff) << 8 | input[2] & 0xff), input.length - 3);
        byte[] client = Arrays.copyOfRange(input, 3, 3 + clientLen);
        byte[] server = Arrays.copyOfRange(input, 3 + clientLen, input.length);
        FuzzChecks.run(FuzzRig.allocationCap(input), FuzzRig::clean, () -> {
            ClientSession s = rig.session(client);
            rig.loggedIn(s);
            try {
                ServerConn linked = rig.link(s, server);
                try {
                    new ClientToServerPump(s).run();
                } catch (Exception endOfClientInput) {
                    if (!FuzzRig.clean(endOfClientInput)) throw endOfClientInput;
                }
                new ServerToClientPump(s, linked).pump();
            } finally {
                rig.cleanUp(s);
            }
        });
    }

    private static byte[] rowDescription() {
        return msg(
                MessageType.ROW_DESCRIPTION,
                w -> w.int16(1)
                        .cstring("x")
                        .int32(0)
                        .int16(0)
                        .int32(23)
                        .int16(4)
                        .int32(-1)
                        .int16(0));
    }

    private static byte[] dataRow(String v) {
        byte[] b = Messages.utf8(v);
        return msg(MessageType.DATA_ROW, w -> w.int16(1).int32(b.length).bytes(b));
    }

    private static byte[] complete(String tag) {
        return msg(MessageType.COMMAND_COMPLETE, w -> w.cstring(tag));
    }

    private static byte[] seed(int mode, byte[] client, byte[]... server) {
        return concat(one(mode), u16(client.length), client, concat(server));
    }

    public static void main(String[] args) throws Exception {
        byte[] select = Messages.query("SELECT 1");
        byte[] named = ClientMessagesFuzzTest.namedStatement();
        byte[] parseComplete = msg(MessageType.PARSE_COMPLETE, w -> {});
        byte[] bindComplete = msg(MessageType.BIND_COMPLETE, w -> {});
        byte[] closeComplete = msg(MessageType.CLOSE_COMPLETE, w -> {});
        byte[] idle = Messages.READY_IDLE;
        byte[] inTx = Messages.readyForQuery(MessageType.TX_IN_BLOCK);
        FuzzSeeds.write(
                ServerMessagesFuzzTest.class,
                "serverMessages",
                List.of(
                        seed(0, select, rowDescription(), dataRow("1"), complete("SELECT 1"), idle),
                        seed(
                                2,
                                select,
                                Messages.parameterStatus("TimeZone", "Europe/Paris"),
                                rowDescription(),
                                dataRow("1"),
                                complete("SELECT 1"),
                                idle),
                        seed(
                                0,
                                named,
                                parseComplete,
                                bindComplete,
                                rowDescription(),
                                dataRow("7"),
                                complete("SELECT 1"),
                                idle,
                                bindComplete,
                                rowDescription(),
                                dataRow("7"),
                                complete("SELECT 1"),
                                closeComplete,
                                closeComplete,
                                idle),
                        seed(
                                1,
                                concat(named, ClientMessagesFuzzTest.parse("S_2", "SELECT 2"), Messages.SYNC),
                                parseComplete,
                                bindComplete,
                                rowDescription(),
                                dataRow("7"),
                                complete("SELECT 1"),
                                idle,
                                ErrorResponses.error(SqlState.PROTOCOL_VIOLATION, "boom"),
                                idle),
                        seed(0, Messages.query("BEGIN"), complete("BEGIN"), inTx, complete("DISCARD ALL"), idle),
                        seed(
                                0,
                                select,
                                ErrorResponses.fatal(
                                        SqlState.ADMIN_SHUTDOWN,
                                        "terminating connection due to administrator command")),
                        seed(
                                0,
                                select,
                                msg(
                                        MessageType.NOTICE_RESPONSE,
                                        w -> w.int8('S').cstring("NOTICE").int8(0)),
                                msg(
                                        MessageType.NOTIFICATION_RESPONSE,
                                        w -> w.int32(42).cstring("ch").cstring("hi")),
                                Messages.EMPTY_QUERY,
                                idle),
                        seed(
                                2,
                                Messages.query("COPY t TO STDOUT"),
                                msg(
                                        MessageType.COPY_OUT_RESPONSE,
                                        w -> w.int8(0).int16(1).int16(0)),
                                msg(MessageType.COPY_DATA, w -> w.bytes(Messages.utf8("1\n"))),
                                msg(MessageType.COPY_DONE, w -> {}),
                                complete("COPY 1"),
                                idle),
                        seed(2, select, rowDescription(), dataRow("z".repeat(40_000)), complete("SELECT 1"), idle),
                        seed(0, select, Messages.parameterStatus("application_name", "a".repeat(3000)), idle)));
    }
}
