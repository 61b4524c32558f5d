// Every database's hosts, kept in step with the config: where the runtime asks for a host for a new server
// connection and reports how opening it went, what DRAIN/UNDRAIN act on, and what SHOW BACKENDS and the
// pgloom_backend_* metrics read.
package io.pgloom.backend;

import io.pgloom.config.Backends;
import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.metrics.BackendRow;
import io.pgloom.metrics.BackendSource;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

public final class BackendRegistry implements BackendSource, AutoCloseable {
    /** How often DRAIN and SWITCHOVER re-check while they wait, and how often DRAIN logs its progress. */
    private static final long POLL_MILLIS = 50;

    private static final long PROGRESS_LOG_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final ConcurrentHashMap<String, Failover> databases = new ConcurrentHashMap<>();
    /** What logCheckLogin last said per database. */
    private final ConcurrentHashMap<String, String> checkLogins = new ConcurrentHashMap<>();

    private final Clock clock;
    private final Failover.Events events;
    private BackendHealth health;

    public BackendRegistry(ProxyConfig config, Clock clock, Failover.Events events) {
        this.clock = clock;
        this.events = events;
        configure(config);
    }

    /** Opens a login to a host with the credentials pgloom uses for its database (health checks). */
    public interface Prober {
        ServerConn open(Backend b, Duration timeout) throws ServerLoginException;
    }

    /** Runs the first health check of every host (bounded), then checks them every health_check_period. */
    public void start(Prober prober) throws InterruptedException {
        health = new BackendHealth(this::all, prober);
        health.start();
    }

    /** RELOAD: databases added, removed or with other hosts; unchanged hosts keep their state. */
    public void configure(ProxyConfig c) {
        for (DatabaseConfig db : c.databases().values()) {
            Failover f = databases.get(db.name());
            if (f == null) databases.put(db.name(), new Failover(db.name(), db.backends(), clock, events));
            else f.reconfigure(db.backends());
            logCheckLogin(c, db);
        }
        for (String name : List.copyOf(databases.keySet())) {
            if (!c.databases().containsKey(name)) {
                Failover gone = databases.remove(name);
                for (Backend b : gone.backends()) b.retireAll("backend_removed");
                checkLogins.remove(name);
            }
        }
    }

    /** Says once per change who a database's health checks log in as (or that they cannot), at start and RELOAD. */
    private void logCheckLogin(ProxyConfig c, DatabaseConfig db) {
        HealthCheckLogin.Choice choice = db.backends().checked() ? HealthCheckLogin.choose(c, db) : null;
        String said = !db.backends().checked() ? "" : choice == null ? "none" : choice.user() + "/" + choice.source();
        if (said.equals(checkLogins.put(db.name(), said)) || said.isEmpty()) return;
        if (choice != null) {
            Logger.info(
                    "event=health_check_login database={} user={} source={}",
                    db.name(),
                    choice.user(),
                    choice.source().label());
        } else {
            Logger.error(
                    "event=health_check_login database={} user=none error={}",
                    db.name(),
                    HealthCheckLogin.missing(c, db));
        }
    }

    List<Failover> all() {
        return List.copyOf(databases.values());
    }

    public Failover failover(String database) {
        return databases.get(database);
    }

    /** A host for a new server connection of the database, waiting up to {@code wait} while none fits. */
    public Backend acquire(String database, Duration wait) throws ServerLoginException, InterruptedException {
        return acquire(database, wait, null, false);
    }

    /**
     * As above, for a host fitting {@code target} rather than the database's own (null: its own; replication: the
     * primary), or with {@code reads} for a target auto database's read pool (a standby in rotation).
     */
    public Backend acquire(String database, Duration wait, Backends.Target target, boolean reads)
            throws ServerLoginException, InterruptedException {
        Failover f = databases.get(database);
        if (f == null) f = databases.get(DatabaseConfig.WILDCARD); // an auto-created database: the wildcard's host
        if (f == null) {
            throw new ServerLoginException(
                    "database_removed",
                    io.pgloom.wire.SqlState.INVALID_CATALOG_NAME,
                    "database \"" + database + "\" is no longer configured",
                    null);
        }
        return f.acquire(wait, target, reads);
    }

    /** The connection acquire() was for opened. */
    public void connected(Backend b, ServerConn c) {
        b.attach(c);
        Failover f = databases.get(b.database);
        if (f != null) f.connected(b);
    }

    /** The connection acquire() was for failed: a failed connect counts like a failed check. */
    public void connectFailed(Backend b, ServerLoginException e) {
        b.connections.decrementAndGet();
        Failover f = databases.get(b.database);
        if (f != null) f.checkFailed(b, e.getMessage(), BackendHealth.isHostFault(e));
    }

    /** null when the database can place a new server connection now, else why not (/readyz). */
    public String readiness(String database) {
        Failover f = databases.get(database);
        return f == null ? "not configured" : f.readiness();
    }

    // ---- DRAIN / UNDRAIN ----

    private List<Backend> matching(String host) {
        List<Backend> out = new ArrayList<>();
        for (Failover f : all()) {
            Backend b = f.find(host);
            if (b != null) out.add(b);
        }
        return out;
    }

