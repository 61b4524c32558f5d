// One client connection from accept to close: startup and authentication (ClientLogin), then the
// client-to-server pump on this virtual thread, with the server-to-client pump on another per link. One catch
// ladder at the bottom picks what the client is told and the log level.
package io.pgloom.session;

import io.pgloom.config.Backends;
import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.PoolMode;
import io.pgloom.metrics.ErrorOrigin;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.PoolTimeoutException;
import io.pgloom.pool.PoolWaiter;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.pool.ServerPool;
import io.pgloom.route.ReadWriteRouter;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.session.settings.ClientSettings;
import io.pgloom.session.txn.PreparedStatements;
import io.pgloom.session.txn.ReplyTracker;
import io.pgloom.session.txn.SessionStateDetector;
import io.pgloom.session.txn.TxnClient;
import io.pgloom.trace.FlightRecorder;
import io.pgloom.trace.WireTap;
import io.pgloom.util.ResourceLock;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameReader;
import io.pgloom.wire.Messages;
import io.pgloom.wire.ProtocolException;
import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.tinylog.Logger;

public final class ClientSession implements Runnable {
    private static final AtomicLong IDS = new AtomicLong();
    /** Client inbound buffer (borrowed from the runtime's pool while in use); larger messages stream through it. */
    static final int CLIENT_BUFFER = 8 * 1024;
    /**
     * What an idle client holds of its own to wait for its next message: most requests (a query, a Bind of an
     * already prepared statement) fit, so a busy client rarely borrows either.
     */
    static final int CLIENT_IDLE_BUFFER = 256;

    public final long id = IDS.incrementAndGet();
    final ProxyRuntime runtime;
    /** The process's live sessions: this one is registered there from accept to close. */
    final Sessions sessions;
    /**
     * The client's socket and streams: replaced once by their TLS versions during login, before any pump runs. A
     * client of the Unix-domain socket has no Socket (null) but its channel, and never TLS.
     */
    Socket socket;

    final SocketChannel unixChannel;

    InputStream in;
    OutputStream out;
    volatile boolean tls;
    /** Both pumps and admin commands write to the client: one writer at a time. */
    private final ResourceLock outLock = new ResourceLock();

    final LinkState<ServerToClientPump> link = new LinkState<>();
    /** Transaction mode: reply positions for pgloom's own additions and removals (guarded by link.lock). */
    final ReplyTracker tracker = new ReplyTracker();
    /** Transaction mode: this client's named prepared statements. */
    final PreparedStatements statements = new PreparedStatements();

    FrameReader reader;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String terminateReason;

    /** The remote address of every Unix-socket client (SHOW CLIENTS, logs, the auth failure count). */
    static final String UNIX_ADDRESS = "unix";

    public final String remoteAddress;
    public final int remotePort;
    public final long connectedAtMillis;
    /** clock.nanoTime() at accept: client_login_timeout counts from here. */
    final long connectedNanos;

    volatile String user = "";
    volatile String database = "";
    volatile String applicationName = "";
    volatile PoolMode mode = PoolMode.SESSION;
    volatile ServerPool pool;
    /** The settings this client wants on every server it is linked to (startup, SETs, resets). */
    final ClientSettings settings;

    /** The interned settings a server must have for this client (ParameterSync.apply). */
    Map<String, String> targetSettings() {
        return settings.target(runtime.config().proxy().applicationNameAddHost());
    }

    /** Where a finished request's and transaction's durations go (this session's histograms, once logged in). */
    final LinkState.Timings timings = new LinkState.Timings() {
        @Override
        public void request(long nanos) {
            querySeconds.observe(nanos / 1e9);
        }

        @Override
        public void transaction(long nanos) {
            transactionSeconds.observe(nanos / 1e9);
        }
    };
    /** Transaction mode: kinds of session state already logged for this client (logged once each). */
    final Set<SessionStateDetector.Kind> reportedStateKinds = EnumSet.noneOf(SessionStateDetector.Kind.class);
    /** This client as the transaction-mode machinery (session.txn) sees it. */
    final TxnClient txn = new SessionTxnView(this);
    /** The last message headers each way (no bodies), dumped to the log when the session ends abnormally. */
    final FlightRecorder sent;

