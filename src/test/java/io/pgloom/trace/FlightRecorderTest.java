// The flight recorder keeps only the last N headers, oldest first, and merges both directions by time.
package io.pgloom.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlightRecorderTest {
    @Test
    void keepsTheLastNAndMergesDirections() {
        FlightRecorder out = new FlightRecorder(3, '>');
        FlightRecorder in = new FlightRecorder(3, '<');
        long t0 = 5_000_000_000L;
        for (int i = 0; i < 5; i++) out.record((byte) 'Q', 10 + i, t0 + i * 100_000);
        in.record((byte) 'Z', 5, t0 + 350_000);
        assertEquals(3, out.entries().size());
        assertEquals(12, out.entries().get(0).length(), "the two oldest were overwritten");
        String dump = FlightRecorder.dump(t0 + 1_000_000_000L, out, in);
        assertEquals("-1.000s > Q 12, -1.000s > Q 13, -1.000s < Z 5, -1.000s > Q 14", dump);
        out.record((byte) 'D', 50_000_000, t0 + 2_000_000_000L);
        assertEquals(0xff_ffff, out.entries().get(2).length(), "lengths beyond 24 bits show as the cap");
        assertEquals(t0 + 2_000_000_000L, out.entries().get(2).nanos(), "the newest time is exact");
        assertTrue(new FlightRecorder(0, '>').entries().isEmpty(), "size 0 switches it off");
    }
}
