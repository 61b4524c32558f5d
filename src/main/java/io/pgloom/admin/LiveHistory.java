// The live page's last minutes: every 2 s one sample of the counters /metrics exports (transactions, client wait,
// errors pgloom sent by SQLSTATE class, cancels lost), kept in a fixed ring in memory; nothing on disk.
package io.pgloom.admin;

import io.pgloom.metrics.Metrics;
import io.pgloom.util.Clock;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.SimpleCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

final class LiveHistory implements AutoCloseable {
    static final long PERIOD_MILLIS = 2_000;
    /** 150 samples of 2 s: five minutes. */
    static final int CAPACITY = 150;

    private static final Set<String> LOST_CANCELS =
            Set.of("unknown_key", "failed", "unknown_peer", "forward_loop", "peer_failed");

    /** Cumulative counter values at one moment; rates come from the difference of two. */
    record Sample(
            long atMillis,
            double transactions,
            double waitSeconds,
            double waits,
            Map<String, Double> errorsByClass,
            double cancelsLost) {}

    /** One chart point: the rates between two consecutive samples. */
    record Point(
            long atMillis,
            double transactionsPerSecond,
            double meanWaitMillis,
            Map<String, Double> errorsPerSecond,
            double cancelsLost) {}

    private final Metrics metrics;
    private final Clock clock;
    private final Sample[] ring = new Sample[CAPACITY];
    private final ReentrantLock lock = new ReentrantLock();
    private int next;
    private int size;
    private Thread sampler;

    LiveHistory(Metrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Takes the first sample and starts the sampler thread (one for the process, not one per page). */
    LiveHistory start() {
        sample();
        sampler = Thread.ofVirtual().name("pgloom-live-history").start(this::run);
        return this;
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                TimeUnit.MILLISECONDS.sleep(PERIOD_MILLIS);
                sample();
            }
        } catch (InterruptedException stop) {
            // closed
        }
    }

    /** Takes one sample now (the sampler calls this every PERIOD_MILLIS). */
    void sample() {
        Map<String, Double> errors = new TreeMap<>();
        for (MetricFamilySamples.Sample s : samples(metrics.errorsSent, "pgloom_errors_sent_total")) {
            String state = s.labelValues.get(0);
            errors.merge(state.length() >= 2 ? state.substring(0, 2) : state, s.value, Double::sum);
        }
        double cancels = 0; // lost: the key was unknown here, or forwarding failed (not_linked: nothing was running)
        for (MetricFamilySamples.Sample s : samples(metrics.cancelRequests, "pgloom_cancel_requests_total")) {
            if (LOST_CANCELS.contains(s.labelValues.get(0))) cancels += s.value;
        }
        Sample s = new Sample(
                clock.currentTimeMillis(),
                total(metrics.transactionSeconds, "pgloom_transaction_duration_seconds_count"),
                total(metrics.waitSeconds, "pgloom_client_wait_seconds_sum"),
                total(metrics.waitSeconds, "pgloom_client_wait_seconds_count"),
                errors,
                cancels);
        lock.lock();
        try {
            ring[next] = s;
            next = (next + 1) % CAPACITY;
            size = Math.min(size + 1, CAPACITY);
        } finally {
            lock.unlock();
        }
    }

    /** The chart points, oldest first: one fewer than the samples held. */
    List<Point> points() {
        List<Sample> held = new ArrayList<>(CAPACITY);
        lock.lock();
        try {
            for (int i = 0; i < size; i++) held.add(ring[(next - size + i + CAPACITY) % CAPACITY]);
        } finally {
            lock.unlock();
        }
        List<Point> out = new ArrayList<>(held.size());
        for (int i = 1; i < held.size(); i++) {
            Sample a = held.get(i - 1), b = held.get(i);
            double seconds = Math.max(0.001, (b.atMillis() - a.atMillis()) / 1000.0);
            double waits = b.waits() - a.waits();
            Map<String, Double> errors = new TreeMap<>();
            b.errorsByClass().forEach((cls, v) -> {
                double d = v - a.errorsByClass().getOrDefault(cls, 0.0);
                if (d > 0) errors.put(cls, d / seconds);
            });
            out.add(new Point(
                    b.atMillis(),
                    (b.transactions() - a.transactions()) / seconds,
                    waits > 0 ? (b.waitSeconds() - a.waitSeconds()) / waits * 1000 : 0,
                    errors,
                    b.cancelsLost() - a.cancelsLost()));
        }
        return out;
    }

    private static List<MetricFamilySamples.Sample> samples(SimpleCollector<?> c, String name) {
        List<MetricFamilySamples.Sample> out = new ArrayList<>();
        for (MetricFamilySamples f : c.collect()) {
            for (MetricFamilySamples.Sample s : f.samples) if (s.name.equals(name)) out.add(s);
        }
        return out;
    }

    private static double total(SimpleCollector<?> c, String name) {
        double sum = 0;
        for (MetricFamilySamples.Sample s : samples(c, name)) sum += s.value;
        return sum;
    }

    @Override
    public void close() {
        if (sampler != null) sampler.interrupt();
    }
}