    final FlightRecorder received;
    /** Set while a trace covers this session, else null: the pumps read it once per run. */
    volatile WireTap tap;
    /** In the pool's line for a server right now (for SHOW CLIENTS and the waiting gauge). */
    volatile boolean waiting;

    volatile long waitStartNanos;
    volatile long lastRequestMillis;
    volatile String authMethod = "";
    /** Metric children resolved once at login (never per message). */
    Counter.Child bytesIn;

    Counter.Child bytesOut;
    Histogram.Child querySeconds;
    Histogram.Child transactionSeconds;
    Histogram.Child waitSeconds;
    /** This client's place in its pool's line, made once and reused for every wait (no allocation per transaction). */
    private PoolWaiter poolTicket;
    /**
     * target = "auto" in transaction mode: the router picks, per transaction, the primary's pool or the read pool
     * (standbys) as {@code pool}; null otherwise, and then {@code pool} never changes.
     */
    private ReadWriteRouter router;

    private ServerPool writePool, readPool;
    private PoolWaiter readTicket;

    /** At login: a transaction-mode client of a target = "auto" database gets a read pool and a router. */
    void routeReads(DatabaseConfig db) {
        if (mode != PoolMode.TRANSACTION || db.backends().target() != Backends.Target.AUTO) return;
        writePool = pool;
        readPool = runtime.pool(new PoolKey(database, user, true));
        router = new ReadWriteRouter(
                database,
                db.backends().readSplit(),
                settings.get("default_transaction_read_only"),
                runtime.metrics.routed);
    }

    /** The pool a server came from (the read pool's servers go back there). */
    ServerPool poolOf(ServerConn s) {
        return router != null && s.pool.reads() ? readPool : router != null ? writePool : pool;
    }

    int cancelPid;
    /** The secret of this client's cancel key: 4 bytes, or CancelRegistry.LONG_SECRET for protocol 3.2 clients. */
    byte[] cancelSecret;
    /** The protocol minor version agreed with the client at login: 0, or 2 for a client that asked for 3.2. */
    int protocolMinor;
    /** A replication connection's own server (ReplicationRelay), never pooled; null for every other client. */
    volatile ServerConn replicationServer;

    ClientSession(Sessions sessions, Socket socket, Runnable onClose) throws IOException {
        this(sessions, socket, null, socket.getInputStream(), socket.getOutputStream(), onClose);
    }

    /** A client of the Unix-domain socket: shown with address "unix" and the listen port, as PgBouncer shows it. */
    ClientSession(Sessions sessions, SocketChannel unix, Runnable onClose) {
        this(sessions, null, unix, Channels.newInputStream(unix), Channels.newOutputStream(unix), onClose);
    }

    private ClientSession(
            Sessions sessions, Socket socket, SocketChannel unix, InputStream in, OutputStream out, Runnable onClose) {
        this.sessions = sessions;
        this.runtime = sessions.runtime;
        this.socket = socket;
        this.unixChannel = unix;
        this.in = in;
        this.out = out;
        this.onClose = onClose;
        this.reader = newReader(in);
        InetSocketAddress ra = socket == null ? null : (InetSocketAddress) socket.getRemoteSocketAddress();
        this.remoteAddress =
                unix != null ? UNIX_ADDRESS : ra == null ? "?" : ra.getAddress().getHostAddress();
        this.remotePort = unix != null ? runtime.config().proxy().listenPort() : ra == null ? 0 : ra.getPort();
        this.connectedAtMillis = runtime.clock.currentTimeMillis();
        this.connectedNanos = runtime.clock.nanoTime();
        this.settings = new ClientSettings(remoteAddress, remotePort);
        int fr = runtime.config().proxy().flightRecorderSize();
        this.sent = new FlightRecorder(fr, '>');
        this.received = new FlightRecorder(fr, '<');
    }

