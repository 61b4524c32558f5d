// The running traces of one pgloom: TRACE ON / OFF / SHOW TRACES land here. It decides which sessions each
// trace covers (at login, when a trace starts or ends) and gives those sessions a tap; everyone else keeps a
// null tap. Every trace expires (default_duration, capped by max_duration); start and end are logged.
package io.pgloom.trace;

import io.pgloom.config.TraceSettings;
import io.pgloom.util.ResourceLock;
import io.pgloom.util.SafeText;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.tinylog.Logger;

public final class TraceRegistry implements AutoCloseable {
    private final Supplier<TraceSettings> settings;
    private final Supplier<? extends Iterable<? extends Traced>> sessions;
    /** The admin console's database: never traced. */
    private final String adminDatabase;

    private final Gauge activeGauge;
    private final Counter messagesCounter;
    private final Counter droppedCounter;
    private final LongAdder droppedTotal = new LongAdder();

    private final ResourceLock lock = new ResourceLock();
    private final Map<String, Trace> traces = new LinkedHashMap<>(); // guarded by lock
    /** Taps by client id: sessions being traced, and logins in progress while any trace runs. */
    private final ConcurrentHashMap<String, WireTap> taps = new ConcurrentHashMap<>();

    private final AtomicLong ids = new AtomicLong();
    private volatile boolean active;
    private volatile TraceWriter writer;

    public TraceRegistry(
            Supplier<TraceSettings> settings,
            Supplier<? extends Iterable<? extends Traced>> sessions,
            String adminDatabase,
            Gauge activeGauge,
            Counter messagesCounter,
            Counter droppedCounter) {
        this.settings = settings;
        this.sessions = sessions;
        this.adminDatabase = adminDatabase;
        this.activeGauge = activeGauge;
        this.messagesCounter = messagesCounter;
        this.droppedCounter = droppedCounter;
    }

    /** Whether any trace runs (read at every login; a volatile read). */
    public boolean active() {
        return active;
    }

    TraceSettings settings() {
        return settings.get();
    }

    // ---- Commands ----

    /** TRACE ON: throws IllegalArgumentException with a message for the operator. */
    public Trace start(TraceRequest req, String by, String via) {
        TraceSettings s = settings.get();
        Duration d = req.duration() == null ? s.defaultDuration() : req.duration();
        if (d.compareTo(s.maxDuration()) > 0) {
            throw new IllegalArgumentException("FOR " + d.toSeconds() + " s is longer than [trace] max_duration ("
                    + s.maxDuration().toSeconds() + " s)");
        }
        Trace t;
        try (var h = lock.obtain()) {
            TraceWriter w = writer;
            if (w == null) writer = w = new TraceWriter(this, messagesCounter);
            try {
                w.open(s);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot open the trace file (set [trace] file and pcap_file): " + e);
            }
            t = new Trace(
                    "T-" + ids.incrementAndGet(),
                    req.scope(),
                    req.level(),
                    s.traceValues(),
                    by,
                    via,
                    System.currentTimeMillis(),
                    d.toNanos(),
                    System.nanoTime(),
                    s.file(),
                    s.pcapFile());
            traces.put(t.id, t);
            active = true;
            activeGauge.set(traces.size());
            w.offer(
                    TraceEvent.meta(
                            System.nanoTime(),
                            t.id + " - - trace_started scope="
                                    + SafeText.logValue(t.scope.describe()) + " level=" + t.level.word() + " values="
                                    + (t.values ? "shown" : "redacted") + " by=" + SafeText.logValue(by) + " via=" + via
                                    + " expires=" + Instant.ofEpochMilli(t.expiresMillis)),
                    true);
            recompute();
        }
        Logger.info(
                "event=trace_started trace={} scope={} level={} values={} by={} via={} expires={} file={} pcap={}",
                t.id,
                t.scope.describe(),
                t.level.word(),
                t.values,
                by,
                via,
                Instant.ofEpochMilli(t.expiresMillis),
                t.file,
                t.pcapFile == null ? "" : t.pcapFile);
        return t;
    }

    /** TRACE OFF [id | all]: the traces ended (empty when there was no such trace). */
    public List<Trace> stop(String which, String by, String via) {
        List<Trace> ended = new ArrayList<>();
        try (var h = lock.obtain()) {
            for (Trace t : List.copyOf(traces.values())) {
                if (which == null || which.equalsIgnoreCase("all") || t.id.equalsIgnoreCase(which)) {
                    end(t, "trace_off", by, via);
                    ended.add(t);
                }
            }
        }
        return ended;
    }

    /** SHOW TRACES. */
    public List<Trace> list() {
        try (var h = lock.obtain()) {
            return List.copyOf(traces.values());
        }
    }

    /** How many sessions a trace covers right now. */
    public int sessions(Trace t) {
        int n = 0;
        for (WireTap tap : taps.values()) {
            TracePolicy p = tap.policy;
            if (p != null && p.covers(t)) n++;
        }
        return n;
    }

    /** Expiry, from the writer thread's loop. */
    void tick(long nowNanos) {
        if (!active) return;
        try (var h = lock.obtain()) {
            for (Trace t : List.copyOf(traces.values())) {
                if (nowNanos - t.expiresNanos >= 0) end(t, "expired", "pgloom", "expiry");
            }
        }
    }

