// Server connections for one (database, user): idle stack, size limit, and a FIFO of waiting clients. A released
// server goes straight to the longest waiter; connecting happens outside the lock so one slow login never blocks
// the pool.
package io.pgloom.pool;

import io.pgloom.util.Clock;
import io.pgloom.util.ResourceLock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.tinylog.Logger;

public final class ServerPool {
    private final PoolKey key;
    private final ServerFactory factory;
    private final Clock clock;
    private volatile PoolSettings settings;

    private final ResourceLock lock = new ResourceLock();
    /** Idle servers; the most recently used is taken first, so surplus ones age out on server_idle_timeout. */
    private final ArrayDeque<ServerConn> idle = new ArrayDeque<>();

    private final List<ServerConn> active = new ArrayList<>();
    private final ArrayDeque<PoolWaiter> waiters = new ArrayDeque<>();
    /** PAUSE: nobody gets a server until RESUME. */
    private boolean paused;
    /** RECONNECT: servers opened before the current generation are closed when they come back. */
    private int generation;

    private volatile boolean lastConnectFailed;
    private int connecting;
    private int tested;
    private boolean closed;
    private ServerLoginException lastLoginFailure;
    private long lastLoginFailureNanos;
    private final AtomicLong connectFailures = new AtomicLong();
    /**
     * Each server lives a random share of server_lifetime, uniformly in [LIFETIME_MIN_SHARE, 1], so a pool warmed
     * at once does not reconnect at once every lifetime (HikariCP and PgBouncer spread their lifetimes the same way).
     */
    static final double LIFETIME_MIN_SHARE = 0.85;

    static final DoubleSupplier RANDOM_LIFETIME_SHARE = () -> LIFETIME_MIN_SHARE
            + (1 - LIFETIME_MIN_SHARE) * ThreadLocalRandom.current().nextDouble();
    private volatile DoubleSupplier lifetimeShares = RANDOM_LIFETIME_SHARE;
    private final AtomicLong waitTimeouts = new AtomicLong();

    /** A waiter a client keeps for all its waits in this pool's line. */
    public PoolWaiter newWaiter() {
        return new PoolWaiter(lock);
    }

    /** max_db_connections / max_user_connections caps shared with other pools. */
    private final java.util.List<ConnectionBudget> budgets;

    public ServerPool(PoolKey key, PoolSettings settings, ServerFactory factory, Clock clock) {
        this(key, settings, factory, clock, java.util.List.of());
    }

    public ServerPool(
            PoolKey key,
            PoolSettings settings,
            ServerFactory factory,
            Clock clock,
            java.util.List<ConnectionBudget> budgets) {
        this.budgets = budgets;
        this.key = key;
        this.settings = settings;
        this.factory = factory;
        this.clock = clock;
    }

    /**
     * Transaction mode: the ParameterStatus set of a server of this pool and the client settings it was made
     * with, so a new client can be welcomed without waiting for a server (PgBouncer does the same).
     */
    public record Welcome(java.util.Map<String, String> reported, java.util.Map<String, String> requested) {}

    private volatile Welcome welcome;

    public Welcome welcome() {
        return welcome;
    }

    public void welcome(Welcome w) {
        welcome = w;
    }

    public PoolKey key() {
        return key;
    }

    public PoolSettings settings() {
        return settings;
    }

    public void settings(PoolSettings s) {
        settings = s;
        try (var h = lock.obtain()) {
            signalHead();
        }
    }

    /**
     * Takes a server for a client, waiting in line up to query_wait_timeout.
     *
     * @throws PoolTimeoutException when none became free in time
     * @throws ServerLoginException when a new connection was needed and could not be opened
     */
    public ServerConn acquire() throws PoolTimeoutException, ServerLoginException, InterruptedException {
        return acquire(null);
    }

