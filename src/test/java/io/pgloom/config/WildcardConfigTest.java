// [databases."*"]: the quoted key names the wildcard, any other name resolves to a database on its host with the
// client's name as dbname, a named table wins, and what the wildcard cannot take (dbname, hosts, target) is refused.
package io.pgloom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WildcardConfigTest {
    @TempDir
    Path dir;

    private Path write(String toml) throws Exception {
        return Files.writeString(dir.resolve("proxy.toml"), toml);
    }

    @Test
    void anyNameResolvesThroughTheWildcard() throws Exception {
        ProxyConfig c = ConfigLoader.load(write("""
                [proxy]
                autodb_idle_timeout = 30
                max_auto_databases = 7
                [databases."*"]
                host = "db.internal"
                port = 5433
                pool_size = 4
                [databases.app]
                host = "other"
                dbname = "app_prod"
                """));
        DatabaseConfig tenant = c.database("tenant_42").orElseThrow();
        assertEquals("tenant_42", tenant.name());
        assertEquals("tenant_42", tenant.dbname());
        assertEquals("db.internal", tenant.host());
        assertEquals(5433, tenant.port());
        assertEquals(4, c.poolSizeFor("tenant_42", "u"));
        assertTrue(c.isAuto("tenant_42"));
        assertFalse(c.isAuto("app"));
        assertEquals("app_prod", c.database("app").orElseThrow().dbname());
        assertEquals(Duration.ofSeconds(30), c.proxy().autodbIdleTimeout());
        assertEquals(7, c.proxy().maxAutoDatabases());
    }

    @Test
    void withoutAWildcardUnknownNamesStayUnknown() throws Exception {
        ProxyConfig c = ConfigLoader.load(write("[databases.app]\nhost = \"h\"\n"));
        assertTrue(c.database("tenant_42").isEmpty());
        assertFalse(c.isAuto("tenant_42"));
        assertEquals(Duration.ofSeconds(3600), c.proxy().autodbIdleTimeout());
        assertEquals(100, c.proxy().maxAutoDatabases());
    }

    @Test
    void theWildcardTakesOneHostAndNoDbname() throws Exception {
        Path f = write("""
                [databases."*"]
                hosts = ["a:5432", "b:5432"]
                dbname = "fixed"
                """);
        String e = assertThrows(ConfigError.class, () -> ConfigLoader.load(f)).getMessage();
        assertTrue(e.contains("databases.*.dbname: the wildcard database uses each client's database name"), e);
        assertTrue(e.contains("databases.*.hosts: the wildcard database takes one host"), e);
    }
}
