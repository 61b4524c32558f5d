// The acceptor's back-off after failed accepts: waits double from 10 ms to a 1 s cap and start small again after a
// success; at most one log line a second, which counts the failures left out; reasons from the JDK's errno text.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AcceptBackoffTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void waitsDoubleUpToOneSecondAndStartSmallAfterASuccess() {
        AcceptBackoff b = new AcceptBackoff();
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 10; i++) waits.add(b.failed() / MS);
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L, 320L, 640L, 1000L, 1000L, 1000L), waits);
        assertEquals(10, b.succeeded(), "the success reports the streak it ends");
        assertEquals(0, b.succeeded());
        assertEquals(10 * MS, b.failed());
    }

    @Test
    void logsTheFirstFailureThenOneLineASecondCountingTheRest() {
        AcceptBackoff b = new AcceptBackoff();
        long t = 5_000 * MS;
        assertTrue(b.log(t), "the first failure is logged");
        assertEquals(0, b.notLogged());
        int logged = 0;
        // A failure every millisecond for three seconds (what a spinning acceptor would do): three more lines.
        for (int i = 1; i <= 3000; i++) {
            if (b.log(t + i * MS)) {
                logged++;
                assertEquals(999, b.notLogged(), "the line counts the failures left out since the last one");
            }
        }
        assertEquals(3, logged);
        assertFalse(b.log(t + 3000 * MS + 1));
    }

    @Test
    void reasonsComeFromTheErrnoText() {
        assertEquals("emfile", AcceptBackoff.reason(new SocketException("Too many open files")));
        assertEquals("enfile", AcceptBackoff.reason(new SocketException("Too many open files in system")));
        assertEquals("no_memory", AcceptBackoff.reason(new SocketException("Cannot allocate memory")));
        assertEquals("no_memory", AcceptBackoff.reason(new SocketException("No buffer space available")));
        assertEquals("other", AcceptBackoff.reason(new IOException((String) null)));
        assertTrue(AcceptBackoff.REASONS.containsAll(List.of("emfile", "enfile", "no_memory", "other")));
    }
}
