// The one platform thread that accepts client connections and gives each its own virtual thread. The
// max_client_conn token is taken right after accept; a client over the limit is told 53300 (53200 while the heap is
// at new_client_heap_limit: HeapGuard) on a short-lived virtual thread with a deadline, so a flood cannot grow
// threads without bound. A failing accept (out of file
// descriptors) backs off and logs at most once a second (AcceptBackoff), so it cannot spin or flood the log.
// With unix_socket_dir, a second acceptor (UnixListener) serves the Unix-domain socket under the same limits.
package io.pgloom.session;

import io.pgloom.metrics.ErrorOrigin;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SqlState;
import io.pgloom.wire.StartupPacket;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.tinylog.Logger;

public final class Listener implements AutoCloseable {
    private static final int REJECT_TIMEOUT_MS = 5_000;
    private final ProxyRuntime runtime;
    private final Sessions sessions;
    private final ServerSocket serverSocket;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicInteger rejecting = new AtomicInteger();
    /** Open connections per source address (max_client_conn_per_address). */
    private final ConcurrentHashMap<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    private final Thread acceptor;
    /** The Unix-domain socket listener (unix_socket_dir), or null. */
    private final UnixListener unix;

    private volatile boolean closing;

    public Listener(Sessions sessions) throws IOException {
        this.sessions = sessions;
        this.runtime = sessions.runtime;
        var p = runtime.config().proxy();
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        if (p.soReuseport()) {
            if (!ss.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                throw new IOException("so_reuseport = true but this platform does not support SO_REUSEPORT");
            }
            ss.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        }
        String host = p.listenHost();
        InetSocketAddress addr =
                host.equals("*") ? new InetSocketAddress(p.listenPort()) : new InetSocketAddress(host, p.listenPort());
        ss.bind(addr, 1024);
        this.serverSocket = ss;
        for (String reason : AcceptBackoff.REASONS) runtime.metrics.acceptFailures.labels(reason); // exported at 0
        this.acceptor = Thread.ofPlatform().name("pgloom-accept").daemon(false).unstarted(this::acceptLoop);
        try {
            this.unix = p.unixSocket() ? new UnixListener(this, p, ss.getLocalPort()) : null;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ss);
            throw e;
        }
    }

    public void start() {
        acceptor.start();
        Logger.info("event=listening address={}:{}", runtime.config().proxy().listenHost(), port());
        if (unix != null) unix.start();
    }

    /** The Unix-domain socket file clients connect to, or null when unix_socket_dir is off. */
    public Path unixSocketFile() {
        return unix == null ? null : unix.file();
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    public boolean isAccepting() {
        return !closing && !serverSocket.isClosed();
    }

    public int clientCount() {
        return clients.get();
    }

    private void acceptLoop() {
        AcceptBackoff backoff = new AcceptBackoff();
        while (!closing) {
            Socket c;
            try {
                c = serverSocket.accept();
            } catch (IOException e) {
                if (closing) return;
                acceptFailed(backoff, e);
                continue;
            }
            long failures = backoff.succeeded();
            if (failures > 0) {
                Logger.warn("event=accept_recovered failed_accepts={} not_logged={}", failures, backoff.notLogged());
            }
            try {
                c.setTcpNoDelay(true);
                runtime.config().proxy().tcpKeepalive().applyTo(c);
            } catch (IOException e) {
                closeQuietly(c);
                continue;
            }
            String address = c.getInetAddress().getHostAddress();
            Admission a = admit(address);
            if (a.refusal() != null) {
                reject(c, a.sqlState(), a.refusal(), a.reason());
                continue;
            }
            try {
                startSession(new ClientSession(sessions, c, a.release()));
            } catch (IOException | RuntimeException e) {
                a.release().run();
                closeQuietly(c);
                Logger.warn("event=client_setup_failed error={}", e.getMessage());
            }
        }
    }

    /** A client's connection tokens: release gives them back; with a refusal (SQLSTATE, reason) none was taken. */
    record Admission(Runnable release, String sqlState, String refusal, String reason) {
        static Admission refused(String sqlState, String refusal, String reason) {
            return new Admission(null, sqlState, refusal, reason);
        }
    }

    /**
     * Takes the max_client_conn token (unless the heap is full: new_client_heap_limit) and, for a TCP client
     * ({@code address} not null), the max_client_conn_per_address one. Unix-socket clients all share one address,
     * so only max_client_conn counts for them.
     */
    Admission admit(String address) {
        int max = runtime.config().proxy().maxClientConn();
        if (clients.incrementAndGet() > max) {
            clients.decrementAndGet();
            return Admission.refused(
                    SqlState.TOO_MANY_CONNECTIONS,
                    "no more connections allowed (max_client_conn = " + max + ")",
                    "max_client_conn");
        }
        String lowMemory = runtime.heapGuard.refusal();
        if (lowMemory != null) {
            clients.decrementAndGet();
            return Admission.refused(SqlState.OUT_OF_MEMORY, lowMemory, "low_memory");
        }
        if (address == null) return new Admission(clients::decrementAndGet, null, null, null);
        int perMax = runtime.config().proxy().maxClientConnPerAddress();
        AtomicInteger mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (perMax > 0 && mine.incrementAndGet() > perMax) {
            mine.decrementAndGet();
            clients.decrementAndGet();
            return Admission.refused(
                    SqlState.TOO_MANY_CONNECTIONS,
                    "too many connections from " + address + " (max_client_conn_per_address = " + perMax + ")",
                    "max_client_conn_per_address");
        }
        if (perMax <= 0) mine.incrementAndGet();
        Runnable release = () -> {
            clients.decrementAndGet();
            if (mine.decrementAndGet() <= 0) perAddress.remove(address, mine);
        };
        return new Admission(release, null, null, null);
    }

    /** Serves an admitted client on a virtual thread of its own. */
    static void startSession(ClientSession s) {
        Thread.ofVirtual()
                .name("pgloom-client-" + s.id)
                .uncaughtExceptionHandler((t, e) -> Logger.error(e, "event=internal_error thread={}", t.getName()))
                .start(s);
    }

    /**
     * accept() failed, usually for want of file descriptors (EMFILE: this process's limit, ENFILE: the system's):
     * the connection stays in the backlog, so trying again at once fails again. Count it, log it at most once a
     * second, and wait (10 ms doubling to 1 s) before the next try; close() cuts the wait short.
     */
    void acceptFailed(AcceptBackoff backoff, IOException e) {
        String reason = AcceptBackoff.reason(e);
        runtime.metrics.acceptFailures.labels(reason).inc();
        long waitNanos = backoff.failed();
        if (backoff.log(runtime.clock.nanoTime())) {
            Logger.error(
                    "event=accept_failed reason={} error={} not_logged={} retry_in_ms={} clients={} "
                            + "hint=\"see runbook: File descriptors exhausted\"",
                    reason,
                    e.getMessage(),
                    backoff.notLogged(),
                    TimeUnit.NANOSECONDS.toMillis(waitNanos),
                    clients.get());
        }
        LockSupport.parkNanos(this, waitNanos);
    }

    /** Over a connection limit or out of memory: read the startup packet (bounded), answer sqlState, close. */
    private void reject(Socket c, String sqlState, String message, String reason) {
        try {
            c.setSoTimeout(REJECT_TIMEOUT_MS);
            String remote = c.getInetAddress().getHostAddress();
            reject(c, c.getInputStream(), c.getOutputStream(), false, remote, sqlState, message, reason);
        } catch (IOException e) {
            closeQuietly(c);
        }
    }

    /**
     * As above for any connection, {@code c} closed when done. Reads that cannot time out ({@code untimed}: a Unix
     * socket's channel) are ended by closing {@code c} after REJECT_TIMEOUT_MS.
     */
    void reject(
            Closeable c,
            InputStream in,
            OutputStream out,
            boolean untimed,
            String remote,
            String sqlState,
            String message,
            String reason) {
        if (rejecting.incrementAndGet() > 1000) {
            rejecting.decrementAndGet();
            closeQuietly(c);
            return;
        }
        Thread.ofVirtual().name("pgloom-reject").start(() -> {
            Thread deadline = untimed
                    ? Thread.ofVirtual().name("pgloom-reject-deadline").start(() -> {
                        try {
                            Thread.sleep(REJECT_TIMEOUT_MS);
                            closeQuietly(c);
                        } catch (InterruptedException done) {
                            // answered in time
                        }
                    })
                    : null;
            try (c) {
                for (int i = 0; i < 3; i++) {
                    StartupPacket pkt = StartupPacket.read(in, -1);
                    if (pkt.code() == MessageType.SSL_REQUEST || pkt.code() == MessageType.GSSENC_REQUEST) {
                        out.write(MessageType.TLS_REFUSE);
                        continue;
                    }
                    break;
                }
                out.write(ErrorResponses.fatal(sqlState, message));
                runtime.metrics
                        .clientConnections
                        .labels("rejected", "false", "")
                        .inc();
                runtime.metrics.errorsSent.labels(sqlState, ErrorOrigin.PGLOOM).inc();
                Logger.warn("event=client_rejected remote={} reason={}", remote, reason);
            } catch (IOException e) {
                // the client gave up first
            } finally {
                if (deadline != null) deadline.interrupt();
                rejecting.decrementAndGet();
            }
        });
    }

    /** Stops accepting; existing sessions are not touched. */
    @Override
    public void close() {
        closing = true;
        closeQuietly(serverSocket);
        LockSupport.unpark(acceptor);
        if (unix != null) unix.close();
    }

    boolean closing() {
        return closing;
    }

    ProxyRuntime runtime() {
        return runtime;
    }

    Sessions sessions() {
        return sessions;
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
