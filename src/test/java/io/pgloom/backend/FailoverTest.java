// Routing decisions without sockets: thresholds for down and up, primary following a promotion, weighted least
// connections, DRAIN's last-host refusal and the SWITCHOVER pin.
package io.pgloom.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.config.Backends;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.util.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailoverTest {
    private final List<String> downs = new ArrayList<>();

    private Failover failover(Backends.Target target, String... hosts) {
        return failover(target, Backends.ReplicaLag.OFF, hosts);
    }

    private Failover failover(Backends.Target target, Backends.ReplicaLag lag, String... hosts) {
        List<Backends.Host> list = new ArrayList<>();
        for (String h : hosts) list.add(Backends.Host.parse(h, 5432));
        Backends cfg = new Backends(
                list,
                target,
                true,
                new Backends.Failover(Duration.ofSeconds(1), Duration.ofSeconds(1), 3, 2, Duration.ofSeconds(1), ""),
                lag);
        return new Failover("db", cfg, Clock.SYSTEM, new Failover.Events() {
            @Override
            public void hostDown(Backend b) {
                downs.add(b.name);
            }

            @Override
            public void routingChanged(String database) {}
        });
    }

    private static Backend pick(Failover f) throws Exception {
        return f.acquire(Duration.ZERO);
    }

    @Test
    void primaryIsMarkedDownAfterTheThresholdAndAPromotedStandbyTakesOver() throws Exception {
        Failover f = failover(Backends.Target.PRIMARY, "a", "b");
        Backend a = f.backends().get(0), b = f.backends().get(1);
        assertThrows(ServerLoginException.class, () -> pick(f), "nothing fits before the first check");
        f.checkPassed(a, BackendRole.PRIMARY);
        f.checkPassed(b, BackendRole.STANDBY);
        assertEquals(a, pick(f));
        f.checkFailed(a, "refused", true);
        f.checkFailed(a, "refused", true);
        assertEquals(a, pick(f), "still up below failover_threshold");
        f.checkFailed(a, "wrong password", false);
        assertEquals(a, pick(f), "a fault on pgloom's side does not count");
        f.checkFailed(a, "refused", true);
        assertEquals(List.of("a:5432"), downs);
        assertThrows(ServerLoginException.class, () -> pick(f), "never the standby for target primary");
        f.checkPassed(b, BackendRole.PRIMARY);
        assertEquals(b, pick(f));
        assertEquals(1, f.failovers());
        f.checkPassed(a, BackendRole.PRIMARY); // the old primary comes back as a primary too (two primaries)
        f.checkPassed(a, BackendRole.PRIMARY);
        assertEquals(b, pick(f), "the promoted host keeps the writes");
    }

    @Test
    void aPromotionWinsOverTheOldPrimaryAtOnce() throws Exception {
        Failover f = failover(Backends.Target.PRIMARY, "a", "b");
        Backend a = f.backends().get(0), b = f.backends().get(1);
        f.checkPassed(a, BackendRole.PRIMARY);
        f.checkPassed(b, BackendRole.STANDBY);
        f.checkPassed(b, BackendRole.PRIMARY);
        assertEquals(b, pick(f));
        assertTrue(f.isPrimary(b));
    }

    @Test
    void weightedLeastConnectionsAmongStandbys() throws Exception {
        Failover f = failover(Backends.Target.STANDBY, "p", "s1", "s2?weight=2");
        f.checkPassed(f.backends().get(0), BackendRole.PRIMARY);
        f.checkPassed(f.backends().get(1), BackendRole.STANDBY);
        f.checkPassed(f.backends().get(2), BackendRole.STANDBY);
        int[] n = new int[3];
        for (int i = 0; i < 9; i++) n[f.backends().indexOf(pick(f))]++;
        assertEquals(0, n[0]);
        assertEquals(3, n[1]);
        assertEquals(6, n[2]);
    }

    @Test
    void drainRefusesTheLastFittingHostAndThePinHolds() throws Exception {
        Failover f = failover(Backends.Target.ANY, "a", "b");
        Backend a = f.backends().get(0), b = f.backends().get(1);
        f.checkPassed(a, BackendRole.PRIMARY);
        f.checkPassed(b, BackendRole.STANDBY);
        assertTrue(f.fitsWithout(b));
        f.drain(b, true);
        assertFalse(f.fitsWithout(a));
        assertEquals(a, pick(f));
        f.drain(b, false);
        f.pin(b, false);
        for (int i = 0; i < 3; i++) assertEquals(b, pick(f), "SWITCHOVER's pin takes every new connection");
        for (int i = 0; i < 3; i++) f.checkFailed(b, "refused", true);
        assertTrue(f.current() != b, "the pin is dropped once its host is down");
        assertEquals(a, pick(f));
    }

    @Test
    void aBlockedCheckLeavesTheHostAloneButMakesTheDatabaseUncheckableUntilAPass() throws Exception {
        Failover f = failover(Backends.Target.PRIMARY, "a", "b");
        Backend a = f.backends().get(0), b = f.backends().get(1);
        f.checkBlocked(a, "password authentication failed for user \"monitor\"");
        assertTrue(f.uncheckable());
        assertTrue(
                f.readiness().startsWith("health checks cannot run on a:5432: password authentication failed"),
                f.readiness());
        f.checkPassed(b, BackendRole.PRIMARY);
        for (int i = 0; i < 5; i++) f.checkBlocked(b, "database \"x\" does not exist");
        assertEquals(List.of(), downs, "pgloom's own login problems never mark a host down");
        assertEquals(b, pick(f));
        assertEquals(null, f.readiness(), "still placing connections: ready, the metric tells the rest");
        assertTrue(f.uncheckable());
        f.checkPassed(a, BackendRole.STANDBY);
        f.checkPassed(b, BackendRole.PRIMARY);
        assertFalse(f.uncheckable(), "cleared once every host's check passes again");
    }

    @Test
    void aLaggingStandbyLeavesReadRotationAndReturnsBelowHalfTheLimit() throws Exception {
        Failover f = failover(
                Backends.Target.STANDBY, new Backends.ReplicaLag(1000, Duration.ofSeconds(10), true), "p", "s1", "s2");
        Backend p = f.backends().get(0),
                s1 = f.backends().get(1),
                s2 = f.backends().get(2);
        f.checkPassed(p, BackendRole.PRIMARY, 50_000, -1);
        f.checkPassed(s1, BackendRole.STANDBY, 50_000, 0);
        f.checkPassed(s2, BackendRole.STANDBY, 49_500, 0);
        assertEquals(500, f.state(s2).lagBytes(), "bytes behind the primary's last seen position");
        assertFalse(f.state(s2).lagging());

        f.checkPassed(p, BackendRole.PRIMARY, 60_000, -1);
        f.checkPassed(s2, BackendRole.STANDBY, 58_000, 0);
        assertTrue(f.state(s2).lagging(), "2000 bytes behind: past max_replica_lag_bytes = 1000");
        for (int i = 0; i < 4; i++) assertEquals(s1, pick(f), "reads skip the lagging standby");

        f.checkPassed(s2, BackendRole.STANDBY, 59_400, 0);
        assertTrue(f.state(s2).lagging(), "600 bytes: under the limit but not under half of it (hysteresis)");
        f.checkPassed(s2, BackendRole.STANDBY, 59_600, 0);
        assertFalse(f.state(s2).lagging(), "400 bytes: back");

        f.checkPassed(s1, BackendRole.STANDBY, 60_000, 11.5);
        assertTrue(f.state(s1).lagging(), "replay 11.5 s behind: past max_replica_lag_seconds = 10");
        f.checkPassed(s1, BackendRole.STANDBY, 60_000, 6);
        assertTrue(f.state(s1).lagging(), "6 s: not under half the limit yet");
        f.checkPassed(s1, BackendRole.STANDBY, 60_000, 4);
        assertFalse(f.state(s1).lagging());
    }

    @Test
    void whenEveryStandbyLagsReadsGoToThePrimaryOrFailAsConfigured() throws Exception {
        for (boolean fallback : new boolean[] {true, false}) {
            Failover f =
                    failover(Backends.Target.STANDBY, new Backends.ReplicaLag(1000, Duration.ZERO, fallback), "p", "s");
            Backend p = f.backends().get(0), s = f.backends().get(1);
            f.checkPassed(p, BackendRole.PRIMARY, 100_000, -1);
            f.checkPassed(s, BackendRole.STANDBY, 100_000, 0);
            assertEquals(s, pick(f));
            f.checkPassed(p, BackendRole.PRIMARY, 200_000, -1);
            f.checkPassed(s, BackendRole.STANDBY, 100_000, 0);
            if (fallback) {
                assertEquals(p, pick(f), "replica_lag_fallback = primary");
            } else {
                ServerLoginException e = assertThrows(ServerLoginException.class, () -> pick(f));
                assertEquals("replicas_lagging", e.reason());
                assertTrue(e.getMessage().contains("every standby"), e.getMessage());
                assertTrue(f.readiness() != null, "not ready while reads cannot be placed");
            }
            f.checkPassed(s, BackendRole.STANDBY, 200_000, 0);
            assertEquals(s, pick(f), "back in rotation");
        }
    }

    @Test
    void withoutLimitsLagIsShownButNeverRoutes() throws Exception {
        Failover f = failover(Backends.Target.STANDBY, "p", "s");
        Backend p = f.backends().get(0), s = f.backends().get(1);
        f.checkPassed(p, BackendRole.PRIMARY, 10_000_000, -1);
        f.checkPassed(s, BackendRole.STANDBY, 0, 3600);
        assertEquals(10_000_000, f.state(s).lagBytes());
        assertEquals(3600, f.state(s).lagSeconds());
        assertEquals(-1, f.state(p).lagBytes(), "a primary has no lag");
        assertEquals(s, pick(f));
    }
}