    /**
     * DRAIN host: no new server connection or transaction goes to it (in every database listing it); connections
     * to it close as their clients finish. Returns null once none is left, else what went wrong or remains.
     */
    public String drain(String host) throws InterruptedException {
        List<Backend> hosts = matching(host);
        if (hosts.isEmpty()) return "no backend host \"" + host + "\"; SHOW BACKENDS lists them";
        for (Backend b : hosts) {
            Failover f = databases.get(b.database);
            if (!f.state(b).draining() && !f.fitsWithout(b)) {
                return "DRAIN " + host + " refused: database \"" + b.database + "\" would have no host fitting target "
                        + f.config().target().label() + " (promote or add one first, or PAUSE " + b.database + ")";
            }
        }
        Duration timeout =
                databases.get(hosts.get(0).database).config().failover().drainTimeout();
        for (Backend b : hosts) databases.get(b.database).drain(b, true);
        Logger.info(
                "event=drain_started host={} databases={} connections={} sessions={} drain_timeout_s={}",
                host,
                hosts.stream().map(b -> b.database).toList(),
                count(hosts, false),
                count(hosts, true),
                timeout.toSeconds());
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextLog = System.nanoTime() + PROGRESS_LOG_NANOS;
        int left;
        while ((left = count(hosts, false)) > 0 && System.nanoTime() < deadline) {
            if (System.nanoTime() > nextLog) {
                Logger.info(
                        "event=drain_progress host={} connections={} sessions_remaining={}",
                        host,
                        left,
                        count(hosts, true));
                nextLog = System.nanoTime() + PROGRESS_LOG_NANOS;
            }
            Thread.sleep(POLL_MILLIS);
        }
        if (left == 0) {
            Logger.info("event=drain_complete host={}", host);
            return null;
        }
        int sessions = count(hosts, true);
        Logger.warn("event=drain_incomplete host={} connections={} sessions_remaining={}", host, left, sessions);
        return "DRAIN " + host + " did not complete within " + timeout.toSeconds() + " s: " + sessions
                + " session(s) still linked to it (session mode: until their clients leave); it gets no new work until UNDRAIN";
    }

    private static int count(List<Backend> hosts, boolean linkedOnly) {
        int n = 0;
        for (Backend b : hosts) n += linkedOnly ? b.sessions() : b.servers.size();
        return n;
    }

    /** UNDRAIN host: it takes new work again. Returns null, or why not. */
    public String undrain(String host) {
        List<Backend> hosts = matching(host);
        if (hosts.isEmpty()) return "no backend host \"" + host + "\"; SHOW BACKENDS lists them";
        for (Backend b : hosts) databases.get(b.database).drain(b, false);
        Logger.info(
                "event=undrain host={} databases={}",
                host,
                hosts.stream().map(b -> b.database).toList());
        return null;
    }

    /**
     * Runs b's check until it is up and fits its database's target, or the time runs out. Returns null when it
     * does, else what it last was (SWITCHOVER).
     */
    String checkUntilFits(Failover f, Backend b, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            health.check(f, b);
            if (f.fitsNow(b)) return null;
            if (System.nanoTime() >= deadline) {
                Failover.State s = f.state(b);
                return s.up() ? "it is " + s.role().label() : "it is down (" + s.lastError() + ")";
            }
            Thread.sleep(POLL_MILLIS * 4);
        }
    }

    // ---- SHOW BACKENDS and metrics ----

    @Override
    public List<BackendRow> backends() {
        List<BackendRow> rows = new ArrayList<>();
        List<String> names = new ArrayList<>(databases.keySet());
        names.sort(null);
        for (String db : names) {
            Failover f = databases.get(db);
            if (f == null) continue;
            var cfg = f.config();
            for (Backend b : f.backends()) {
                Failover.State s = f.state(b);
                rows.add(new BackendRow(
                        db,
                        b.hostName(),
                        b.port(),
                        b.name,
                        cfg.target().label(),
                        cfg.checked() ? s.role().label() : "unchecked",
                        s.up(),
                        s.draining(),
                        b.host.weight(),
                        b.servers.size(),
                        b.sessions(),
                        s.lastCheckMillis(),
                        s.failures(),
                        s.lastError(),
                        cfg.checked() && s.current(),
                        cfg.checked(),
                        s.lagBytes(),
                        s.lagSeconds(),
                        s.lagging()));
            }
        }
        return rows;
    }

    @Override
    public Map<String, long[]> failovers() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Failover f : all())
            if (f.checked()) out.put(f.database, new long[] {f.failovers(), f.lastFailoverMillis()});
        return out;
    }

    @Override
    public int uncheckableDatabases() {
        int n = 0;
        for (Failover f : all()) if (f.uncheckable()) n++;
        return n;
    }

    @Override
    public void close() {
        if (health != null) health.stop();
        for (Failover f : all()) {
            for (Backend b : f.backends()) {
                try (var h = b.checkLock.obtain()) {
                    b.closeCheckConnection();
                }
            }
        }
    }
}
