// read_spin_us: a spin that finds nothing backs off (each miss doubles the reads that skip it), one that finds bytes
// resets, and 0 turns it off. Timings are not asserted (they belong to bench/), only the adaptation.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.pgloom.wire.FrameReader;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class ReadSpinTest {
    /** A socket stand-in whose readable byte count the test sets. */
    private static final class Readable extends InputStream {
        int available;

        @Override
        public int read() {
            return -1;
        }

        @Override
        public int available() {
            return available;
        }
    }

    @Test
    void missesBackOffAndAHitResets() throws Exception {
        assertNull(ReadSpin.create(0), "read_spin_us = 0: no spinning");
        Readable socket = new Readable();
        FrameReader r = new FrameReader(socket, 64, 1024);
        ReadSpin spin = ReadSpin.create(1);
        spin.await(r); // nothing readable: a miss
        assertEquals(1, spin.skipping());
        spin.await(r); // skipped
        assertEquals(0, spin.skipping());
        spin.await(r); // second miss in a row
        assertEquals(3, spin.skipping());
        for (int i = 0; i < 3; i++) spin.await(r);
        for (int miss = 3; miss <= 8; miss++) {
            spin.await(r);
            int skip = spin.skipping();
            assertEquals((1 << Math.min(miss, 6)) - 1, skip, "after miss " + miss);
            for (int i = 0; i < skip; i++) spin.await(r);
        }
        socket.available = 5;
        spin.await(r); // a hit
        socket.available = 0;
        spin.await(r); // the next miss starts over
        assertEquals(1, spin.skipping());
    }
}
