// server_lifetime jitter: each server lives its own share (85-100 %) of server_lifetime, so a pool opened at once
// does not reconnect at once. Driven by a hand-moved Clock over loopback sockets; no PostgreSQL, no waiting.
package io.pgloom.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.util.Clock;
import io.pgloom.wire.SqlState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerLifetimeJitterTest {
    private static final Duration LIFETIME = Duration.ofSeconds(3600);
    private final PoolKey key = new PoolKey("app", "app");
    private final List<Socket> sockets = new ArrayList<>();
    private ServerSocket backend;
    private long base;
    private long offset;
    /** When the last server opened (ServerConn.unauthenticated stamps System.nanoTime()): shares count from here. */
    private long opened;

    private final Clock clock = new Clock() {
        @Override
        public long nanoTime() {
            return base + offset;
        }

        @Override
        public long currentTimeMillis() {
            return TimeUnit.NANOSECONDS.toMillis(base + offset);
        }
    };

    @BeforeEach
    void loopback() throws IOException {
        // The kernel completes the connections into the backlog: the servers never need to be accepted.
        backend = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        base = System.nanoTime();
    }

    @AfterEach
    void close() throws IOException {
        for (Socket s : sockets) s.close();
        backend.close();
    }

    private ServerPool pool(int size) {
        PoolSettings s = new PoolSettings(
                size,
                0,
                0,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Duration.ZERO,
                LIFETIME,
                Duration.ofSeconds(1),
                Duration.ZERO,
                "");
        return new ServerPool(
                key,
                s,
                k -> {
                    try {
                        Socket socket = new Socket(backend.getInetAddress(), backend.getLocalPort());
                        sockets.add(socket);
                        return ServerConn.unauthenticated(k, socket);
                    } catch (IOException e) {
                        throw new ServerLoginException(
                                "server_unreachable", SqlState.CONNECTION_FAILURE, e.getMessage(), e);
                    }
                },
                clock);
    }

    /** Opens n servers at once and puts them back idle. */
    private List<ServerConn> warm(ServerPool pool, int n) throws Exception {
        List<ServerConn> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(pool.acquire());
        opened = out.get(n - 1).createdNanos;
        for (ServerConn c : out) pool.release(c);
        assertEquals(n, pool.servers().size());
        return out;
    }

    /** Moves the clock to that share of server_lifetime after the servers opened (they opened within a few ms). */
    private void at(double shareOfLifetime) {
        offset = opened - base + (long) (LIFETIME.toNanos() * shareOfLifetime);
    }

    @Test
    void eachServerIsRetiredAtItsOwnShareOfTheLifetime() throws Exception {
        ServerPool pool = pool(3);
        Iterator<Double> shares = List.of(0.85, 0.9, 1.0).iterator();
        pool.lifetimeShares(shares::next);
        List<ServerConn> servers = warm(pool, 3);
        at(0.849);
        pool.janitor();
        assertEquals(3, pool.servers().size(), "nobody is retired before 85 % of server_lifetime");
        at(0.86);
        pool.janitor();
        assertEquals(
                List.of(servers.get(1), servers.get(2)), sorted(pool.servers(), servers), "the 85 % one went first");
        at(0.95);
        pool.janitor();
        assertEquals(List.of(servers.get(2)), pool.servers());
        at(0.9999);
        pool.janitor();
        assertEquals(List.of(servers.get(2)), pool.servers(), "the last lives its full lifetime");
        at(1.0);
        pool.janitor();
        assertEquals(List.of(), pool.servers(), "and not a moment longer");
    }

    @Test
    void aServerComingBackPastItsShareIsClosedNotPooled() throws Exception {
        ServerPool pool = pool(1);
        pool.lifetimeShares(() -> 0.9);
        ServerConn c = pool.acquire();
        opened = c.createdNanos;
        at(0.91);
        pool.release(c);
        assertTrue(c.isClosed(), "closed on release");
        assertEquals(List.of(), pool.servers());
        ServerConn next = pool.acquire();
        assertTrue(next != c && !next.isClosed(), "a new server replaces it");
    }

    @Test
    void sharesOutsideTheRangeAreKeptInIt() throws Exception {
        ServerPool pool = pool(2);
        Iterator<Double> shares = List.of(0.1, 7.0).iterator();
        pool.lifetimeShares(shares::next);
        warm(pool, 2);
        at(0.8);
        pool.janitor();
        assertEquals(2, pool.servers().size(), "a share below 85 % counts as 85 %");
        at(1.0);
        pool.janitor();
        assertEquals(0, pool.servers().size(), "a share above 100 % counts as 100 %");
    }

    @Test
    void aPoolOpenedAtOnceSpreadsItsReconnectsOverTheLastFifteenPercent() throws Exception {
        // The real random shares: 200 servers opened together are retired over [85 %, 100 %], not all at once.
        ServerPool pool = pool(200);
        warm(pool, 200);
        int[] retiredBy = new int[16];
        for (int pct = 85; pct <= 100; pct++) {
            at(pct / 100.0);
            pool.janitor();
            retiredBy[pct - 85] = 200 - pool.servers().size();
        }
        assertEquals(200, retiredBy[15], "all are gone at 100 %");
        assertTrue(retiredBy[0] < 20, "few at 85 %: " + retiredBy[0]);
        assertTrue(retiredBy[7] > 50 && retiredBy[7] < 150, "about half by 92 %: " + retiredBy[7]);
        assertTrue(retiredBy[14] < 200, "some still open at 99 %: " + retiredBy[14]);
    }

    private static List<ServerConn> sorted(List<ServerConn> got, List<ServerConn> order) {
        return order.stream().filter(got::contains).toList();
    }
}