    @Override
    public void run() {
        String reason = "client_close";
        String level = "info";
        String detail = "";
        boolean handedOver = false;
        try {
            if (!loginDone) {
                sessions.add(this);
                ReadSpin.loginStarted();
                try {
                    ClientLogin.run(this);
                } finally {
                    ReadSpin.loginEnded();
                }
                Logger.info(
                        "event=client_login client={} user={} database={} application_name={} remote={}:{} tls={} auth_method={} pool_mode={}",
                        this,
                        user,
                        database,
                        applicationName,
                        remoteAddress,
                        remotePort,
                        tls,
                        authMethod,
                        mode.name().toLowerCase());
                // The session goes on on a fresh virtual thread: a virtual thread keeps the largest stack it ever
                // parked with (about 3 KiB during a SCRAM or MD5 exchange), and an idle client should hold only the
                // small one of its read loop. Once per connection; the login thread ends here.
                loginDone = true;
                handedOver = true;
                Thread.ofVirtual()
                        .name(Thread.currentThread().getName())
                        .uncaughtExceptionHandler(Thread.currentThread().getUncaughtExceptionHandler())
                        .start(this);
                return;
            }
            if (replicationServer != null) ReplicationRelay.run(this);
            else new ClientToServerPump(this).run();
        } catch (SessionClosed e) {
            reason = e.reason();
            detail = e.getMessage();
            if (e.sqlState() != null) sendFatal(e.sqlState(), e.clientMessage(), e.relayed());
            level = switch (e.reason()) {
                case "client_eof", "client_close" -> user.isEmpty() ? "debug" : "info"; // TCP probes say nothing
                case "cancel_request" -> "debug";
                default -> "warn";
            };
        } catch (SocketTimeoutException e) {
            reason = user.isEmpty() ? "client_login_timeout" : "client_timeout";
            detail = e.getMessage();
            sendFatal(
                    SqlState.PROTOCOL_VIOLATION,
                    user.isEmpty() ? "client_login_timeout: no login within the time allowed" : "client timeout");
            level = "warn";
        } catch (ProtocolException e) {
            reason = "protocol_violation";
            detail = e.getMessage();
            sendFatal(SqlState.PROTOCOL_VIOLATION, e.getMessage());
            level = "warn";
        } catch (EOFException e) {
            reason = terminateReason != null ? terminateReason : "client_eof";
            detail = e.getMessage();
        } catch (IOException e) {
            reason = terminateReason != null ? terminateReason : "client_io_error";
            detail = e.getMessage();
        } catch (InterruptedException e) {
            reason = "interrupted";
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            reason = "internal_error";
            level = "error";
            detail = e.toString();
            sendFatal(SqlState.INTERNAL_ERROR, "internal error in pgloom; see its log for client " + this);
            Logger.error(e, "event=internal_error client={}", this);
        } finally {
            if (!handedOver) teardown();
        }
        Timeouts.Expired timedOut = expired;
        if (timedOut != null) { // ended by the janitor: the socket closed under this thread was the timeout
            reason = timedOut.reason;
            detail = timedOut.detail;
            level = "warn";
        }
        SessionEnding.record(this, reason, detail, level);
    }

    /** Whether the login completed (the ending is then counted as a disconnect, not a failed connection). */
    volatile boolean loggedIn;
    /** Set by the login thread before it starts the thread that serves the session; the janitor reads it too. */
    private volatile boolean loginDone;

    void loggedIn(String method) {
        loggedIn = true;
        authMethod = method;
        runtime.metrics
                .clientConnections
                .labels("ok", String.valueOf(tls), method)
                .inc();
        runtime.metrics.handshakeSeconds.observe((runtime.clock.currentTimeMillis() - connectedAtMillis) / 1e3);
        bytesIn = runtime.metrics.bytes.labels(database, user, "client_to_server");
        bytesOut = runtime.metrics.bytes.labels(database, user, "server_to_client");
        querySeconds = runtime.metrics.querySeconds.labels(database, user);
        transactionSeconds = runtime.metrics.transactionSeconds.labels(database, user);
        waitSeconds = runtime.metrics.waitSeconds.labels(database, user);
    }

    /** When the write in progress to the client started (0: none). One that does not return: the client stopped reading. */
    private volatile long writeStartedNanos;

    /** Writes bytes to the client; pumps and admin commands serialise here. */
    void write(byte[] b, int off, int len) throws IOException {
        outLock.lock();
        try {
            writeStartedNanos = runtime.clock.nanoTime();
            out.write(b, off, len);
        } finally {
            writeStartedNanos = 0;
            outLock.unlock();
        }
    }

