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
        String beforeMode = System.getProperty(VirtualThreadPolling.POLLER_MODE);
        try {
            System.setProperty(VirtualThreadPolling.READ_POLLERS, "4");
            System.setProperty(VirtualThreadPolling.POLLER_MODE, "2");
            assertNull(VirtualThreadPolling.apply());
            assertEquals("4", System.getProperty(VirtualThreadPolling.READ_POLLERS));
            assertEquals("2", System.getProperty(VirtualThreadPolling.POLLER_MODE));
            System.clearProperty(VirtualThreadPolling.READ_POLLERS);
            System.clearProperty(VirtualThreadPolling.POLLER_MODE);
            String set = VirtualThreadPolling.apply();
            assertEquals(
                    VirtualThreadPolling.READ_POLLERS + "="
                            + VirtualThreadPolling.readPollers(
                                    Runtime.getRuntime().availableProcessors())
                            + " " + VirtualThreadPolling.POLLER_MODE + "=1",
                    set);
        } finally {
            restore(VirtualThreadPolling.READ_POLLERS, before);
            restore(VirtualThreadPolling.POLLER_MODE, beforeMode);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
