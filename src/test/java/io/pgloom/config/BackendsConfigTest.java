// hosts / target / [failover]: entries with ports, IPv6 brackets and weights, defaults, and errors that name the key.
package io.pgloom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendsConfigTest {
    @TempDir
    Path dir;

    private ProxyConfig load(String toml) throws Exception {
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f);
    }

    private String error(String toml) {
        return assertThrows(ConfigError.class, () -> load(toml)).getMessage();
    }

    @Test
    void hostEntriesParse() {
        assertEquals(new Backends.Host("pg1", 5432, 1), Backends.Host.parse("pg1", 5432));
        assertEquals(new Backends.Host("pg1", 6000, 1), Backends.Host.parse("pg1:6000", 5432));
        assertEquals(new Backends.Host("::1", 5433, 3), Backends.Host.parse("[::1]:5433?weight=3", 5432));
        assertEquals(new Backends.Host("fd00::2", 5432, 1), Backends.Host.parse("[fd00::2]", 5432));
        assertEquals("[::1]:5433", Backends.Host.parse("[::1]:5433", 5432).name());
        assertEquals("pg2:5432", Backends.Host.parse("pg2:5432?weight=2", 1).name());
        for (String bad :
                List.of("::1", "[::1", "pg:0", "pg:x", "pg?weight=0", "pg?weight=1001", "pg?w=2", ":5432", "[::1]x")) {
            assertThrows(IllegalArgumentException.class, () -> Backends.Host.parse(bad, 5432), bad);
        }
    }

    @Test
    void singleHostIsUncheckedAndHostsAreChecked() throws Exception {
        ProxyConfig c = load("""
                [databases.one]
                host = "db"
                [databases.many]
                hosts = ["a:5432", "b?weight=2"]
                port = 6000
                target = "prefer-standby"
                [failover]
                health_check_period = 0.5
                failover_threshold = 5
                """);
        Backends one = c.database("one").orElseThrow().backends();
        assertFalse(one.checked());
        assertEquals(Backends.Target.PRIMARY, one.target());
        assertEquals(List.of(new Backends.Host("db", 5432, 1)), one.hosts());
        Backends many = c.database("many").orElseThrow().backends();
        assertTrue(many.checked());
        assertEquals(Backends.Target.PREFER_STANDBY, many.target());
        assertEquals(List.of(new Backends.Host("a", 5432, 1), new Backends.Host("b", 6000, 2)), many.hosts());
        assertEquals("a", c.database("many").orElseThrow().host(), "host/port are the first host");
        assertEquals(Duration.ofMillis(500), many.failover().healthCheckPeriod());
        assertEquals(5, many.failover().failoverThreshold());
        assertEquals(2, many.failover().recoveryThreshold());
        assertEquals(Duration.ofSeconds(30), many.failover().drainTimeout());
        assertTrue(
                load("[databases.t]\nhost = \"db\"\ntarget = \"primary\"\n")
                        .database("t")
                        .orElseThrow()
                        .backends()
                        .checked(),
                "a target on one host turns its checks on");
    }

    @Test
    void mistakesNameTheKey() {
        assertTrue(error("[databases.x]\nhosts = [\"a\", \"a:5432\"]\n")
                .contains("databases.x.hosts: a:5432 is listed twice"));
        assertTrue(error("[databases.x]\nhosts = [\"::1\"]\n")
                .contains("databases.x.hosts: \"::1\": write an IPv6 address in brackets"));
        assertTrue(error("[databases.x]\nhosts = []\n").contains("databases.x.hosts: needs at least one"));
        assertTrue(error("[databases.x]\nhost = \"a\"\nhosts = [\"b\"]\n")
                .contains("databases.x.hosts: give either host"));
        assertTrue(error("[databases.x]\nhosts = [\"a\"]\ntarget = \"writer\"\n")
                .contains("databases.x.target: must be primary, standby"));
        assertTrue(error("[databases.x]\n").contains("databases.x.host: is required"));
        assertTrue(error("[failover]\nhealth_check_period = 0\n")
                .contains("failover.health_check_period: must be more than 0"));
        assertTrue(error("[failover]\nfailover_threshold = 0\n")
                .contains("failover.failover_threshold: must be between 1"));
        assertTrue(error("[failover]\nhealthcheck = 1\n").contains("failover.healthcheck: unknown key"));
    }

    @Test
    void replicaLagLimitsAndFallback() throws Exception {
        ProxyConfig c = load("""
                [databases.plain]
                hosts = ["a", "b"]
                [databases.ro]
                hosts = ["a", "b"]
                target = "standby"
                max_replica_lag_bytes = 1048576
                max_replica_lag_seconds = 2.5
                replica_lag_fallback = "error"
                """);
        assertEquals(
                Backends.ReplicaLag.OFF,
                c.database("plain").orElseThrow().backends().replicaLag());
        assertFalse(Backends.ReplicaLag.OFF.limited());
        Backends.ReplicaLag ro = c.database("ro").orElseThrow().backends().replicaLag();
        assertEquals(new Backends.ReplicaLag(1048576, Duration.ofMillis(2500), false), ro);
        String e = error("""
                [databases.ro]
                hosts = ["a", "b"]
                replica_lag_fallback = "standby"
                """);
        assertTrue(e.contains("replica_lag_fallback") && e.contains("primary or error"), e);
        assertTrue(error("""
                        [databases.ro]
                        hosts = ["a", "b"]
                        max_replica_lag_bytes = -1
                        """).contains("max_replica_lag_bytes"));
    }
}
