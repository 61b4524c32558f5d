// TRACE ON arguments: scopes, durations with units, levels, in any order; mistakes named for the operator.
package io.pgloom.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceRequestTest {
    private static TraceRequest parse(String s) {
        return TraceRequest.parse(s.isEmpty() ? List.of() : List.of(s.split(" ")));
    }

    @Test
    void defaults() {
        TraceRequest r = parse("");
        assertEquals(TraceScope.Kind.ALL, r.scope().kind());
        assertNull(r.duration(), "the configured default_duration applies");
        assertEquals(TraceLevel.SUMMARY, r.level());
    }

    @Test
    void scopesDurationsAndLevelsInAnyOrder() {
        TraceRequest r = parse("LEVEL full user=app FOR 5min");
        assertEquals("user=app", r.scope().describe());
        assertEquals(Duration.ofMinutes(5), r.duration());
        assertEquals(TraceLevel.FULL, r.level());
        assertEquals("C-12", parse("c-12").scope().describe());
        assertEquals("database=app", parse("db=app").scope().describe());
        assertEquals(Duration.ofSeconds(90), parse("FOR 90").duration());
        assertEquals(Duration.ofMillis(500), parse("FOR 500ms").duration());
        assertEquals(Duration.ofHours(1), parse("FOR 1 h").duration());
        assertEquals(
                Duration.ofSeconds(30), parse("FOR 30 seconds LEVEL headers").duration());
    }

    @Test
    void addressesMatchTheirNetworkOnly() throws Exception {
        TraceScope net = parse("address=10.1.0.0/16").scope();
        assertTrue(net.matches("C-1", "u", "d", InetAddress.getByName("10.1.200.3")));
        assertFalse(net.matches("C-1", "u", "d", InetAddress.getByName("10.2.0.1")));
        assertFalse(net.matches("C-1", "u", "d", InetAddress.getByName("::1")));
        TraceScope host = parse("address=::1").scope();
        assertTrue(host.matches("C-1", "u", "d", InetAddress.getByName("::1")));
        assertFalse(parse("user=app").scope().matches("C-1", "other", "app", null));
        assertTrue(parse("database=app").scope().matches("C-1", "other", "app", null));
    }

    @Test
    void mistakesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("colour=blue"))
                .getMessage()
                .contains("colour"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("FOR soon"))
                .getMessage()
                .contains("duration"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("LEVEL loud"))
                .getMessage()
                .contains("headers"));
        assertThrows(
                IllegalArgumentException.class, () -> parse("address=db.example.com"), "no DNS on an admin command");
        assertThrows(IllegalArgumentException.class, () -> parse("address=10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> parse("user=a user=b"));
        assertThrows(IllegalArgumentException.class, () -> parse("FOR 0"));
    }
}