    /** As {@link #acquire()}, queueing with the caller's own reusable waiter (null: one is made if it must wait). */
    public ServerConn acquire(PoolWaiter ticket)
            throws PoolTimeoutException, ServerLoginException, InterruptedException {
        PoolSettings s = settings;
        long start = clock.nanoTime();
        long waitNanos = s.queryWaitTimeout().isZero()
                ? Long.MAX_VALUE
                : s.queryWaitTimeout().toNanos();
        while (true) {
            ServerConn candidate = null;
            boolean handedOver = false;
            boolean connect = false;
            boolean budgetBlocked = false;
            PoolWaiter me = null;
            lock.lock();
            try {
                while (true) {
                    if (closed)
                        throw new ServerLoginException(
                                "pool_closed",
                                io.pgloom.wire.SqlState.ADMIN_SHUTDOWN,
                                "pool " + key + " is closed",
                                null);
                    if (me != null && me.handed != null) {
                        candidate = me.handed;
                        handedOver = true;
                        break;
                    }
                    // PAUSE holds everyone in line (query_wait_timeout still applies); RESUME lets the line move.
                    boolean myTurn = !paused && (me == null ? waiters.isEmpty() : waiters.peekFirst() == me);
                    if (myTurn) {
                        candidate = idle.pollFirst();
                        if (candidate != null) {
                            if (me != null) waiters.remove(me);
                            activate(candidate);
                            candidate.state(ServerState.ACTIVE);
                            break;
                        }
                        // reserve_pool_size: extra servers for a client that has waited reserve_pool_timeout.
                        PoolSettings cur = settings;
                        boolean reserve = cur.reserveSize() > 0
                                && clock.nanoTime() - start
                                        >= cur.reserveTimeout().toNanos();
                        int limit = cur.size() + (reserve ? cur.reserveSize() : 0);
                        if (total() < limit) {
                            if (loginRecentlyFailed()) {
                                if (me != null) {
                                    waiters.remove(me);
                                    signalHead();
                                }
                                throw lastLoginFailure;
                            }
                            if (takeBudgets()) {
                                if (me != null) waiters.remove(me);
                                connecting++;
                                connect = true;
                                break;
                            }
                            budgetBlocked = true;
                        }
                    }
                    if (me == null) {
                        me = (ticket != null ? ticket : new PoolWaiter(lock)).begin(start);
                        waiters.addLast(me);
                        warnSaturated(start);
                    }
                    long left = waitNanos == Long.MAX_VALUE ? Long.MAX_VALUE : waitNanos - (clock.nanoTime() - start);
                    if (left <= 0) {
                        waiters.remove(me);
                        signalHead();
                        waitTimeouts.incrementAndGet();
                        throw new PoolTimeoutException("query_wait_timeout: no server connection became free for pool "
                                + key + " within " + s.queryWaitTimeout().toMillis() + " ms");
                    }
                    me.deadlineNanos = waitNanos == Long.MAX_VALUE ? Long.MAX_VALUE : start + waitNanos;
                    me.recheck = budgetBlocked || settings.reserveSize() > 0;
                    budgetBlocked = false;
                    me.await();
                }
            } catch (InterruptedException e) {
                if (me != null) {
                    waiters.remove(me);
                    if (me.handed != null) releaseLocked(me.handed);
                    signalHead();
                }
                throw e;
            } finally {
                lock.unlock();
            }
            if (connect) return connectNew();
            if (isUsable(candidate, handedOver)) {
                candidate.touch(clock.nanoTime());
                return candidate;
            }
            discard(candidate, candidate.retired() != null ? candidate.retired() : "server_stale");
        }
    }

    /** server_login_retry: right after a failed login, new clients fail fast with the same error. */
    private boolean loginRecentlyFailed() {
        return lastLoginFailure != null
                && clock.nanoTime() - lastLoginFailureNanos
                        < settings.loginRetry().toNanos();
    }

    /** Takes one unit of every shared cap, or none. */
    private boolean takeBudgets() {
        for (int i = 0; i < budgets.size(); i++) {
            if (!budgets.get(i).tryTake()) {
                for (int j = 0; j < i; j++) budgets.get(j).give();
                return false;
            }
        }
        return true;
    }

