// The read poller count pgloom asks for: valid for the JDK (a power of two, at least one) on any core count, and
// never over what the operator gave on the command line.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class VirtualThreadPollingTest {
    @Test
    void onePollerPerFourCoresAndAlwaysAPowerOfTwo() {
        assertEquals(1, VirtualThreadPolling.readPollers(1));
        assertEquals(1, VirtualThreadPolling.readPollers(2));
        assertEquals(1, VirtualThreadPolling.readPollers(4));
        assertEquals(2, VirtualThreadPolling.readPollers(8));
        assertEquals(2, VirtualThreadPolling.readPollers(12));
        assertEquals(16, VirtualThreadPolling.readPollers(64));
        for (int cores = 0; cores <= 256; cores++) {
            int n = VirtualThreadPolling.readPollers(cores);
            assertEquals(Integer.highestOneBit(n), n, cores + " cores gave " + n);
        }
    }

    @Test
    void aValueFromTheCommandLineWins() {
        String before = System.getProperty(VirtualThreadPolling.READ_POLLERS);
        try {
            System.setProperty(VirtualThreadPolling.READ_POLLERS, "4");
            assertNull(VirtualThreadPolling.apply());
            assertEquals("4", System.getProperty(VirtualThreadPolling.READ_POLLERS));
            System.clearProperty(VirtualThreadPolling.READ_POLLERS);
            String set = VirtualThreadPolling.apply();
            assertEquals(
                    VirtualThreadPolling.READ_POLLERS + "="
                            + VirtualThreadPolling.readPollers(
                                    Runtime.getRuntime().availableProcessors()),
                    set);
        } finally {
            if (before == null) System.clearProperty(VirtualThreadPolling.READ_POLLERS);
            else System.setProperty(VirtualThreadPolling.READ_POLLERS, before);
        }
    }
}
