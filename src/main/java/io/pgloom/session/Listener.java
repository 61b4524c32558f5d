// The one platform thread that accepts client connections and gives each its own virtual thread. The
// max_client_conn token is taken right after accept; a client over the limit is told 53300 (53200 while the heap is
// at new_client_heap_limit: HeapGuard) on a short-lived virtual thread with a deadline, so a flood cannot grow
// threads without bound. A failing accept (out of file
// descriptors) backs off and logs at most once a second (AcceptBackoff), so it cannot spin or flood the log.
package io.pgloom.session;

import io.pgloom.metrics.ErrorOrigin;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.SqlState;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
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
    }

    public void start() {
        acceptor.start();
        Logger.info("event=listening address={}:{}", runtime.config().proxy().listenHost(), port());
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
            int max = runtime.config().proxy().maxClientConn();
            if (clients.incrementAndGet() > max) {
                clients.decrementAndGet();
                reject(
                        c,
                        SqlState.TOO_MANY_CONNECTIONS,
                        "no more connections allowed (max_client_conn = " + max + ")",
                        "max_client_conn");
                continue;
            }
            String lowMemory = runtime.heapGuard.refusal();
            if (lowMemory != null) {
                clients.decrementAndGet();
                reject(c, SqlState.OUT_OF_MEMORY, lowMemory, "low_memory");
                continue;
            }
            String address = c.getInetAddress().getHostAddress();
            int perMax = runtime.config().proxy().maxClientConnPerAddress();
            AtomicInteger mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
            if (perMax > 0 && mine.incrementAndGet() > perMax) {
                mine.decrementAndGet();
                clients.decrementAndGet();
                reject(
                        c,
                        SqlState.TOO_MANY_CONNECTIONS,
                        "too many connections from " + address + " (max_client_conn_per_address = " + perMax + ")",
                        "max_client_conn_per_address");
                continue;
            }
            if (perMax <= 0) mine.incrementAndGet();
            Runnable release = () -> {
                clients.decrementAndGet();
                if (mine.decrementAndGet() <= 0) perAddress.remove(address, mine);
            };
            try {
                ClientSession s = new ClientSession(sessions, c, release);
                Thread.ofVirtual()
                        .name("pgloom-client-" + s.id)
                        .uncaughtExceptionHandler(
                                (t, e) -> Logger.error(e, "event=internal_error thread={}", t.getName()))
                        .start(s);
            } catch (IOException | RuntimeException e) {
                release.run();
                closeQuietly(c);
                Logger.warn("event=client_setup_failed error={}", e.getMessage());
            }
        }
    }

    /**
     * accept() failed, usually for want of file descriptors (EMFILE: this process's limit, ENFILE: the system's):
     * the connection stays in the backlog, so trying again at once fails again. Count it, log it at most once a
     * second, and wait (10 ms doubling to 1 s) before the next try; close() cuts the wait short.
     */
    private void acceptFailed(AcceptBackoff backoff, IOException e) {
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
        if (rejecting.incrementAndGet() > 1000) {
            rejecting.decrementAndGet();
            closeQuietly(c);
            return;
        }
        Thread.ofVirtual().name("pgloom-reject").start(() -> {
            try (c) {
                c.setSoTimeout(REJECT_TIMEOUT_MS);
                var in = c.getInputStream();
                for (int i = 0; i < 3; i++) {
                    StartupPacket pkt = StartupPacket.read(in, -1);
                    if (pkt.code() == MessageType.SSL_REQUEST || pkt.code() == MessageType.GSSENC_REQUEST) {
                        c.getOutputStream().write(MessageType.TLS_REFUSE);
                        continue;
                    }
                    break;
                }
                c.getOutputStream().write(ErrorResponses.fatal(sqlState, message));
                runtime.metrics
                        .clientConnections
                        .labels("rejected", "false", "")
                        .inc();
                runtime.metrics.errorsSent.labels(sqlState, ErrorOrigin.PGLOOM).inc();
                Logger.warn(
                        "event=client_rejected remote={} reason={}",
                        c.getInetAddress().getHostAddress(),
                        reason);
            } catch (IOException e) {
                // the client gave up first
            } finally {
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
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