    /** Whether the server has lived its share of server_lifetime (0 = forever). */
    private static boolean tooOld(PoolSettings s, ServerConn c, long now) {
        return !s.lifetime().isZero()
                && now - c.createdNanos >= (long) (s.lifetime().toNanos() * c.lifetimeShare);
    }

    /** Where the shares of server_lifetime come from (tests give fixed ones); each is kept in [min share, 1]. */
    void lifetimeShares(DoubleSupplier shares) {
        lifetimeShares = shares;
    }

    private ServerConn connectNew() throws ServerLoginException {
        ServerConn c;
        try {
            c = factory.open(key);
            c.lifetimeShare = Math.clamp(lifetimeShares.getAsDouble(), LIFETIME_MIN_SHARE, 1.0);
            c.budgets(budgets);
        } catch (ServerLoginException e) {
            budgets.forEach(ConnectionBudget::give);
            lastConnectFailed = true;
            connectFailures.incrementAndGet();
            try (var h = lock.obtain()) {
                connecting--;
                lastLoginFailure = e;
                lastLoginFailureNanos = clock.nanoTime();
                signalHead();
            }
            throw e;
        }
        lastConnectFailed = false;
        serverVersion = c.serverVersion();
        try (var h = lock.obtain()) {
            connecting--;
            lastLoginFailure = null;
            c.state(ServerState.ACTIVE);
            c.generation = generation;
            activate(c);
            if (closed) {
                deactivate(c);
                c.closeSocket();
                throw new ServerLoginException(
                        "pool_closed", io.pgloom.wire.SqlState.ADMIN_SHUTDOWN, "pool " + key + " is closed", null);
            }
        }
        Logger.info(
                "event=server_connected pool={} server={} backend_pid={} server_version={} protocol=3.{} host={}:{}",
                key,
                c.id,
                c.backendPid(),
                c.serverVersion(),
                c.protocolMinor(),
                c.host,
                c.port);
        return c;
    }

    /**
     * Below this idle time the socket is not asked whether the server spoke unasked (a FIONREAD system call per
     * acquire, 2 % of the CPU under load): a server that served a transaction a moment ago is alive, and a FATAL it
     * sent in that moment reaches the next client as the server's own error, as it would without a pooler.
     */
    private static final long PEEK_AFTER_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * A server idle for a while is checked before use; one that spoke unasked is dead or dirty. One handed over
     * straight from the transaction that released it is not asked either: it just answered, however long its new
     * client took to be scheduled.
     */
    private boolean isUsable(ServerConn c, boolean handedOver) {
        PoolSettings s = settings;
        long idleNanos = clock.nanoTime() - c.lastUsedNanos();
        if (c.retired() != null) return false;
        boolean peek = !handedOver && idleNanos >= PEEK_AFTER_IDLE_NANOS;
        if (peek ? c.hasUnexpectedInput() : c.hasBufferedInput()) return false;
        if (!s.checkDelay().isZero()
                && idleNanos >= s.checkDelay().toNanos()
                && !s.checkQuery().isEmpty()) {
            return ServerQueries.runToReady(c, s.checkQuery());
        }
        return true;
    }

    /** Returns a clean server (ReadyForQuery 'I', nothing outstanding) to the pool or to the next waiter. */
    public void release(ServerConn c) {
        c.touch(clock.nanoTime());
        c.linkedClientId(0);
        PoolSettings s = settings;
        boolean tooOld = tooOld(s, c, clock.nanoTime());
        if (tooOld || c.isClosed()) {
            discard(c, tooOld ? "server_lifetime" : "server_closed");
            return;
        }
        try (var h = lock.obtain()) {
            releaseLocked(c);
        }
    }

