// Three pgloom processes (the real jar) as peers behind HAProxy in round-robin TCP mode: every client's cancel
// lands whichever instance HAProxy hands it to (pgjdbc Statement.cancel(), and psql's Ctrl-C when psql is
// installed), and with one instance SIGKILLed the others keep serving and cancels for its sessions fail cleanly.
// Skipped, saying why, without haproxy (scripts/install-test-tools.sh installs Debian's).
package io.pgloom.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.JarProcess;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.WireClient;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class PeerCancelIT {
    private static final int INSTANCES = 3;
    private static final int CLIENTS = 30;
    /** Long enough that only a cancel ends it inside the test's deadlines; short enough to bound a failed run. */
    private static final String SLEEP = "pg_sleep(20)";

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** Three peered pgloom processes and HAProxy in front of them; closing stops every process it started. */
    private static final class Fleet implements AutoCloseable {
        final int[] ports = new int[INSTANCES];
        final int[] http = new int[INSTANCES];
        final Process[] pgloom = new Process[INSTANCES];
        final Path[] logs = new Path[INSTANCES];
        final int front;
        Process haproxy;
        final Path dir;

        Fleet(PostgresFixture pg) throws Exception {
            dir = Files.createTempDirectory("pgloom-peers");
            for (int i = 0; i < INSTANCES; i++) {
                ports[i] = Await.freePort();
                http[i] = Await.freePort();
            }
            front = Await.freePort();
            StringBuilder peers = new StringBuilder();
            for (int i = 0; i < INSTANCES; i++)
                peers.append("[peers.%d]\nhost = \"127.0.0.1\"\nport = %d\n".formatted(i, ports[i]));
            for (int i = 0; i < INSTANCES; i++) {
                Path conf = dir.resolve("pgloom-" + i + ".toml");
                Files.writeString(conf, """
                        [proxy]
                        listen = "127.0.0.1:%d"
                        pool_mode = "transaction"
                        auth_type = "trust"
                        default_pool_size = 40
                        shutdown_timeout = 2
                        peer_id = %d
                        [admin]
                        http_listen = "127.0.0.1:%d"
                        [log]
                        level = "info"
                        [databases.app]
                        host = "127.0.0.1"
                        port = %d
                        dbname = "app"
                        [users.app]
                        password = "app"
                        %s
                        """.formatted(ports[i], i, http[i], pg.port(), peers));
                logs[i] = dir.resolve("pgloom-" + i + ".log");
                pgloom[i] = JarProcess.start(conf, logs[i]);
            }
            for (int i = 0; i < INSTANCES; i++) {
                int port = ports[i];
                Await.until(() -> Await.accepts(port), 60, "pgloom " + i + " to listen on " + port);
            }
            StringBuilder servers = new StringBuilder();
            for (int i = 0; i < INSTANCES; i++)
                servers.append("    server p%d 127.0.0.1:%d check inter 200ms fall 1 rise 1\n".formatted(i, ports[i]));
            Path cfg = dir.resolve("haproxy.cfg");
            Files.writeString(cfg, """
                    global
                        maxconn 1000
                    defaults
                        mode tcp
                        timeout connect 2s
                        timeout client 60s
                        timeout server 60s
                        retries 2
                        option redispatch
                    frontend pgloom
                        bind 127.0.0.1:%d
                        default_backend fleet
                    backend fleet
                        balance roundrobin
                    %s""".formatted(front, servers));
            haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("haproxy.log").toFile())
                    .start();
            Await.until(() -> Await.accepts(front), 20, "haproxy to listen on " + front);
        }

        String url() {
            return "jdbc:postgresql://127.0.0.1:" + front + "/app?user=app&password=app&connectTimeout=10";
        }

        /** pgloom_cancel_requests_total{result} of one instance, from its live /metrics. */
        double cancels(int instance, String result) throws Exception {
            String page = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http[instance] + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            String prefix = "pgloom_cancel_requests_total{result=\"" + result + "\",} ";
            return page.lines()
                    .filter(l -> l.startsWith(prefix))
                    .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                    .sum();
        }

        double cancelsEverywhere(String result) throws Exception {
            double sum = 0;
            for (int i = 0; i < INSTANCES; i++) if (pgloom[i].isAlive()) sum += cancels(i, result);
            return sum;
        }

        String logTails() throws IOException {
            StringBuilder b = new StringBuilder();
            for (Path l : logs) {
                List<String> lines = Files.readAllLines(l);
                b.append("\n--- ").append(l.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 15), lines.size())
                        .forEach(x -> b.append(x).append('\n'));
            }
            return b.toString();
        }

        /** Waits until PostgreSQL runs n queries carrying marker; on timeout the message has the instances' logs. */
        void awaitRunning(PostgresFixture pg, String marker, int n) throws Exception {
            try {
                Await.until(() -> running(pg, marker) == n, 60, n + " queries running in PostgreSQL");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + " (running: " + running(pg, marker) + ")" + logTails(), e);
            }
        }

        @Override
        public void close() throws Exception {
            if (haproxy != null) haproxy.destroy();
            for (Process p : pgloom) if (p != null) p.destroy();
            for (Process p : pgloom) if (p != null && !p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            if (haproxy != null && !haproxy.waitFor(5, TimeUnit.SECONDS)) haproxy.destroyForcibly();
        }
    }

    /** Queries carrying marker that PostgreSQL is running now. */
    static int running(PostgresFixture pg, String marker) throws SQLException {
        try (Connection c = pg.superuser();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                        + " AND query LIKE '%" + marker + "%' AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void endLeftovers(PostgresFixture pg, String marker) throws SQLException {
        try (Connection c = pg.superuser();
                Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%" + marker
                    + "%' AND pid <> pg_backend_pid()");
        }
    }

    @Test
    void everyCancelLandsWhicheverInstanceReceivesIt() throws Exception {
        Assumptions.assumeTrue(onPath("haproxy"), "haproxy is not installed (scripts/install-test-tools.sh)");
        PostgresFixture pg = PostgresFixture.shared();
        String marker = "peers_jdbc_" + System.nanoTime();
        try (Fleet fleet = new Fleet(pg);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Connection> conns = new ArrayList<>();
            try {
                List<Statement> statements = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    Connection c = DriverManager.getConnection(fleet.url());
                    conns.add(c);
                    statements.add(c.createStatement());
                }
                Map<Integer, Long> endedAt = new ConcurrentHashMap<>();
                List<Future<String>> outcomes = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    int n = i;
                    Statement st = statements.get(i);
                    outcomes.add(threads.submit(() -> {
                        try {
                            st.execute("SELECT /* " + marker + " */ " + SLEEP);
                            return "finished without a cancel";
                        } catch (SQLException e) {
                            return e.getSQLState();
                        } finally {
                            endedAt.put(n, System.nanoTime());
                        }
                    }));
                }
                fleet.awaitRunning(pg, marker, CLIENTS);
                long[] cancelAt = new long[CLIENTS];
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> cancels = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    int n = i;
                    cancels.add(threads.submit(() -> {
                        go.await();
                        cancelAt[n] = System.nanoTime();
                        statements.get(n).cancel();
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : cancels) f.get(10, TimeUnit.SECONDS);
                List<String> problems = new ArrayList<>();
                long slowest = 0;
                for (int i = 0; i < CLIENTS; i++) {
                    String state = outcomes.get(i).get(10, TimeUnit.SECONDS);
                    long ms = TimeUnit.NANOSECONDS.toMillis(endedAt.get(i) - cancelAt[i]);
                    slowest = Math.max(slowest, ms);
                    if (!"57014".equals(state) || ms > 1000)
                        problems.add("client " + i + ": " + state + " after " + ms + " ms");
                }
                assertEquals(List.of(), problems, "every query canceled within a second" + fleet.logTails());
                // Round robin sends most cancels to an instance that did not issue the key: they went via a peer.
                double viaPeer = fleet.cancelsEverywhere("peer_forwarded");
                assertTrue(viaPeer >= 1, "some cancels were forwarded between peers: " + viaPeer);
                System.out.printf(
                        "HAProxy round robin, %d pgjdbc cancels: all 57014, slowest %d ms, %.0f via a peer%n",
                        CLIENTS, slowest, viaPeer);
                assertEquals(CLIENTS, fleet.cancelsEverywhere("forwarded"), "each reached PostgreSQL once");
                assertEquals(0, fleet.cancelsEverywhere("unknown_key") + fleet.cancelsEverywhere("peer_failed"));
            } finally {
                for (Connection c : conns) c.close();
                endLeftovers(pg, marker);
            }
            if (onPath("psql")) psqlCancels(fleet, pg);
        }
    }

    /** psql's Ctrl-C (SIGINT) sends libpq's cancel through HAProxy too: each query ends with 57014. */
    private static void psqlCancels(Fleet fleet, PostgresFixture pg) throws Exception {
        String marker = "peers_psql_" + System.nanoTime();
        int n = 6;
        List<Process> psqls = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Path out = fleet.dir.resolve("psql-" + i + ".out");
                ProcessBuilder b = new ProcessBuilder(
                                "psql",
                                "-X",
                                "-h",
                                "127.0.0.1",
                                "-p",
                                String.valueOf(fleet.front),
                                "-U",
                                "app",
                                "-d",
                                "app",
                                "-v",
                                "VERBOSITY=verbose",
                                "-c",
                                "SELECT /* " + marker + " */ " + SLEEP)
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                b.environment().put("PGPASSWORD", "app");
                psqls.add(b.start());
                outputs.add(out);
            }
            fleet.awaitRunning(pg, marker, n);
            for (Process p : psqls) {
                new ProcessBuilder("kill", "-INT", String.valueOf(p.pid()))
                        .start()
                        .waitFor(5, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            for (int i = 0; i < n; i++) {
                long left = Math.max(1, deadline - System.nanoTime());
                assertTrue(psqls.get(i).waitFor(left, TimeUnit.NANOSECONDS), "psql " + i + " ended within a second");
                String out = Files.readString(outputs.get(i));
                assertTrue(out.contains("57014"), "psql " + i + " was canceled: " + out);
            }
        } finally {
            for (Process p : psqls) p.destroyForcibly();
            endLeftovers(pg, marker);
        }
    }

    /** Sends a CancelRequest through HAProxy; returns how long until the receiving instance closed it. */
    private static long cancelMillis(int port, int pid, byte[] secret) throws IOException {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(StartupPacket.encodeCancel(pid, secret));
            out.flush();
            InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "a cancel gets no reply, only the close");
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void aKilledInstanceCostsOnlyItsOwnSessionsAndItsCancelsFailCleanly() throws Exception {
        Assumptions.assumeTrue(onPath("haproxy"), "haproxy is not installed (scripts/install-test-tools.sh)");
        PostgresFixture pg = PostgresFixture.shared();
        String marker = "peers_kill_" + System.nanoTime();
        int victim = INSTANCES - 1;
        try (Fleet fleet = new Fleet(pg)) {
            List<WireClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 9; i++) {
                    WireClient c = WireClient.connect(fleet.front, "app", "app");
                    clients.add(c);
                    c.send(WireClient.query("SELECT /* " + marker + " */ " + SLEEP));
                }
                fleet.awaitRunning(pg, marker, clients.size());
                long onVictim = clients.stream()
                        .filter(c -> CancelKeys.peerOf(c.backendPid) == victim)
                        .count();
                assertTrue(onVictim > 0 && onVictim < clients.size(), "round robin spread the clients: " + onVictim);

                fleet.pgloom[victim].destroyForcibly(); // SIGKILL: no shutdown sequence, no goodbye to anyone
                assertTrue(fleet.pgloom[victim].waitFor(10, TimeUnit.SECONDS), "the killed instance exited");

                List<String> problems = new ArrayList<>();
                for (WireClient c : clients) {
                    int owner = CancelKeys.peerOf(c.backendPid);
                    long ms = cancelMillis(fleet.front, c.backendPid, c.backendSecret);
                    if (ms > 3000) problems.add("cancel for peer " + owner + " took " + ms + " ms");
                    if (owner == victim) continue; // its session died with it
                    long start = System.nanoTime();
                    List<String> reply = c.untilReady();
                    long ended = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + ms;
                    if (reply.stream().noneMatch(m -> m.startsWith("E 57014")) || ended > 1000)
                        problems.add("peer " + owner + ": " + reply + " after " + ended + " ms");
                }
                assertEquals(List.of(), problems, fleet.logTails());
                assertEquals(
                        (double) onVictim,
                        fleet.cancelsEverywhere("peer_failed"),
                        "each cancel for the dead instance's sessions was counted as a failed forward");
                for (int i = 0; i < 6; i++) {
                    try (Connection c = DriverManager.getConnection(fleet.url());
                            ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                        assertTrue(rs.next(), "the survivors keep serving");
                    }
                }
            } finally {
                for (WireClient c : clients) {
                    try {
                        c.close();
                    } catch (IOException ignored) {
                        // the dead instance's clients are closed already
                    }
                }
                endLeftovers(pg, marker);
            }
        }
    }
}
