// One database's hosts and where its new server connections go: the host fitting its target with the fewest
// connections per weight, the current primary (which follows promotions), a SWITCHOVER pin. Every check result
// and failed connect comes through here, under one lock, and each state change is logged once.
package io.pgloom.backend;

import io.pgloom.config.Backends;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.util.Clock;
import io.pgloom.util.ResourceLock;
import io.pgloom.wire.SqlState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import org.tinylog.Logger;

public final class Failover {
    /** What the process does when routing changes (implemented by the session layer). */
    public interface Events {
        /** The host was marked down: end the sessions linked to it (their transactions are lost). */
        void hostDown(Backend b);

        /** A host fits again or the primary moved: pools may stop failing fast on an old error. */
        void routingChanged(String database);
    }

    public final String database;
    private final Clock clock;
    private final Events events;
    final ResourceLock lock = new ResourceLock();
    private final Condition changed = lock.newCondition();

    // ---- guarded by lock ----
    private Backends config;
    private List<Backend> backends;
    /** The host target primary goes to; follows promotions and SWITCHOVER. */
    private Backend primary;
    /** The last non-null primary, to count failovers across a gap with none. */
    private Backend lastPrimary;
    /** SWITCHOVER's choice; honoured while it fits (during the switchover's own check, even before). */
    private Backend pinned;

    private boolean pinOnTrial;
    private long failovers;
    private long lastFailoverMillis;

    Failover(String database, Backends config, Clock clock, Events events) {
        this.database = database;
        this.clock = clock;
        this.events = events;
        this.config = config;
        List<Backend> list = new ArrayList<>();
        for (Backends.Host h : config.hosts()) list.add(new Backend(database, h, config.checked()));
        this.backends = List.copyOf(list);
    }

    /** RELOAD: same hosts keep their state and connections; removed ones are retired; new ones start unchecked. */
    List<Backend> reconfigure(Backends next) {
        List<Backend> removed = new ArrayList<>();
        try (var h = lock.obtain()) {
            Map<String, Backend> old = new LinkedHashMap<>();
            for (Backend b : backends) old.put(b.name, b);
            List<Backend> list = new ArrayList<>();
            for (Backends.Host host : next.hosts()) {
                Backend b = old.remove(host.name());
                if (b == null || config.checked() != next.checked()) b = new Backend(database, host, next.checked());
                b.host = host;
                list.add(b);
            }
            removed.addAll(old.values());
            config = next;
            backends = List.copyOf(list);
            if (primary != null && !backends.contains(primary)) primary = null;
            if (pinned != null && !backends.contains(pinned)) pinned = null;
            elect(null, "reload");
            changed.signalAll();
        }
        for (Backend b : removed) {
            b.retireAll("backend_removed");
            Logger.info("event=backend_removed database={} host={} connections={}", database, b.name, b.servers.size());
        }
        return removed;
    }

    public Backends config() {
        try (var h = lock.obtain()) {
            return config;
        }
    }

    public List<Backend> backends() {
        try (var h = lock.obtain()) {
            return backends;
        }
    }

    public boolean checked() {
        return config().checked();
    }

    /** The host named "host:port" (or just "host" when only one port is listed for it), or null. */
    public Backend find(String name) {
        Backend byHost = null;
        int hostMatches = 0;
        for (Backend b : backends()) {
            if (b.name.equals(name)) return b;
            if (b.hostName().equals(name) || ("[" + b.hostName() + "]").equals(name)) {
                byHost = b;
                hostMatches++;
            }
        }
        return hostMatches == 1 ? byHost : null;
    }

    // ---- routing ----

    /**
     * A host for a new server connection, counted against it at once. Waits (up to {@code wait}) while no host
     * fits the target, e.g. between a primary's death and a standby's promotion.
     */
    Backend acquire(Duration wait) throws ServerLoginException, InterruptedException {
        return acquire(wait, null, false);
    }

