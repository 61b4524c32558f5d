// Coverage-guided fuzzing (Jazzer) of what a logged-in client sends, through the real client-to-server pump: the
// framing walked in place, streaming of messages larger than the buffer, and in transaction mode the statement-name
// rewriting of Parse/Bind/Describe/Close. The first input byte picks the mode: transaction with 200 or 2 prepared
// statements per server (eviction), or session. Property: only clean endings, allocation within the caps.
// Seeds: run main() from the project root to rewrite them.
package io.pgloom.session;

import static io.pgloom.testkit.FuzzSeeds.concat;
import static io.pgloom.testkit.FuzzSeeds.msg;
import static io.pgloom.testkit.FuzzSeeds.one;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pgloom.testkit.FuzzChecks;
import io.pgloom.testkit.FuzzSeeds;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

class ClientMessagesFuzzTest {
    @FuzzTest(maxDuration = "60s")
    @Timeout(10) // per input: a hang is a finding (a loop that never ends pins a carrier thread)
    void clientMessages(byte[] input) throws Exception {
        if (input.length == 0) return;
        FuzzRig rig = FuzzRig.pick(FuzzRig.LOGGED_IN, input[0]);
        byte[] client = Arrays.copyOfRange(input, 1, input.length);
        FuzzChecks.run(FuzzRig.allocationCap(input), FuzzRig::clean, () -> {
            ClientSession s = rig.session(client);
            rig.loggedIn(s);
            try {
                rig.link(s, new byte[0]);
                new ClientToServerPump(s).run();
            } finally {
                rig.cleanUp(s);
            }
        });
    }

    static byte[] parse(String name, String sql) {
        return msg(MessageType.PARSE, w -> w.cstring(name).cstring(sql).int16(1).int32(23));
    }

    static byte[] bind(String portal, String stmt) {
        return msg(
                MessageType.BIND,
                w -> w.cstring(portal)
                        .cstring(stmt)
                        .int16(1)
                        .int16(0)
                        .int16(1)
                        .int32(1)
                        .int8('7')
                        .int16(1)
                        .int16(0));
    }

    static byte[] describe(byte target, String name) {
        return msg(MessageType.DESCRIBE, w -> w.int8(target).cstring(name));
    }

    static byte[] close(byte target, String name) {
        return msg(MessageType.CLOSE, w -> w.int8(target).cstring(name));
    }

    static byte[] execute(String portal) {
        return msg(MessageType.EXECUTE, w -> w.cstring(portal).int32(0));
    }

    /** A named statement's whole life, as pgjdbc sends it once prepareThreshold is reached. */
    static byte[] namedStatement() {
        return concat(
                parse("S_1", "SELECT $1"),
                bind("", "S_1"),
                describe(MessageType.TARGET_PORTAL, ""),
                execute(""),
                Messages.SYNC,
                bind("C_1", "S_1"),
                describe(MessageType.TARGET_STATEMENT, "S_1"),
                execute("C_1"),
                close(MessageType.TARGET_PORTAL, "C_1"),
                close(MessageType.TARGET_STATEMENT, "S_1"),
                Messages.SYNC);
    }

    public static void main(String[] args) throws Exception {
        byte[] big = Messages.query("SELECT '" + "x".repeat(20_000) + "'");
        byte[] bigParse = parse("S_big", "SELECT '" + "y".repeat(12_000) + "'");
        FuzzSeeds.write(
                ClientMessagesFuzzTest.class,
                "clientMessages",
                List.of(
                        concat(one(0), Messages.query("SELECT 1"), Messages.TERMINATE),
                        concat(one(0), namedStatement()),
                        concat(
                                one(1),
                                namedStatement(),
                                parse("S_2", "SELECT 2"),
                                parse("S_3", "SELECT 3"),
                                bind("", "S_2"),
                                Messages.SYNC),
                        concat(one(2), namedStatement()),
                        concat(
                                one(0),
                                parse("", "SELECT 1"),
                                bind("", ""),
                                execute(""),
                                msg(MessageType.FLUSH, w -> {}),
                                Messages.SYNC),
                        concat(
                                one(0),
                                Messages.query("BEGIN"),
                                Messages.query("SET search_path = x"),
                                Messages.query("LISTEN ch"),
                                Messages.query("SELECT pg_advisory_lock(1)"),
                                Messages.query("COMMIT")),
                        concat(
                                one(0),
                                Messages.query("COPY t FROM STDIN"),
                                msg(MessageType.COPY_DATA, w -> w.bytes(Messages.utf8("1\n"))),
                                msg(MessageType.COPY_DONE, w -> {}),
                                msg(MessageType.COPY_FAIL, w -> w.cstring("no"))),
                        concat(
                                one(0),
                                msg(
                                        MessageType.FUNCTION_CALL,
                                        w -> w.int32(1598).int16(0).int16(0).int16(0))),
                        concat(one(0), big, Messages.SYNC),
                        concat(one(0), bigParse, Messages.SYNC),
                        concat(one(2), big, Messages.TERMINATE)));
    }
}