    private void releaseLocked(ServerConn c) {
        deactivate(c);
        if (closed
                || c.generation < generation
                || c.retired() != null
                || total() >= settings.size() + settings.reserveSize()) {
            // closing the pool, or the pool was shrunk by RELOAD: retire instead of keeping it
            c.closeSocket();
            signalHead();
            return;
        }
        PoolWaiter head = paused ? null : waiters.pollFirst(); // PAUSE: the line waits, the server parks idle
        if (head != null) {
            activate(c);
            c.state(ServerState.ACTIVE);
            head.handed = c;
            head.wake();
        } else {
            c.state(ServerState.IDLE);
            idle.addFirst(c);
        }
    }

    /** Closes a server that must not be reused (dirty, broken, too old) and lets a waiter open a new one. */
    public void discard(ServerConn c, String reason) {
        c.closeSocket();
        try (var h = lock.obtain()) {
            deactivate(c);
            idle.remove(c);
            signalHead();
        }
        Logger.info(
                "event=server_closed pool={} server={} backend_pid={} reason={}", key, c.id, c.backendPid(), reason);
    }

    /**
     * The janitor's waiter tick (every {@link Pools#WAITER_TICK}): wakes waiters whose query_wait_timeout passed
     * and those that must re-check a shared cap or the reserve pool (no cross-pool signalling is needed then).
     */
    void tickWaiters() {
        try (var h = lock.obtain()) {
            if (waiters.isEmpty()) return;
            long now = clock.nanoTime();
            for (PoolWaiter w : waiters) {
                if (w.recheck || now >= w.deadlineNanos) w.wake();
            }
        }
    }

    private void signalHead() {
        PoolWaiter head = waiters.peekFirst();
        if (head != null) head.wake();
    }

    /** Servers linked to clients in every pool of the process (a hint of load for ReadSpin, read without a lock). */
    private static final AtomicInteger LINKED = new AtomicInteger();

    public static int linkedServers() {
        return LINKED.get();
    }

    /** Call with the lock held: c is now linked to a client. */
    private void activate(ServerConn c) {
        active.add(c);
        LINKED.incrementAndGet();
    }

    /** Call with the lock held: c is no longer linked (back idle, handed on, or closed). */
    private void deactivate(ServerConn c) {
        if (active.remove(c)) LINKED.decrementAndGet();
    }

    private int total() {
        return idle.size() + active.size() + connecting + tested;
    }

    private long lastSaturationWarnNanos;

    /** A client had to queue: logged at most every 10 s per pool, so a saturated pool cannot flood the log. */
    private void warnSaturated(long now) {
        if (paused || now - lastSaturationWarnNanos < TimeUnit.SECONDS.toNanos(10)) return;
        lastSaturationWarnNanos = now;
        Logger.warn(
                "event=pool_saturated pool={} waiting={} pool_size={} servers={} hint=\"see runbook: Pool saturation\"",
                key,
                waiters.size(),
                settings.size(),
                total());
    }

    /** PAUSE / RESUME. Resuming wakes the line. */
    public void paused(boolean p) {
        try (var h = lock.obtain()) {
            paused = p;
            if (!p) for (PoolWaiter w : waiters) w.wake();
        }
    }

    public boolean paused() {
        try (var h = lock.obtain()) {
            return paused;
        }
    }

    /** RECONNECT: every server now open is replaced; idle ones are closed at once, busy ones when they come back. */
    public int reconnect() {
        List<ServerConn> retire;
        int gen;
        try (var h = lock.obtain()) {
            gen = ++generation;
            retire = new ArrayList<>(idle);
            idle.clear();
            signalHead();
        }
        retire.forEach(c -> {
            c.closeSocket();
            Logger.info(
                    "event=server_closed pool={} server={} backend_pid={} reason=reconnect", key, c.id, c.backendPid());
        });
        return gen;
    }

    /** Servers opened before the current generation that are still around (WAIT_CLOSE waits for 0). */
    public int oldServers() {
        try (var h = lock.obtain()) {
            int n = 0;
            for (ServerConn c : active) if (c.generation < generation) n++;
            return n;
        }
    }

    /** Servers linked to clients right now (PAUSE waits for 0). */
    public int activeServers() {
        try (var h = lock.obtain()) {
            return active.size();
        }
    }

