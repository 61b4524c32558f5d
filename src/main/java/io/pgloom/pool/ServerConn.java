// One connection from pgloom to a PostgreSQL server: its socket, its inbound buffer (kept across links so no
// byte is lost between two clients), the parameters it reported, and its cancel key.
package io.pgloom.pool;

import io.pgloom.wire.FrameReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

public final class ServerConn {
    private static final AtomicLong IDS = new AtomicLong();

    public final long id = IDS.incrementAndGet();
    public final PoolKey pool;
    public final String host;
    public final int port;
    private final Socket socket;
    public final InputStream in;
    public final OutputStream out;
    /** Inbound buffer; the server-to-client pump scans it in place. */
    public final FrameReader reader;
    /** Parameters as the server last reported them (ParameterStatus) or as pgloom set them itself. */
    public final Map<String, String> parameters = new ConcurrentHashMap<>();
    /** What the server reported at login: the base every client's settings start from (empty until then). */
    private volatile Map<String, String> loginParameters = Map.of();
    /**
     * Settings the server does not report back (not GUC_REPORT) that differ from its login values as far as pgloom
     * knows: set by pgloom for a client, or by a client itself (then unknown until read back).
     */
    public final Map<String, String> unreportedSets = new ConcurrentHashMap<>();
    /**
     * pgloom-named prepared statements that exist on this server (transaction mode), least recently used first.
     * Touched only by the session linked to the server; handed over with the server under the pool lock.
     */
    public final java.util.LinkedHashMap<String, Boolean> prepared = new java.util.LinkedHashMap<>(16, 0.75f, true);
    /**
     * The (interned) client settings this server is known to have, or null when unknown: a client asking for the
     * same settings is linked without comparing them one by one. Cleared by whatever changes the server's settings.
     */
    public volatile Map<String, String> settingsMatch;

    public final long createdNanos;
    /** This server's share of server_lifetime (jitter), drawn once by its pool when it opened it. */
    volatile double lifetimeShare = 1.0;
    /** The pool's generation when this connection was opened (RECONNECT retires older ones). */
    volatile int generation;

    private volatile long lastUsedNanos;
    private volatile ServerState state = ServerState.LOGIN;
    private volatile int backendPid;
    private volatile byte[] cancelSecret;
    private volatile int protocolMinor;
    private volatile long linkedClientId;
    /** Shared caps this connection counts against; given back once, when the socket closes. */
    private volatile java.util.List<ConnectionBudget> budgets = java.util.List.of();

    private final java.util.concurrent.atomic.AtomicBoolean budgetsReturned =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** Set once by the backend layer: runs once when the socket closes (per-host connection counts). */
    private volatile Runnable onClose;
    /** Why this connection must not be reused (its host is down, draining or no longer fits), or null. */
    private volatile String retired;
    /**
     * The socket's read timeout as last set through {@link #setReadTimeout}. Every link sets it, and
     * Socket.setSoTimeout was 1 % of a transaction's CPU, so an unchanged value is not set again. Once the
     * connection exists its socket's timeout is set only here, or this goes stale and a needed change is skipped
     * (query_timeout's tick was, after a login set the socket directly; FaultsIT covers it). Only the thread
     * that holds the connection (a linked session, the pool's check, the health checker) touches it; handing the
     * connection over goes through the pool's lock.
     */
    private int readTimeoutMillis;

    ServerConn(PoolKey pool, String host, int port, Socket socket, int bufferSize, int maxMessage, long nowNanos)
            throws IOException {
        this.pool = pool;
        this.host = host;
        this.port = port;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.reader = new FrameReader(in, bufferSize, maxMessage);
        this.readTimeoutMillis = socket.getSoTimeout();
        this.createdNanos = nowNanos;
        this.lastUsedNanos = nowNanos;
    }

    /** A server connection over an already-open socket with no login (pool benchmarks and tests). */
    public static ServerConn unauthenticated(PoolKey pool, Socket socket) throws IOException {
        return new ServerConn(
                pool,
                socket.getInetAddress().getHostAddress(),
                socket.getPort(),
                socket,
                1024,
                1 << 20,
                System.nanoTime());
    }

    public ServerState state() {
        return state;
    }

    void state(ServerState s) {
        state = s;
    }

    public int backendPid() {
        return backendPid;
    }

    public byte[] cancelSecret() {
        return cancelSecret;
    }

    /** The protocol minor version the server speaks on this connection: 2 (PostgreSQL 18 and newer) or 0. */
    public int protocolMinor() {
        return protocolMinor;
    }

    void protocolMinor(int minor) {
        protocolMinor = minor;
    }

    void backendKey(int pid, byte[] secret) {
        this.backendPid = pid;
        this.cancelSecret = secret;
    }

    public long lastUsedNanos() {
        return lastUsedNanos;
    }

    public void touch(long nowNanos) {
        lastUsedNanos = nowNanos;
    }

    public long linkedClientId() {
        return linkedClientId;
    }

    public void linkedClientId(long id) {
        linkedClientId = id;
    }

    public String serverVersion() {
        return parameters.getOrDefault("server_version", "");
    }

    public Map<String, String> loginParameters() {
        return loginParameters;
    }

    /** The login is complete: what the server reported so far is its own base. */
    void loginComplete() {
        loginParameters = Map.copyOf(parameters);
    }

    /** Records a ParameterStatus the server sent: its settings are no longer known to match anyone's. */
    public void reported(String name, String value) {
        parameters.put(name, value);
        settingsMatch = null;
    }

    /** True when pgloom already holds bytes of this idle connection, or closed it: no system call. */
    boolean hasBufferedInput() {
        return reader.buffered() > 0 || socket.isClosed();
    }

    /** True when bytes are waiting on an idle connection: the server spoke unasked (usually a FATAL before closing). */
    boolean hasUnexpectedInput() {
        try {
            return reader.buffered() > 0 || in.available() > 0 || socket.isClosed();
        } catch (IOException e) {
            return true;
        }
    }

    public void setReadTimeout(int millis) throws IOException {
        if (millis == readTimeoutMillis) return;
        socket.setSoTimeout(millis);
        readTimeoutMillis = millis;
    }

    /** A socket option as the kernel has it now (tests check keepalive settings on real sockets). */
    public <T> T socketOption(java.net.SocketOption<T> option) throws IOException {
        return socket.getOption(option);
    }

    public boolean isClosed() {
        return socket.isClosed();
    }

    /** Closes the socket; a blocked reader of it wakes with an exception. */
    void budgets(java.util.List<ConnectionBudget> b) {
        budgets = b;
    }

    public void onClose(Runnable r) {
        onClose = r;
    }

    /** Marks this connection as not to be reused: the pool closes it when idle or when it comes back; null undoes it. */
    public void retire(String reason) {
        retired = reason;
    }

    /** Why this connection is retired (server_closed reason=...), or null when it may be reused. */
    public String retired() {
        return retired;
    }

    public void closeSocket() {
        state = ServerState.CLOSED;
        if (budgetsReturned.compareAndSet(false, true)) {
            budgets.forEach(ConnectionBudget::give);
            Runnable r = onClose;
            if (r != null) r.run();
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return "S-" + id + "(" + pool + " pid=" + backendPid + ")";
    }
}