    /**
     * As {@link #acquire(Duration)}, for a host fitting {@code target} instead of the database's (null: its own),
     * or with {@code reads} for the read pool of a target auto database (standbys in rotation).
     */
    Backend acquire(Duration wait, Backends.Target target, boolean reads)
            throws ServerLoginException, InterruptedException {
        Backends.Target fit = target == null ? config.target() : target;
        long deadline = clock.nanoTime() + wait.toNanos();
        try (var h = lock.obtain()) {
            while (true) {
                Backend b = reads && fit == Backends.Target.AUTO ? pickRead() : pick(fit);
                if (b != null) {
                    b.connections.incrementAndGet();
                    return b;
                }
                long left = deadline - clock.nanoTime();
                if (left <= 0) {
                    String why = allStandbysLag()
                            ? "every standby of database \"" + database + "\" lags past max_replica_lag_bytes/"
                                    + "max_replica_lag_seconds and replica_lag_fallback is error"
                            : "no host of database \"" + database + "\" fits target " + fit.label() + " now";
                    throw new ServerLoginException(
                            allStandbysLag() ? "replicas_lagging" : "no_backend",
                            SqlState.CONNECTION_FAILURE,
                            why + " (" + describe() + ")",
                            null);
                }
                changed.awaitNanos(left);
            }
        }
    }

    /** Call with the lock held. */
    private Backend pick() {
        return pick(config.target());
    }

    private Backend pick(Backends.Target t) {
        if (!config.checked()) return backends.get(0);
        if (pinned != null && usable(pinned) && fits(pinned, t)) return pinned;
        return switch (t) {
            case PRIMARY -> primaryIfUsable();
            case STANDBY -> pickRead();
            case AUTO -> primaryIfUsable();
            case PREFER_STANDBY -> {
                Backend s = leastLoaded(BackendRole.STANDBY, null);
                yield s != null ? s : primaryIfUsable();
            }
            case ANY -> leastLoaded(BackendRole.STANDBY, BackendRole.PRIMARY);
        };
    }

    /** A standby in read rotation; the primary when every standby lags and replica_lag_fallback allows. */
    private Backend pickRead() {
        Backend s = leastLoaded(BackendRole.STANDBY, null);
        return s == null && allStandbysLag() && config.replicaLag().fallbackToPrimary() ? primaryIfUsable() : s;
    }

    private Backend primaryIfUsable() {
        return primary != null && usable(primary) && primary.role == BackendRole.PRIMARY ? primary : null;
    }

    private static boolean usable(Backend b) {
        return b.up && !b.draining && b.everChecked;
    }

    static boolean fits(Backend b, Backends.Target t) {
        return switch (t) {
            case PRIMARY, AUTO -> b.role == BackendRole.PRIMARY;
            case STANDBY -> b.role == BackendRole.STANDBY;
            case PREFER_STANDBY, ANY -> b.role == BackendRole.PRIMARY || b.role == BackendRole.STANDBY;
        };
    }

    /** Whether some usable standby exists and every one is out of read rotation for its lag. Lock held. */
    private boolean allStandbysLag() {
        boolean any = false;
        for (Backend b : backends) {
            if (!usable(b) || b.role != BackendRole.STANDBY) continue;
            if (!b.lagging) return false;
            any = true;
        }
        return any;
    }

    /**
     * Least connections per weight among usable hosts of the roles given, lagging standbys left out; ties go to the
     * heavier, then the first.
     */
    private Backend leastLoaded(BackendRole r1, BackendRole r2) {
        Backend best = null;
        double bestLoad = 0;
        for (Backend b : backends) {
            if (!usable(b) || (b.role != r1 && b.role != r2) || b.lagging) continue;
            double load = (b.connections.get() + 1.0) / b.host.weight();
            if (best == null || load < bestLoad || load == bestLoad && b.host.weight() > best.host.weight()) {
                best = b;
                bestLoad = load;
            }
        }
        return best;
    }

    /** Whether a new server connection could be placed now (readiness); null when yes, else why not. */
    public String readiness() {
        try (var h = lock.obtain()) {
            if (!config.checked() || pick() != null) return null;
            for (Backend b : backends) {
                if (b.checkBlocked) {
                    return "health checks cannot run on " + b.name + ": " + b.lastError + " (" + describe() + ")";
                }
            }
            return "no host fits target " + config.target().label() + " (" + describe() + ")";
        }
    }

