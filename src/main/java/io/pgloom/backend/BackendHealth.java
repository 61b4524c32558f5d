// The health checks: one platform thread for every database (it also refreshes DNS, which must not run on a
// virtual thread), starting each host's check every health_check_period on a virtual thread of its own, so one
// slow host never delays another. A check asks pg_is_in_recovery() and the WAL position (and a standby's replay
// delay) on a connection kept between checks.
package io.pgloom.backend;

import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.wire.BodyCursor;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.ProtocolException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.tinylog.Logger;

final class BackendHealth {
    /**
     * Role; the primary's current WAL position or the standby's replayed one (as an integer); how many seconds the
     * standby's replay is behind (0 when it replayed all it received: an idle primary is not lag).
     */
    private static final String CHECK_QUERY = "SELECT r, pg_wal_lsn_diff(CASE WHEN r THEN pg_last_wal_replay_lsn() "
            + "ELSE pg_current_wal_lsn() END, '0/0')::bigint, CASE WHEN NOT r OR pg_last_wal_receive_lsn() = "
            + "pg_last_wal_replay_lsn() THEN 0 ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
            + "::float8 FROM pg_is_in_recovery() AS r";

    private static final long TICK_MILLIS = 50;

    private final Supplier<List<Failover>> databases;
    private final BackendRegistry.Prober prober;
    private final Thread thread;
    private volatile boolean running = true;

    BackendHealth(Supplier<List<Failover>> databases, BackendRegistry.Prober prober) {
        this.databases = databases;
        this.prober = prober;
        this.thread = Thread.ofPlatform().name("pgloom-health").daemon(true).unstarted(this::loop);
    }

    /** Checks every checked host once (in parallel, bounded by the check timeouts), then starts the loop. */
    void start() throws InterruptedException {
        List<Thread> first = new ArrayList<>();
        long deadline = 0;
        for (Failover f : databases.get()) {
            Duration timeout = f.config().failover().healthCheckTimeout();
            deadline = Math.max(deadline, System.nanoTime() + 2 * timeout.toNanos() + 500_000_000L);
            for (Backend b : f.backends()) {
                HostResolver.refresh(b);
                b.nextCheckNanos = System.nanoTime()
                        + f.config().failover().healthCheckPeriod().toNanos();
                if (f.checked())
                    first.add(Thread.ofVirtual().name("pgloom-check-" + b).start(() -> check(f, b)));
            }
        }
        for (Thread t : first) {
            long left = deadline - System.nanoTime();
            if (left > 0) t.join(Duration.ofNanos(left));
        }
        thread.start();
    }

    private void loop() {
        while (running) {
            long now = System.nanoTime();
            for (Failover f : databases.get()) {
                var cfg = f.config();
                for (Backend b : f.backends()) {
                    if (now < b.nextCheckNanos || b.checking) continue;
                    b.nextCheckNanos = now + cfg.failover().healthCheckPeriod().toNanos();
                    HostResolver.refresh(b);
                    if (!cfg.checked()) continue;
                    b.checking = true;
                    Thread.ofVirtual().name("pgloom-check-" + b).start(() -> {
                        try {
                            check(f, b);
                        } finally {
                            b.checking = false;
                        }
                    });
                }
            }
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One check of b, reported to its database's Failover. */
    void check(Failover f, Backend b) {
        Duration timeout = f.config().failover().healthCheckTimeout();
        try (var h = b.checkLock.obtain()) {
            try {
                ServerConn c = b.checkConn;
                if (c == null || c.isClosed()) {
                    c = prober.open(b, timeout);
                    b.checkConn = c;
                }
                c.setReadTimeout((int) Math.max(1, timeout.toMillis()));
                Probe p = probe(c);
                f.checkPassed(b, p.inRecovery ? BackendRole.STANDBY : BackendRole.PRIMARY, p.lsn, p.replaySeconds);
            } catch (ServerLoginException e) {
                b.closeCheckConnection();
                if (isHostFault(e)) f.checkFailed(b, e.getMessage(), true);
                else f.checkBlocked(b, e.getMessage());
            } catch (IOException e) {
                b.closeCheckConnection();
                f.checkFailed(b, "health check failed: " + e.getMessage(), true);
            } catch (RuntimeException e) {
                b.closeCheckConnection();
                Logger.error(e, "event=internal_error task=health_check host={}", b);
                f.checkBlocked(b, "health check failed: " + e);
            }
        }
    }

    /** Unreachable, timed out, starting up or shutting down: the host's fault. Wrong password, no database: ours. */
    static boolean isHostFault(ServerLoginException e) {
        String state = e.sqlState() == null ? "" : e.sqlState();
        if (e.relayed()) return state.startsWith("08") || state.startsWith("57P");
        return switch (e.reason()) {
            case "server_unreachable", "server_connect_timeout" -> true;
            default -> false;
        };
    }

    /** What one check found: a standby (in recovery) or not, its WAL position and replay delay (-1 unknown). */
    record Probe(boolean inRecovery, long lsn, double replaySeconds) {}

    /** Runs the check query on an unlinked connection. */
    private static Probe probe(ServerConn c) throws IOException {
        c.out.write(Messages.query(CHECK_QUERY));
        Probe result = null;
        String error = null;
        while (true) {
            int t = c.reader.next();
            if (t < 0) throw new IOException("server closed the connection");
            if (t == MessageType.DATA_ROW) {
                result = parseRow(c.reader.body());
            } else if (t == MessageType.ERROR_RESPONSE) {
                var fields = ErrorResponses.parse(c.reader.buffer(), c.reader.bodyStart(), c.reader.bodyLength());
                error = fields.sqlState() + " " + fields.message();
            } else if (t == MessageType.READY_FOR_QUERY) {
                if (error != null) throw new IOException(CHECK_QUERY + " failed: " + error);
                if (result == null) throw new IOException(CHECK_QUERY + " returned no row");
                return result;
            }
        }
    }

    /** The check's row: text values, NULL (unknown) as -1. */
    static Probe parseRow(BodyCursor body) throws ProtocolException {
        if (body.int16() != 3) throw new ProtocolException("the health check query returned an unexpected row");
        String role = column(body);
        String lsn = column(body);
        String seconds = column(body);
        if (role == null) throw new ProtocolException("pg_is_in_recovery() returned NULL");
        try {
            return new Probe(
                    role.equals("t"),
                    lsn == null ? -1 : Long.parseLong(lsn),
                    seconds == null ? -1 : Math.max(0, Double.parseDouble(seconds)));
        } catch (NumberFormatException e) {
            throw new ProtocolException("the health check query returned a value that is not a number");
        }
    }

    private static String column(BodyCursor body) throws ProtocolException {
        int len = body.int32();
        if (len < 0) return null;
        if (len > 64) throw new ProtocolException("the health check query returned a value of " + len + " bytes");
        return new String(body.bytes(len), StandardCharsets.US_ASCII);
    }

    void stop() {
        running = false;
        thread.interrupt();
    }
}
