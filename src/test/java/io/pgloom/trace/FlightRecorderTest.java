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
        for (int i = 0; i < 5; i++) out.record((byte) 'Q', 10 + i, 1_000 + i * 10);
        in.record((byte) 'Z', 5, 1_035);
        assertEquals(3, out.entries().size());
        assertEquals(12, out.entries().get(0).length(), "the two oldest were overwritten");
        String dump = FlightRecorder.dump(2_000, out, in);
        assertEquals("-0.000s > Q 12, -0.000s > Q 13, -0.000s < Z 5, -0.000s > Q 14", dump);
        assertTrue(new FlightRecorder(0, '>').entries().isEmpty(), "size 0 switches it off");
    }
}