    /**
     * The janitor's check of this session's timeouts (Timeouts decides): what ends the session when one ran out,
     * else null. The session is marked at once, so the next pass does not end it again; ending it may wait for its
     * writer, so the janitor runs what this returns on a thread of its own. A login has only client_login_timeout;
     * an admin console has none.
     */
    Runnable expiredTimeout(long now, Timeouts.Limits limits) {
        if (closed.get() || terminateReason != null) return null;
        if (!loggedIn) {
            // Login reads are untimed (a timed read costs a timer per read on a virtual thread): the janitor ends a
            // login that takes too long, TLS handshake and authentication included.
            Timeouts.Expired e = Timeouts.checkLogin(limits, now, connectedNanos);
            if (e == null) return null;
            expired = e;
            terminateReason = e.reason;
            return () -> terminate(e.reason, e.sqlState, e.clientMessage(limits));
        }
        if (!loginDone || replicationServer != null) return null; // replication: wal_sender_timeout's to judge
        boolean running;
        long requestStart;
        long txStart;
        boolean inTx;
        long lastReady;
        try (var h = link.lock.obtain()) {
            running = link.outstanding() > 0;
            requestStart = link.cycleStartNanos();
            txStart = link.txStartNanos();
            inTx = link.inTransaction();
            lastReady = link.lastReadyNanos();
        }
        Timeouts.Expired e = Timeouts.check(
                limits, now, running, requestStart, txStart, inTx, lastReady, clientWriteStalledNanos(now));
        if (e == null) return null;
        expired = e;
        terminateReason = e.reason;
        return () -> {
            // The network may be what is stuck: the cancel is sent in the background, never waited for.
            if (e == Timeouts.Expired.QUERY || running) CancelForwarder.cancelInBackground(this);
            terminate(e.reason, e.sqlState, e.clientMessage(limits));
        };
    }

    /** The (database, user) this session counts against in ClientCounts since its login was admitted, else null. */
    private String countedDatabase;

    private String countedUser;

    void countedAs(String database, String user) {
        countedDatabase = database;
        countedUser = user;
    }

    /** The timeout that ended this session, if one did (for the log line). */
    private volatile Timeouts.Expired expired;

    /** How long a write to the client has been blocked (it stopped reading: backpressure), or 0. */
    long clientWriteStalledNanos(long now) {
        long started = writeStartedNanos;
        return started == 0 ? 0 : Math.max(1, now - started);
    }

    void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    /**
     * How long pgloom's last words to a client may take. A client that stopped reading cannot take them (a pump may
     * even be blocked mid-message holding the writer); it must not keep this thread and its server forever.
     */
    private static final long FATAL_WRITE_MILLIS = 1000;

    void sendFatal(String sqlState, String message) {
        sendFatal(sqlState, message, false);
    }

    /** relayed: the SQLSTATE and text are PostgreSQL's (it refused pgloom's login), counted apart from pgloom's. */
    void sendFatal(String sqlState, String message, boolean relayed) {
        runtime.metrics
                .errorsSent
                .labels(sqlState, relayed ? ErrorOrigin.POSTGRESQL : ErrorOrigin.PGLOOM)
                .inc();
        // Past the deadline the socket is closed, which also wakes a pump blocked writing to it.
        Thread deadline = Thread.ofVirtual().name("pgloom-fatal-" + this).start(() -> {
            try {
                Thread.sleep(FATAL_WRITE_MILLIS);
                closeClientSocket();
            } catch (InterruptedException written) {
                // the error went out in time
            }
        });
        try {
            byte[] m = ErrorResponses.fatal(sqlState, message);
            write(m);
            WireTap t = tap;
            if (t != null) t.fromProxy(m);
        } catch (IOException ignored) {
            // the client is gone; nothing to tell
        } finally {
            deadline.interrupt();
        }
    }

    /**
     * Returns the linked server with the replies about to be written already counted, linking one from the pool
     * first when none is (transaction mode). Checking the link and counting happen under one lock hold, so the
     * server-to-client pump can never release the server between the two.
     */
    ServerConn linkForWrite(int replies, int unsyncedChange, byte[] run, int start, int end)
            throws IOException, SessionClosed, InterruptedException {
        try (var h = link.lock.obtain()) {
            if (link.server() != null) {
                count(replies, unsyncedChange);
                return link.server();
            }
        }
        if (router != null) { // a transaction starts: the run that starts it says where it goes
            boolean standby = router.route(run, start, end, runtime.clock.nanoTime()) == ReadWriteRouter.Route.STANDBY;
            pool = standby ? readPool : writePool;
        }
        ServerConn s = acquireServer();
        try {
            byte[] show = settings.onLink(s, runtime.config().proxy().applicationNameAddHost(), link.lock);
            if (show != null) write(show);
        } catch (IOException | SessionClosed e) {
            poolOf(s).discard(s, "parameter_sync_failed");
            throw e;
        }
        s.setReadTimeout(0); // replies may take as long as they take: query_timeout is the janitor's (Timeouts)
        try (var h = link.lock.obtain()) {
            // The last link's pump is reused when it ran only inline; a pump thread may still be finishing with its
            // own.
            ServerToClientPump last = link.pump();
            link.link(s, last != null && !link.pumpThreadRunning() ? last.relink(s) : new ServerToClientPump(this, s));
            s.linkedClientId(id);
            tracker.reset();
            count(replies, unsyncedChange);
        }
        return s;
    }

