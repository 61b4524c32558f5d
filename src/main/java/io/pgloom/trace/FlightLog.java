// The last flight-recorder dumps of sessions that ended abnormally (SHOW FLIGHTS), newest last; bounded.
package io.pgloom.trace;

import io.pgloom.util.Clock;
import io.pgloom.util.ResourceLock;
import java.util.ArrayDeque;
import java.util.List;

public final class FlightLog {
    /** One dump: which client, why its session ended, its last message headers, and when. */
    public record Flight(String client, String reason, String messages, long atMillis) {}

    private static final int MAX_FLIGHTS = 20;
    private final ArrayDeque<Flight> flights = new ArrayDeque<>();
    private final ResourceLock lock = new ResourceLock();
    private final Clock clock;

    public FlightLog(Clock clock) {
        this.clock = clock;
    }

    public void remember(String client, String reason, String messages) {
        try (var h = lock.obtain()) {
            if (flights.size() == MAX_FLIGHTS) flights.removeFirst();
            flights.addLast(new Flight(client, reason, messages, clock.currentTimeMillis()));
        }
    }

    public List<Flight> all() {
        try (var h = lock.obtain()) {
            return List.copyOf(flights);
        }
    }
}
