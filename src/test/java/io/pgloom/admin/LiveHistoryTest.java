// The live page's ring: rates between samples from the counters /metrics exports, errors folded by SQLSTATE class,
// only lost cancels counted, and never more than CAPACITY samples kept.
package io.pgloom.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgloom.metrics.Metrics;
import io.pgloom.util.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveHistoryTest {
    private static final class ManualClock implements Clock {
        long millis = 1_000_000;

        @Override
        public long nanoTime() {
            return millis * 1_000_000;
        }

        @Override
        public long currentTimeMillis() {
            return millis;
        }
    }

    @Test
    void ratesBetweenSamples() {
        Metrics m = new Metrics("test");
        ManualClock clock = new ManualClock();
        LiveHistory h = new LiveHistory(m, clock);
        h.sample();
        for (int i = 0; i < 10; i++) m.transactionSeconds.labels("app", "app").observe(0.001);
        m.waitSeconds.labels("app", "app").observe(0.010);
        m.waitSeconds.labels("app", "app").observe(0.030);
        m.errorsSent.labels("57014", "pgloom").inc(2);
        m.errorsSent.labels("57P01", "pgloom").inc(2);
        m.errorsSent.labels("08006", "postgresql").inc();
        m.cancelRequests.labels("forwarded").inc();
        m.cancelRequests.labels("not_linked").inc();
        m.cancelRequests.labels("unknown_key").inc(3);
        clock.millis += 2_000;
        h.sample();
        List<LiveHistory.Point> points = h.points();
        assertEquals(1, points.size());
        LiveHistory.Point p = points.get(0);
        assertEquals(5.0, p.transactionsPerSecond(), 1e-9);
        assertEquals(20.0, p.meanWaitMillis(), 1e-9);
        assertEquals(Map.of("08", 0.5, "57", 2.0), p.errorsPerSecond());
        assertEquals(3.0, p.cancelsLost(), 1e-9);

        clock.millis += 2_000;
        h.sample();
        LiveHistory.Point quiet = h.points().get(1);
        assertEquals(0.0, quiet.transactionsPerSecond());
        assertEquals(0.0, quiet.meanWaitMillis());
        assertEquals(Map.of(), quiet.errorsPerSecond());
    }

    @Test
    void keepsAtMostCapacitySamples() {
        ManualClock clock = new ManualClock();
        LiveHistory h = new LiveHistory(new Metrics("test"), clock);
        long first = clock.millis;
        for (int i = 0; i < LiveHistory.CAPACITY * 3; i++) {
            h.sample();
            clock.millis += LiveHistory.PERIOD_MILLIS;
        }
        List<LiveHistory.Point> points = h.points();
        assertEquals(LiveHistory.CAPACITY - 1, points.size());
        long newest = first + (LiveHistory.CAPACITY * 3 - 1) * LiveHistory.PERIOD_MILLIS;
        assertEquals(newest, points.get(points.size() - 1).atMillis());
        assertEquals(
                newest - (LiveHistory.CAPACITY - 2) * LiveHistory.PERIOD_MILLIS,
                points.get(0).atMillis());
    }
}