    private void end(Trace t, String reason, String by, String via) {
        traces.remove(t.id);
        active = !traces.isEmpty();
        activeGauge.set(traces.size());
        recompute();
        TraceWriter w = writer;
        if (w != null) {
            w.offer(
                    TraceEvent.meta(
                            System.nanoTime(),
                            t.id + " - - trace_ended reason=" + reason + " by=" + SafeText.logValue(by)),
                    true);
        }
        Logger.info(
                "event=trace_ended trace={} reason={} by={} via={} scope={} level={} messages={} dropped={}",
                t.id,
                reason,
                by,
                via,
                t.scope.describe(),
                t.level.word(),
                t.messages(),
                t.dropped());
    }

    /** Shutdown: every trace ends, the writer writes what is queued and stops. */
    @Override
    public void close() {
        try (var h = lock.obtain()) {
            for (Trace t : List.copyOf(traces.values())) end(t, "shutdown", "pgloom", "shutdown");
        }
        TraceWriter w = writer;
        if (w != null) w.stop();
    }

    // ---- Sessions ----

    /** The traces covering an identity; none for the admin console. */
    private List<Trace> covering(String client, String user, String database, InetSocketAddress remote) {
        List<Trace> out = new ArrayList<>(2);
        if (database.equals(adminDatabase)) return out;
        InetAddress address = remote == null ? null : remote.getAddress();
        for (Trace t : traces.values()) if (t.scope.matches(client, user, database, address)) out.add(t);
        return out;
    }

    /** Brings every tap in line with the traces now running (called under the lock). */
    private void recompute() {
        for (WireTap tap : taps.values()) {
            if (!tap.identified) continue; // decided when its startup packet arrives
            List<Trace> cov = covering(tap.client, tap.user, tap.database, tap.remote);
            if (!cov.isEmpty()) tap.policy = TracePolicy.of(cov);
            else if (tap.session != null || tap.policy != null)
                detach(tap, "trace_ended"); // a login: attach decides afresh
        }
        if (!active) return;
        for (Traced s : sessions.get()) {
            if (!s.traceable() || taps.containsKey(s.clientId())) continue;
            List<Trace> cov = covering(s.clientId(), s.user(), s.database(), s.remote());
            if (cov.isEmpty()) continue;
            WireTap tap = new WireTap(this, s.clientId(), s.remote(), s.local());
            tap.user = s.user();
            tap.database = s.database();
            tap.identified = true;
            tap.policy = TracePolicy.of(cov);
            tap.session = s;
            taps.put(s.clientId(), tap);
            s.tap(tap);
        }
    }

    private void detach(WireTap tap, String reason) {
        taps.remove(tap.client, tap);
        Traced s = tap.session;
        if (s != null) s.tap(null);
        tap.close(reason);
    }

    /** A login starts while traces run: a tap that follows the login streams until the session is known. */
    public WireTap loginTap(String client, InetSocketAddress remote, InetSocketAddress local) {
        if (!active) return null;
        WireTap tap = new WireTap(this, client, remote, local);
        taps.put(client, tap);
        return tap;
    }

    /** The startup packet arrived: match the login tap against the traces. */
    void decide(WireTap tap) {
        try (var h = lock.obtain()) {
            List<Trace> cov = covering(tap.client, tap.user, tap.database, tap.remote);
            tap.policy = cov.isEmpty() ? null : TracePolicy.of(cov);
        }
    }

    /**
     * The session logged in: it gets a tap if a trace covers it (the login's own tap when there was one, so its
     * pcap stream goes on), else its login tap is dropped.
     */
    public void attach(Traced s) {
        try (var h = lock.obtain()) {
            WireTap tap = taps.get(s.clientId());
            List<Trace> cov = s.traceable() ? covering(s.clientId(), s.user(), s.database(), s.remote()) : List.of();
            if (cov.isEmpty()) {
                if (tap != null) detach(tap, "not_traced");
                return;
            }
            if (tap == null || tap.closed) {
                tap = new WireTap(this, s.clientId(), s.remote(), s.local());
                taps.put(s.clientId(), tap);
            }
            tap.user = s.user();
            tap.database = s.database();
            tap.identified = true;
            tap.policy = TracePolicy.of(cov);
            tap.session = s;
            tap.endLogin();
            s.tap(tap);
        }
    }

    /** The session is over: its stream ends with the reason. Cheap when nothing is traced. */
    public void sessionEnded(String client, String reason) {
        if (taps.isEmpty()) return;
        WireTap tap = taps.remove(client);
        if (tap != null) tap.close(reason);
    }

    // ---- The queue ----

    void offer(TraceEvent e) {
        TraceWriter w = writer;
        boolean always = e.kind() == TraceEvent.Kind.CLOSE || e.kind() == TraceEvent.Kind.META;
        if (w != null && w.offer(e, always)) return;
        droppedCounter.inc();
        droppedTotal.increment();
        if (e.policy() != null) for (Trace t : e.policy().traces()) t.dropped.increment();
    }

    long droppedTotal() {
        return droppedTotal.sum();
    }
}