    /**
     * Transaction mode, after a run of client messages was written to the linked server: who reads the replies.
     * A request the client finished (it ends in Sync or Query, nothing else is buffered) is answered inline on this
     * thread; anything else (pipelines still arriving, Flush, COPY IN) gets the pump on its own thread, which runs
     * until the link ends.
     */
    void afterForward(ServerConn server, boolean finishedRequest) throws SessionClosed {
        ServerToClientPump pump;
        try (var h = link.lock.obtain()) {
            if (link.server() != server || link.pumpThreadRunning() || link.pump() == null) return;
            pump = link.pump();
            if (!finishedRequest) link.pumpThreadStarted();
        }
        if (finishedRequest) {
            if (pump.runInline()) return;
            try (var h = link.lock.obtain()) {
                if (link.pump() != pump) return; // the link ended meanwhile
                link.pumpThreadStarted();
            }
        }
        pump.startThread();
    }

    /** " - address:port" for application_name on servers when application_name_add_host is on, else null. */
    String hostSuffix() {
        return settings.hostSuffix(runtime.config().proxy().applicationNameAddHost());
    }

    /** Counts a run written to the linked server (link lock held). */
    private void count(int replies, int unsyncedChange) {
        if (link.requestWritten(replies, unsyncedChange, runtime.clock))
            lastRequestMillis = runtime.clock.currentTimeMillis();
    }

    ServerConn acquireServer() throws SessionClosed, InterruptedException {
        long t0 = runtime.clock.nanoTime();
        waitStartNanos = t0;
        waiting = true;
        try {
            PoolWaiter ticket;
            if (pool == readPool) {
                if (readTicket == null) readTicket = pool.newWaiter();
                ticket = readTicket;
            } else {
                if (poolTicket == null) poolTicket = pool.newWaiter();
                ticket = poolTicket;
            }
            ServerConn s = pool.acquire(ticket);
            (waitSeconds != null ? waitSeconds : runtime.metrics.waitSeconds.labels(database, user))
                    .observe((runtime.clock.nanoTime() - t0) / 1e9);
            return s;
        } catch (PoolTimeoutException e) {
            throw SessionClosed.fatal(
                    "query_wait_timeout",
                    SqlState.QUERY_CANCELED,
                    "query_wait_timeout: no server connection was free in time",
                    e.getMessage());
        } catch (ServerLoginException e) {
            throw e.toSessionClosed();
        } finally {
            waiting = false;
        }
    }

    /** Shutdown: close now if nothing is in flight; otherwise the server-to-client pump closes at the next idle point. */
    void shutdownIfIdle() {
        boolean idleNow;
        try (var h = link.lock.obtain()) {
            idleNow = link.idle() && (link.server() == null || mode == PoolMode.SESSION);
        }
        if (idleNow)
            terminate("shutdown", SqlState.ADMIN_SHUTDOWN, "terminating connection because pgloom is shutting down");
    }

    /** Ends the session from outside its threads (shutdown, admin KILL, timeouts): tell the client, close the socket. */
    void terminate(String reason, String sqlState, String message) {
        if (terminateReason == null) terminateReason = reason;
        if (sqlState != null) sendFatal(sqlState, message);
        closeClientSocket();
        // A client thread waiting inline for its server's reply would not see its socket close until the reply
        // came: closing the server wakes it (the server could not be reused anyway, its request never finished).
        ServerConn waitingOn = inlineServer;
        if (waitingOn != null) waitingOn.closeSocket();
    }

    /** The server this client's thread is reading replies from inline right now, or null. */
    volatile ServerConn inlineServer;

