// Which timeout runs out when, from literal session states and an explicit clock reading (nanoseconds): the one
// place the janitor asks about query_timeout, idle_transaction_timeout and client_idle_timeout.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.session.Timeouts.Expired;
import io.pgloom.session.Timeouts.Limits;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeoutsTest {
    private static final long S = 1_000_000_000L;
    private static final Limits ALL =
            new Limits(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ZERO);
    private static final Limits OFF = new Limits(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    private static final long NOW = 1000 * S;

    @Test
    void aRunningRequestRunsOutOfQueryTimeoutOnly() {
        assertNull(Timeouts.check(ALL, NOW, true, NOW - 9 * S, 0, false, NOW - 100 * S, 0), "9 s of 10");
        assertEquals(Expired.QUERY, Timeouts.check(ALL, NOW, true, NOW - 10 * S, 0, false, NOW - 100 * S, 0));
        assertEquals(Expired.QUERY, Timeouts.check(ALL, NOW, true, NOW - 11 * S, 0, true, NOW - 100 * S, 0));
        assertNull(Timeouts.check(ALL, NOW, true, 0, 0, true, NOW - 100 * S, 0), "no start known: nothing to measure");
        assertNull(Timeouts.check(OFF, NOW, true, NOW - 1000 * S, 0, true, NOW - 1000 * S, 0));
    }

    @Test
    void aLoginRunsOutOfClientLoginTimeoutCountedFromAcceptWhateverItsReads() {
        Limits login = new Limits(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60));
        assertTrue(login.anyOn(), "the janitor sweeps for logins alone");
        assertNull(Timeouts.checkLogin(login, NOW, NOW - 59 * S), "59 s of 60");
        assertEquals(Expired.LOGIN, Timeouts.checkLogin(login, NOW, NOW - 60 * S));
        assertTrue(Expired.LOGIN.clientMessage(login).startsWith("client_login_timeout"));
        assertNull(Timeouts.checkLogin(OFF, NOW, NOW - 1000 * S), "0 turns it off");
    }

    @Test
    void aClientThatStopsReadingItsReplyIsIdle() {
        Limits noQuery = new Limits(Duration.ZERO, Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ZERO);
        assertNull(Timeouts.check(noQuery, NOW, true, NOW - 500 * S, 0, true, NOW - 500 * S, 0), "reading: busy");
        assertEquals(Expired.IDLE_TRANSACTION, Timeouts.check(noQuery, NOW, true, NOW - 500 * S, 0, true, 0, 20 * S));
        assertEquals(Expired.CLIENT_IDLE, Timeouts.check(noQuery, NOW, true, NOW - 500 * S, 0, false, 0, 30 * S));
        assertNull(Timeouts.check(noQuery, NOW, true, NOW - 500 * S, 0, false, 0, 29 * S));
    }

    @Test
    void idleTimeoutsDependOnWhetherATransactionIsOpen() {
        assertNull(Timeouts.check(ALL, NOW, false, 0, 0, true, NOW - 19 * S, 0));
        assertEquals(Expired.IDLE_TRANSACTION, Timeouts.check(ALL, NOW, false, 0, 0, true, NOW - 20 * S, 0));
        assertNull(
                Timeouts.check(ALL, NOW, false, 0, 0, false, NOW - 29 * S, 0), "outside: client_idle_timeout's 30 s");
        assertEquals(Expired.CLIENT_IDLE, Timeouts.check(ALL, NOW, false, 0, 0, false, NOW - 30 * S, 0));
        Limits onlyClientIdle = new Limits(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ZERO);
        assertNull(
                Timeouts.check(onlyClientIdle, NOW, false, 0, 0, true, NOW - 1000 * S, 0),
                "inside a transaction client_idle_timeout does not apply");
    }

    @Test
    void transactionTimeoutCountsTheWholeTransactionBusyOrIdle() {
        Limits tx = new Limits(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5));
        assertNull(Timeouts.check(tx, NOW, true, NOW - 4 * S, NOW - 4 * S, false, NOW - 4 * S, 0));
        assertEquals(
                Expired.TRANSACTION,
                Timeouts.check(tx, NOW, true, NOW - 5 * S, NOW - 5 * S, false, 0, 0),
                "one long statement is an implicit transaction");
        assertEquals(
                Expired.TRANSACTION,
                Timeouts.check(tx, NOW, false, 0, NOW - 6 * S, true, NOW - 1 * S, 0),
                "an open transaction between statements");
        assertNull(Timeouts.check(tx, NOW, false, 0, 0, false, NOW - 600 * S, 0), "no transaction open");
        Limits both = new Limits(Duration.ofSeconds(2), Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5));
        assertEquals(
                Expired.QUERY,
                Timeouts.check(both, NOW, true, NOW - 6 * S, NOW - 6 * S, true, 0, 0),
                "query_timeout is the more precise answer when both ran out");
        assertEquals("25P04", Expired.TRANSACTION.sqlState);
    }

    @Test
    void theClientIsToldWhichTimeoutAndItsValue() {
        assertEquals(
                "canceling statement due to query_timeout (10000 ms); it may or may not have run",
                Expired.QUERY.clientMessage(ALL));
        assertEquals("57014", Expired.QUERY.sqlState);
        assertEquals("25P03", Expired.IDLE_TRANSACTION.sqlState);
        assertEquals("57P05", Expired.CLIENT_IDLE.sqlState);
        assertTrue(ALL.anyOn());
        assertFalse(OFF.anyOn());
    }
}