    private volatile String serverVersion = "";

    /** server_version of the last server this pool opened (kept when the servers are gone). */
    public String serverVersion() {
        return serverVersion;
    }

    /** The backend routing changed (a failover, a host back up): new clients may try again at once. */
    public void forgetLoginFailure() {
        try (var h = lock.obtain()) {
            lastLoginFailure = null;
            signalHead();
        }
    }

    /** False when the last attempt to open a server connection failed (SHOW POOLS backend_up). */
    public boolean backendUp() {
        return !lastConnectFailed;
    }

    /** Janitor pass: retire idle servers past server_idle_timeout or server_lifetime; report how many to open. */
    public int janitor() {
        PoolSettings s = settings;
        long now = clock.nanoTime();
        List<ServerConn> retire = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        int missing;
        try (var h = lock.obtain()) {
            if (closed) return 0;
            Iterator<ServerConn> it = idle.iterator();
            while (it.hasNext()) {
                ServerConn c = it.next();
                boolean idleTooLong = !s.idleTimeout().isZero()
                        && now - c.lastUsedNanos() >= s.idleTimeout().toNanos()
                        && total() - retire.size() > s.minSize();
                boolean tooOld = tooOld(s, c, now);
                if (idleTooLong || tooOld || c.hasUnexpectedInput() || c.retired() != null) {
                    it.remove();
                    retire.add(c);
                    reasons.add(
                            c.retired() != null
                                    ? c.retired()
                                    : tooOld
                                            ? "server_lifetime"
                                            : idleTooLong ? "server_idle_timeout" : "server_stale");
                }
            }
            missing = Math.max(0, Math.min(s.minSize(), s.size()) - total());
            if (lastLoginFailure != null
                    && now - lastLoginFailureNanos < s.loginRetry().toNanos()) missing = 0;
        }
        for (int i = 0; i < retire.size(); i++) {
            ServerConn c = retire.get(i);
            c.closeSocket();
            Logger.info(
                    "event=server_closed pool={} server={} backend_pid={} reason={}",
                    key,
                    c.id,
                    c.backendPid(),
                    reasons.get(i));
        }
        return missing;
    }

    /** Opens one server and parks it idle (min_pool_size warm-up). */
    public void warmOne() {
        try (var h = lock.obtain()) {
            if (closed || total() >= settings.size() || !takeBudgets()) return;
            connecting++;
        }
        try {
            ServerConn c = connectNew();
            release(c);
        } catch (ServerLoginException e) {
            Logger.warn("event=server_connect_failed pool={} reason={} error={}", key, e.reason(), e.getMessage());
        }
    }

    /** Closes every idle server now and every active one as it comes back. */
    public void close() {
        List<ServerConn> all;
        try (var h = lock.obtain()) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
            for (PoolWaiter w : waiters) w.wake();
        }
        all.forEach(ServerConn::closeSocket);
    }

    /** Closes every server, linked or not (final step of shutdown). */
    public void closeAll() {
        close();
        List<ServerConn> all;
        try (var h = lock.obtain()) {
            all = new ArrayList<>(active);
        }
        all.forEach(ServerConn::closeSocket);
    }

    public PoolSnapshot snapshot() {
        try (var h = lock.obtain()) {
            long now = clock.nanoTime();
            PoolWaiter head = waiters.peekFirst();
            long maxWait = head == null ? 0 : now - head.sinceNanos;
            return new PoolSnapshot(
                    key,
                    settings.size(),
                    idle.size(),
                    active.size(),
                    connecting,
                    tested,
                    waiters.size(),
                    maxWait,
                    connectFailures.get(),
                    waitTimeouts.get());
        }
    }

    public List<ServerConn> servers() {
        try (var h = lock.obtain()) {
            List<ServerConn> all = new ArrayList<>(idle);
            all.addAll(active);
            return all;
        }
    }

    static long millisToNanos(long ms) {
        return TimeUnit.MILLISECONDS.toNanos(ms);
    }
}
