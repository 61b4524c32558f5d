// The release rule from literal sequences of requests and ReadyForQuery statuses: when a server may leave its
// client (transaction and statement mode), when it must stay, when statement mode refuses a transaction block, and
// what a session ending with a reset query in flight decides.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.config.PoolMode;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import io.pgloom.session.LinkState.Decision;
import io.pgloom.util.Clock;
import io.pgloom.wire.MessageType;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LinkStateTest {
    private static final byte IDLE = MessageType.TX_IDLE;
    private static final byte IN_TX = MessageType.TX_IN_BLOCK;

    private ServerSocket listen;
    private Socket socket;
    private Socket peer;
    private ServerConn server;
    private final LinkState<Object> link = new LinkState<>();
    private final List<String> timings = new ArrayList<>();
    private final LinkState.Timings sink = new LinkState.Timings() {
        @Override
        public void request(long nanos) {
            timings.add("request " + nanos);
        }

        @Override
        public void transaction(long nanos) {
            timings.add("transaction " + nanos);
        }
    };
    private long now = 1_000;
    private final Clock clock = new Clock() {
        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public long currentTimeMillis() {
            return now / 1_000_000;
        }
    };

    @BeforeEach
    void linkAServer() throws Exception {
        listen = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        socket = new Socket(listen.getInetAddress(), listen.getLocalPort());
        peer = listen.accept();
        server = ServerConn.unauthenticated(new PoolKey("db", "u"), socket);
        link.link(server, null);
    }

    @AfterEach
    void close() throws Exception {
        peer.close();
        socket.close();
        listen.close();
    }

    private Decision ready(byte status, boolean transactionMode) {
        return ready(status, transactionMode ? PoolMode.TRANSACTION : PoolMode.SESSION);
    }

    private Decision ready(byte status, PoolMode mode) {
        return link.onReady(status, now, mode, false, false, sink);
    }

    @Test
    void statementModeReleasesAfterEachStatementAndRefusesATransactionBlock() {
        link.requestWritten(1, 0, clock);
        assertEquals(Decision.RELEASE, ready(IDLE, PoolMode.STATEMENT), "an autocommit statement: released");
        assertNull(link.server());

        link.link(server, null);
        link.requestWritten(2, 0, clock); // BEGIN and a SELECT pipelined
        assertEquals(Decision.REFUSE_TRANSACTION, ready(IN_TX, PoolMode.STATEMENT), "BEGIN left 'T'");
        assertNull(link.server(), "the server leaves the client at once, a reply still due or not");

        link.link(server, null);
        link.requestWritten(1, 0, clock);
        assertEquals(Decision.REFUSE_TRANSACTION, ready(MessageType.TX_FAILED, PoolMode.STATEMENT), "'E' too");

        link.link(server, null);
        link.requestWritten(1, 0, clock);
        assertEquals(Decision.STAY, ready(IN_TX, PoolMode.TRANSACTION), "transaction mode keeps it for the COMMIT");
    }

    @Test
    void transactionModeReleasesOnlyAtAnIdlePointWithNothingInFlight() {
        assertTrue(link.requestWritten(2, 0, clock), "two queries pipelined");
        now += 50;
        assertEquals(Decision.STAY, ready(IDLE, true), "one reply still due");
        assertSame(server, link.server());
        now += 50;
        assertEquals(Decision.RELEASE, ready(IDLE, true));
        assertNull(link.server());
        assertEquals(List.of("request 100", "transaction 100"), timings);
    }

    @Test
    void anOpenTransactionOrUnsyncedMessagesKeepTheServer() {
        link.requestWritten(1, 0, clock);
        assertEquals(Decision.STAY, ready(IN_TX, true), "BEGIN answered: the transaction is open");
        assertTrue(link.inTransaction());
        link.requestWritten(0, 1, clock); // Parse/Bind/Execute, no Sync yet
        assertFalse(link.allAnswered());
        link.requestWritten(1, -1, clock); // Sync
        assertEquals(Decision.RELEASE, ready(IDLE, true), "COMMIT answered, Sync closed the batch");
    }

    @Test
    void aPinnedTransactionModeLinkKeepsItsServerAtEveryIdlePoint() {
        link.requestWritten(1, 0, clock);
        link.pin(); // LISTEN on its way, on_session_state = "pin"
        assertEquals(Decision.STAY, ready(IDLE, true), "pinned: not released at 'I'");
        assertSame(server, link.server());
        link.requestWritten(1, 0, clock);
        assertEquals(Decision.STAY, ready(IDLE, true), "nor at the next one");
        assertTrue(link.pinned());
    }

    @Test
    void sessionModeKeepsItsServerAndEndsOnlyForShutdown() {
        link.requestWritten(1, 0, clock);
        assertEquals(Decision.STAY, ready(IDLE, false));
        link.requestWritten(1, 0, clock);
        assertEquals(Decision.SHUTDOWN, link.onReady(IDLE, now, PoolMode.SESSION, false, true, sink));
        assertSame(server, link.server());
    }

    @Test
    void aDetachingSessionReleasesAfterItsResetOrDiscardsWhenItFailed() {
        link.detach(1, false);
        assertTrue(link.detaching());
        assertEquals(Decision.RELEASE, ready(IDLE, false));
        assertNull(link.server());
        assertEquals(List.of(), timings, "the reset query is pgloom's, not a request of the client");

        link.link(server, null);
        link.detach(1, false);
        assertEquals(
                Decision.DISCARD,
                link.onReady(IDLE, now, PoolMode.SESSION, true, false, sink),
                "the reset query failed");
    }

    @Test
    void severUnlinksOnlyTheServerItNames() throws Exception {
        try (Socket other = new Socket(listen.getInetAddress(), listen.getLocalPort());
                Socket otherPeer = listen.accept()) {
            ServerConn stranger = ServerConn.unauthenticated(new PoolKey("db", "u"), other);
            assertFalse(link.sever(stranger));
            assertSame(server, link.server());
            assertTrue(link.sever(server));
            assertFalse(link.sever(server), "only once");
        }
    }
}
