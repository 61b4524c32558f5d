// Transaction mode, message by message against real PostgreSQL: Flush without Sync (the replies come before the
// Sync), several Syncs in flight in one write, and an error in the middle of them. The pool has one server, so each
// test also shows that the server is free for the next client once the last ReadyForQuery says idle.
package io.pgloom.session;

import static io.pgloom.testkit.WireClient.bind;
import static io.pgloom.testkit.WireClient.execute;
import static io.pgloom.testkit.WireClient.flush;
import static io.pgloom.testkit.WireClient.parse;
import static io.pgloom.testkit.WireClient.query;
import static io.pgloom.testkit.WireClient.sync;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.WireClient;
import io.pgloom.wire.MessageType;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PipelineProtocolIT {
    static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        proxy = ProxyHarness.start(
                PostgresFixture.shared(),
                "transaction",
                "auth_type = \"trust\"\ndefault_pool_size = 1\nquery_wait_timeout = 10",
                "");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    private static WireClient client() throws Exception {
        return WireClient.connect(proxy.port(), "app", "app");
    }

    /** The one server went back to the pool: another client gets it and is answered. */
    private static void nextClientIsServed() throws Exception {
        try (WireClient other = client()) {
            assertEquals(List.of("T", "D 7", "C SELECT 1", "Z I"), other.exchange(query("SELECT 7")));
        }
    }

    @Test
    void flushWithoutSyncDeliversTheRepliesBeforeTheSync() throws Exception {
        try (WireClient c = client()) {
            c.send(parse("", "SELECT 41 + 1"), bind("", ""), execute(""), flush());
            assertEquals(
                    List.of("1", "2", "D 42", "C SELECT 1"),
                    c.until(MessageType.COMMAND_COMPLETE),
                    "the replies reach the client on Flush, with no Sync and no ReadyForQuery yet");
            // The server is still this client's: a second round on the same unnamed statement, then the Sync.
            c.send(bind("", ""), execute(""), flush());
            assertEquals(List.of("2", "D 42", "C SELECT 1"), c.until(MessageType.COMMAND_COMPLETE));
            assertEquals(List.of("Z I"), c.exchange(sync()));
        }
        nextClientIsServed();
    }

    @Test
    void severalSyncsInFlightAreAnsweredInOrder() throws Exception {
        try (WireClient c = client()) {
            c.send(
                    parse("", "SELECT 1"),
                    bind("", ""),
                    execute(""),
                    sync(),
                    parse("", "SELECT 2"),
                    bind("", ""),
                    execute(""),
                    sync(),
                    query("SELECT 3"));
            assertEquals(List.of("1", "2", "D 1", "C SELECT 1", "Z I"), c.untilReady());
            assertEquals(List.of("1", "2", "D 2", "C SELECT 1", "Z I"), c.untilReady());
            assertEquals(List.of("T", "D 3", "C SELECT 1", "Z I"), c.untilReady());
        }
        nextClientIsServed();
    }

    @Test
    void anErrorInTheMiddleSkipsOnlyToItsSync() throws Exception {
        try (WireClient c = client()) {
            c.send(
                    parse("", "SELECT 1"),
                    bind("", ""),
                    execute(""),
                    sync(),
                    parse("", "SELECT 1/0"),
                    bind("", ""),
                    execute(""),
                    sync(),
                    parse("", "SELECT 3"),
                    bind("", ""),
                    execute(""),
                    sync());
            assertEquals(List.of("1", "2", "D 1", "C SELECT 1", "Z I"), c.untilReady());
            // PostgreSQL folds 1/0 while planning at Bind: the Bind fails, then it skips to the Sync.
            assertEquals(List.of("1", "E 22012 division by zero", "Z I"), c.untilReady());
            assertEquals(List.of("1", "2", "D 3", "C SELECT 1", "Z I"), c.untilReady());
        }
        nextClientIsServed();
    }
}
