// Routing a CancelRequest by its key's peer id: served here, forwarded once (to a real socket standing in for
// the peer), or counted and dropped (unknown peer, already forwarded, peer unreachable); SHOW PEERS' rows.
package io.pgloom.peer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.config.PeerSettings;
import io.pgloom.util.Clock;
import io.pgloom.wire.StartupPacket;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeersTest {
    private final CollectorRegistry registry = new CollectorRegistry();
    private final Counter cancels = Counter.build("pgloom_cancel_requests_total", "test")
            .labelNames("result")
            .register(registry);

    private Peers peers(int self, int otherPort) {
        TreeMap<Integer, PeerSettings.Peer> map = new TreeMap<>();
        map.put(1, new PeerSettings.Peer(1, "127.0.0.1", 1));
        map.put(2, new PeerSettings.Peer(2, "127.0.0.1", otherPort));
        return new Peers(new PeerSettings(self, map), () -> Duration.ofSeconds(2), cancels, registry, Clock.SYSTEM);
    }

    private double count(String result) {
        return cancels.labels(result).get();
    }

    @Test
    void ownKeysAreLocalOthersAreForwardedOnceWithTheirTtlSpent() throws Exception {
        try (ServerSocket peer2 = new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress())) {
            BlockingQueue<StartupPacket> received = new ArrayBlockingQueue<>(4);
            Thread.ofVirtual().start(() -> {
                try (Socket s = peer2.accept();
                        InputStream in = s.getInputStream()) {
                    received.add(StartupPacket.read(in, -1));
                } catch (IOException ignored) {
                    // the test fails on the empty queue
                }
            });
            Peers p = peers(1, peer2.getLocalPort());
            int own = p.keys().pid(7);
            byte[] secret = {1, 2, 3, 5};
            assertEquals(Peers.Route.LOCAL, p.route(own, secret, "test"));

            int theirs = new CancelKeys(2).pid(7);
            assertEquals(Peers.Route.FORWARDED, p.route(theirs, secret, "test"));
            StartupPacket got = received.poll(5, TimeUnit.SECONDS);
            assertEquals(theirs, got.cancelProcessId());
            assertArrayEquals(new byte[] {1, 2, 3, 4}, got.cancelSecret(), "TTL 1 became 0");
            assertEquals(1, count("peer_forwarded"));
            assertEquals(
                    1,
                    registry.getSampleValue(
                            "pgloom_peer_forwards_total", new String[] {"peer", "result"}, new String[] {"2", "ok"}));
            assertEquals(1, registry.getSampleValue("pgloom_peer_forward_seconds_count"));

            Peers.Row row2 = p.rows().get(1);
            assertEquals("ok", row2.lastResult());
            assertEquals(1, row2.forwardedOk());
            assertTrue(p.rows().get(0).self());
        }
    }

    @Test
    void unknownPeersAndSpentKeysAreDroppedAndCounted() {
        Peers p = peers(1, 1);
        assertEquals(Peers.Route.UNKNOWN_PEER, p.route(new CancelKeys(9).pid(1), new byte[] {0, 0, 0, 1}, "t"));
        assertEquals(1, count("unknown_peer"));
        assertEquals(Peers.Route.FORWARD_LOOP, p.route(new CancelKeys(2).pid(1), new byte[] {0, 0, 0, 0}, "t"));
        assertEquals(1, count("forward_loop"));
        // A protocol 3.2 client's 32-byte key carries the TTL in the same byte: routed the same way.
        assertEquals(Peers.Route.FORWARD_LOOP, p.route(new CancelKeys(2).pid(1), new byte[32], "t"));
        assertEquals(2, count("forward_loop"));
        assertEquals(Peers.Route.UNKNOWN_PEER, p.route(new CancelKeys(9).pid(1), new byte[32], "t"));
    }

    @Test
    void anUnreachablePeerFailsWithinTheTimeoutAndShowsInItsRow() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        Peers p = peers(1, dead);
        assertEquals(Peers.Route.FAILED, p.route(new CancelKeys(2).pid(1), new byte[] {0, 0, 0, 1}, "t"));
        assertEquals(1, count("peer_failed"));
        Peers.Row row = p.rows().get(1);
        assertEquals("failed", row.lastResult());
        assertEquals(1, row.forwardedFailed());
        assertTrue(row.lastAtMillis() > 0);
        assertTrue(!row.lastError().isEmpty());
    }

    @Test
    void withoutPeeringEveryKeyIsLocal() {
        Peers off = new Peers(
                new PeerSettings(null, new TreeMap<>()), () -> Duration.ofSeconds(1), cancels, registry, Clock.SYSTEM);
        assertEquals(Peers.Route.LOCAL, off.route(new CancelKeys(9).pid(1), new byte[] {0, 0, 0, 0}, "t"));
        assertTrue(off.rows().isEmpty());
    }
}