    /** Whether some host's last check could not run for pgloom's own reasons (pgloom_backend_uncheckable_databases). */
    boolean uncheckable() {
        try (var h = lock.obtain()) {
            if (!config.checked()) return false;
            for (Backend b : backends) if (b.checkBlocked) return true;
            return false;
        }
    }

    /** Whether the database keeps a fitting host if b stops taking work (DRAIN's safety check). */
    boolean fitsWithout(Backend b) {
        try (var h = lock.obtain()) {
            if (!config.checked()) return false;
            boolean was = b.draining;
            b.draining = true;
            try {
                return pick() != null;
            } finally {
                b.draining = was;
            }
        }
    }

    /** "h1:5432 primary up, h2:5432 standby down" for error messages. */
    private String describe() {
        StringBuilder sb = new StringBuilder();
        for (Backend b : backends) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(b.name).append(' ').append(b.role.label()).append(b.up ? " up" : " down");
            if (b.draining) sb.append(" draining");
            if (b.lagging) sb.append(" lagging ").append(lagText(b));
        }
        return sb.toString();
    }

    // ---- health results ----

    private static String lagText(Backend b) {
        return (b.lagBytes < 0 ? "?" : b.lagBytes) + " bytes/" + (b.lagSeconds < 0 ? "?" : b.lagSeconds) + " s";
    }

    /** A check passed: role found, WAL position and replay delay unknown. */
    void checkPassed(Backend b, BackendRole role) {
        checkPassed(b, role, -1, -1);
    }

    /**
     * A check passed: role found; lsn is the primary's current or the standby's replayed WAL position and
     * replaySeconds how far the standby's replay is behind (-1 unknown).
     */
    void checkPassed(Backend b, BackendRole role, long lsn, double replaySeconds) {
        boolean notify;
        try (var h = lock.obtain()) {
            long now = clock.currentTimeMillis();
            BackendRole before = b.role;
            boolean wasUp = b.up;
            b.failures = 0;
            b.checkBlocked = false;
            b.passes++;
            b.lastError = "";
            b.lastCheckMillis = now;
            b.role = role;
            if (!b.everChecked) {
                b.everChecked = true;
                b.up = true;
                Logger.info(
                        "event=backend_up database={} host={} role={} first_check=true",
                        database,
                        b.name,
                        role.label());
            } else if (!b.up && b.passes >= config.failover().recoveryThreshold()) {
                b.up = true;
                if ("backend_down".equals(b.retiring)) b.retiring = null;
                Logger.info(
                        "event=backend_up database={} host={} role={} checks_passed={}",
                        database,
                        b.name,
                        role.label(),
                        b.passes);
            }
            if (before != role && before != BackendRole.UNKNOWN) {
                Logger.warn(
                        "event=backend_role_changed database={} host={} from={} to={}",
                        database,
                        b.name,
                        before.label(),
                        role.label());
                // Its connections were made for the old role: replace them as they come back.
                if (!fits(b, config.target()) || config.target() == Backends.Target.PREFER_STANDBY)
                    b.retireAll("backend_role_changed");
            }
            Backend promoted = before == BackendRole.STANDBY && role == BackendRole.PRIMARY ? b : null;
            Backend oldPrimary = primary;
            elect(promoted, promoted != null ? "promotion" : "check");
            boolean wasLagging = b.lagging;
            measureLag(b, role, lsn, replaySeconds);
            notify = b.up != wasUp || before != role || oldPrimary != primary || b.lagging != wasLagging;
            if (notify) changed.signalAll();
        }
        if (notify) events.routingChanged(database);
    }

    /**
     * Records b's lag (a standby's bytes behind the primary's last seen LSN) and takes it out of read rotation past
     * max_replica_lag_bytes / max_replica_lag_seconds, back once below half of both. Lock held.
     */
    private void measureLag(Backend b, BackendRole role, long lsn, double replaySeconds) {
        b.lsn = lsn;
        long primaryLsn = primary != null && primary != b ? primary.lsn : -1;
        boolean standby = role == BackendRole.STANDBY;
        if (!standby && b.lagging) { // promoted: a primary has no lag
            b.lagging = false;
            if (LAGGING.equals(b.retiring)) b.retireAll(null);
        }
        b.lagBytes = standby && lsn >= 0 && primaryLsn >= 0 ? Math.max(0, primaryLsn - lsn) : -1;
        b.lagSeconds = standby ? replaySeconds : -1;
        Backends.ReplicaLag limits = config.replicaLag();
        boolean allBefore = allStandbysLag();
        boolean was = b.lagging;
        if (!standby || !limits.limited()) b.lagging = false;
        else if (!was) b.lagging = limits.exceeded(b.lagBytes, b.lagSeconds);
        else b.lagging = !limits.caughtUp(b.lagBytes, b.lagSeconds);
        if (b.lagging == was) return;
        if (b.lagging) {
            Logger.warn(
                    "event=replica_lagging database={} host={} lag_bytes={} lag_seconds={} max_replica_lag_bytes={} "
                            + "max_replica_lag_seconds={}",
                    database,
                    b.name,
                    b.lagBytes,
                    b.lagSeconds,
                    limits.maxBytes(),
                    limits.maxDelay().toMillis() / 1e3);
            b.retireAll(LAGGING);
        } else {
            Logger.info(
                    "event=replica_caught_up database={} host={} lag_bytes={} lag_seconds={}",
                    database,
                    b.name,
                    b.lagBytes,
                    b.lagSeconds);
            if (LAGGING.equals(b.retiring)) b.retireAll(null);
            // Reads that went to the primary meanwhile come back as their connections are returned.
            Backends.Target t = config.target();
            if (primary != null && (t == Backends.Target.STANDBY || t == Backends.Target.PREFER_STANDBY))
                primary.retireOpen("standby_back_in_rotation", false);
            else if (primary != null && t == Backends.Target.AUTO)
                primary.retireOpen("standby_back_in_rotation", true); // the read pool's only
        }
        boolean allNow = allStandbysLag();
        if (allNow && !allBefore) {
            Logger.warn(
                    "event=replica_all_lagging database={} reads_go_to={}",
                    database,
                    limits.fallbackToPrimary() ? "primary" : "none (replica_lag_fallback = error)");
        }
    }

    /** Why a lagging standby's connections are closed (server_closed reason). */
    static final String LAGGING = "replica_lagging";

    /**
     * A health check could not run for pgloom's own reasons (no login to check with, credentials refused, a missing
     * database): the host is not judged, but its role and health go unknown until a check passes again.
     */
    void checkBlocked(Backend b, String error) {
        try (var h = lock.obtain()) {
            b.checkBlocked = true;
        }
        checkFailed(b, error, false);
    }

    /** A check or a connect failed. hostFault: the host itself is unreachable or refusing (counts toward down). */
    void checkFailed(Backend b, String error, boolean hostFault) {
        boolean down = false;
        try (var h = lock.obtain()) {
            b.lastCheckMillis = clock.currentTimeMillis();
            boolean repeated = error.equals(b.lastError);
            b.lastError = error;
            if (!hostFault) {
                // pgloom's own side is wrong (credentials, a dropped database): say so, but do not judge the host
                if (!repeated)
                    Logger.warn("event=backend_check_error database={} host={} error={}", database, b.name, error);
                return;
            }
            b.passes = 0;
            b.failures++;
            int threshold = config.failover().failoverThreshold();
            if (b.up && (b.failures >= threshold || !config.checked())) {
                b.up = false;
                down = config.checked();
                if (down) {
                    Logger.warn(
                            "event=backend_down database={} host={} role={} consecutive_failures={} error={}",
                            database,
                            b.name,
                            b.role.label(),
                            b.failures,
                            error);
                    b.retireAll("backend_down");
                    elect(null, "host_down");
                    changed.signalAll();
                }
            } else if (b.up) {
                Logger.warn(
                        "event=backend_check_failed database={} host={} consecutive_failures={} failover_threshold={} error={}",
                        database,
                        b.name,
                        b.failures,
                        threshold,
                        error);
            }
        }
        if (down) {
            events.hostDown(b);
            events.routingChanged(database);
        }
    }

    /** A server connection to b opened: for an unchecked host this is all pgloom knows of its health. */
    void connected(Backend b) {
        if (config().checked()) return;
        try (var h = lock.obtain()) {
            b.up = true;
            b.failures = 0;
            b.lastError = "";
        }
    }

    /**
     * Chooses the primary: the SWITCHOVER pin, a host just promoted, the current one while it holds, else the first
     * primary in config order. Call with the lock held.
     */
    private void elect(Backend promoted, String why) {
        if (pinned != null && !pinOnTrial && !(pinned.up && fits(pinned, config.target()))) {
            Logger.warn(
                    "event=switchover_pin_cleared database={} host={} reason={}",
                    database,
                    pinned.name,
                    pinned.up ? "role_" + pinned.role.label() : "down");
            pinned = null;
        }
        Backend next = null;
        if (pinned != null && pinned.up && pinned.role == BackendRole.PRIMARY) next = pinned;
        else if (promoted != null && promoted.up) next = promoted;
        else if (primary != null && primary.up && primary.role == BackendRole.PRIMARY) next = primary;
        else {
            for (Backend b : backends) {
                if (b.up && b.role == BackendRole.PRIMARY) {
                    next = b;
                    break;
                }
            }
        }
        if (next == primary) return;
        Backend old = primary;
        primary = next;
        if (next == null) {
            Logger.warn("event=primary_lost database={} previous={} hosts={}", database, old.name, describe());
            return;
        }
        boolean moved = lastPrimary != null && lastPrimary != next;
        if (moved) {
            failovers++;
            lastFailoverMillis = clock.currentTimeMillis();
        }
        Logger.warn(
                "event=primary_changed database={} from={} to={} reason={} failovers={}",
                database,
                lastPrimary == null ? "none" : lastPrimary.name,
                next.name,
                why,
                failovers);
        lastPrimary = next;
        // Writes stay with the new primary: the old one's connections (still up: two primaries) are replaced.
        if (old != null && (config.target() == Backends.Target.PRIMARY || config.target() == Backends.Target.AUTO))
            old.retireAll("primary_changed");
    }

    // ---- operator actions ----

    void drain(Backend b, boolean on) {
        try (var h = lock.obtain()) {
            b.draining = on;
            if (on) b.retireAll("backend_draining");
            else if ("backend_draining".equals(b.retiring)) b.retireAll(null);
            changed.signalAll();
        }
        events.routingChanged(database);
    }

    /** SWITCHOVER: points the database at b (on trial while its check runs); returns the pin it replaced. */
    Backend pin(Backend b, boolean trial) {
        Backend before;
        try (var h = lock.obtain()) {
            before = pinned;
            pinned = b;
            pinOnTrial = trial;
            elect(null, "switchover");
            changed.signalAll();
        }
        events.routingChanged(database);
        return before;
    }

    /** Whether b is up and fits this database's target (SWITCHOVER's success test). */
    boolean fitsNow(Backend b) {
        try (var h = lock.obtain()) {
            return b.up && b.everChecked && fits(b, config.target());
        }
    }

    /** The host new writes (or, for other targets, the SWITCHOVER pin) go to now, or null. */
    public Backend current() {
        try (var h = lock.obtain()) {
            return pinned != null ? pinned : primary;
        }
    }

    boolean isPrimary(Backend b) {
        try (var h = lock.obtain()) {
            return b == primary;
        }
    }

    public long failovers() {
        try (var h = lock.obtain()) {
            return failovers;
        }
    }

    /** Wall-clock millis of the last failover, 0 when none. */
    public long lastFailoverMillis() {
        try (var h = lock.obtain()) {
            return lastFailoverMillis;
        }
    }

    /** Row values read under the lock: role, up, draining, failures, last check, last error, replica lag. */
    record State(
            BackendRole role,
            boolean up,
            boolean draining,
            int failures,
            long lastCheckMillis,
            String lastError,
            boolean current,
            long lagBytes,
            double lagSeconds,
            boolean lagging) {}

    State state(Backend b) {
        try (var h = lock.obtain()) {
            boolean current = pinned != null ? b == pinned : b == primary;
            return new State(
                    b.role,
                    b.up,
                    b.draining,
                    b.failures,
                    b.lastCheckMillis,
                    b.lastError,
                    current,
                    b.lagBytes,
                    b.lagSeconds,
                    b.lagging);
        }
    }
}