    /** Switches to the TLS socket after the handshake (login only, before the pumps start). */
    void upgrade(SSLSocket ssl) throws IOException {
        socket = ssl;
        in = ssl.getInputStream();
        out = ssl.getOutputStream();
        reader = newReader(in);
        tls = true;
    }

    private FrameReader newReader(InputStream stream) {
        return new FrameReader(
                stream,
                CLIENT_IDLE_BUFFER,
                sessions.clientBuffers,
                Math.max(CLIENT_BUFFER, runtime.config().proxy().maxPacketSize()));
    }

    /** Whether this client came through the Unix-domain socket. */
    boolean unix() {
        return unixChannel != null;
    }

    void closeClientSocket() {
        try {
            if (unixChannel != null) unixChannel.close();
            else socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /**
     * Gives the server back or closes it. A clean one in session mode gets the reset query first, run by its pump,
     * which then releases it. One the client left inside a transaction with nothing in flight gets a ROLLBACK (and
     * the reset query) the same way, within server_connect_timeout, and is reused once it answers 'I'. A server with
     * a request in flight is closed (its transaction rolls back): never handed to another client.
     */
    private void teardown() {
        if (!closed.compareAndSet(false, true)) return;
        closeClientSocket();
        ServerConn discard = null;
        boolean abandoned = false;
        ServerToClientPump startPump = null;
        boolean pinnedAtEnd;
        try (var h = link.lock.obtain()) {
            pinnedAtEnd = link.pinned();
            ServerConn s = link.server();
            if (s != null && !link.detaching()) {
                // The reset query's reply is read by the pump thread; in transaction mode there may be none (replies
                // are read inline), and a server linked but idle there was written to without a reply: close it.
                boolean pumpReads = mode == PoolMode.SESSION || link.pumpThreadRunning();
                boolean rollback = link.quietInTransaction() && (pumpReads || link.pump() != null);
                abandoned = !link.idle();
                if (link.pinned()) {
                    // The state that pinned it (LISTEN, temp tables, locks ...) must go with the client.
                    if (link.sever(s)) discard = s;
                } else if ((rollback || link.idle() && pumpReads) && !runtime.shuttingDown()) {
                    try {
                        s.out.write(detachQueries(rollback));
                        link.detach(rollback ? 2 : 1, rollback);
                        if (rollback) {
                            // A server that does not answer the ROLLBACK in time is closed by its pump (read timeout).
                            s.setReadTimeout((int) runtime.config()
                                    .proxy()
                                    .serverConnectTimeout()
                                    .toMillis());
                            if (!link.pumpThreadRunning()) {
                                link.pumpThreadStarted();
                                startPump = link.pump();
                            }
                        }
                    } catch (IOException e) {
                        if (link.sever(s)) discard = s;
                    }
                } else if (link.sever(s)) {
                    discard = s;
                }
            }
        }
        if (startPump != null) startPump.startThread();
        ReplicationRelay.close(this);
        if (discard != null && abandoned && !runtime.shuttingDown()) {
            runtime.metrics.abandonedTransactions.labels("closed").inc();
        }
        if (discard != null) {
            String why = runtime.shuttingDown()
                    ? "shutdown"
                    : pinnedAtEnd ? "pinned_client_left" : "client_left_mid_transaction";
            poolOf(discard).discard(discard, why);
        }
        if (cancelPid != 0) sessions.cancels.unregister(cancelPid, this);
        if (countedDatabase != null) runtime.clientCounts.release(countedDatabase, countedUser);
        sessions.remove(this);
        onClose.run();
    }

    /** What pgloom writes to a server its client left: ROLLBACK first if a transaction is open, then the reset. */
    private byte[] detachQueries(boolean rollback) {
        String reset = runtime.config().proxy().serverResetQuery();
        byte[] last = reset.isEmpty() ? Messages.SYNC : Messages.query(reset);
        if (!rollback) return last;
        byte[] first = Messages.ROLLBACK;
        byte[] both = Arrays.copyOf(first, first.length + last.length);
        System.arraycopy(last, 0, both, first.length, last.length);
        return both;
    }

    boolean isClosed() {
        return closed.get();
    }

    String terminateReason() {
        return terminateReason;
    }

    @Override
    public String toString() {
        return "C-" + id;
    }
}
