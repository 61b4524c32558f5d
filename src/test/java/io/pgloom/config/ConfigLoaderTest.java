// Config loading: defaults, precedence rules, validation messages naming file and key, secret sources.
package io.pgloom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private ProxyConfig load(String toml) throws Exception {
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, toml);
        return ConfigLoader.load(f);
    }

    private String error(String toml) throws Exception {
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, toml);
        return assertThrows(ConfigError.class, () -> ConfigLoader.load(f)).getMessage();
    }

    @Test
    void emptyFileGivesDefaults() throws Exception {
        ProxyConfig c = load("");
        assertEquals("127.0.0.1", c.proxy().listenHost());
        assertEquals(6432, c.proxy().listenPort());
        assertEquals(PoolMode.SESSION, c.proxy().poolMode());
        assertEquals(20, c.proxy().defaultPoolSize());
        assertEquals(Duration.ofSeconds(120), c.proxy().queryWaitTimeout());
        assertEquals("DISCARD ALL", c.proxy().serverResetQuery());
        assertTrue(c.admin().httpEnabled());
        assertEquals(9930, c.admin().httpPort());
    }

    @Test
    void userOverridesDatabaseOverridesProxy() throws Exception {
        ProxyConfig c = load("""
                [proxy]
                pool_mode = "session"
                default_pool_size = 7
                [databases.a]
                host = "h"
                pool_mode = "transaction"
                pool_size = 3
                [databases.b]
                host = "h"
                [users.u]
                password = "x"
                pool_mode = "session"
                pool_size = 2
                [users.v]
                password = "y"
                """);
        assertEquals(PoolMode.SESSION, c.poolModeFor("a", "u"));
        assertEquals(PoolMode.TRANSACTION, c.poolModeFor("a", "v"));
        assertEquals(PoolMode.SESSION, c.poolModeFor("b", "v"));
        assertEquals(2, c.poolSizeFor("a", "u"));
        assertEquals(3, c.poolSizeFor("a", "v"));
        assertEquals(7, c.poolSizeFor("b", "v"));
        assertEquals("a", c.database("a").orElseThrow().dbname());
        assertEquals(5432, c.database("a").orElseThrow().port());
    }

    @Test
    void errorsNameFileAndKeyAndComeTogether() throws Exception {
        String e = error("""
                [proxy]
                default_pool_size = 0
                pool_mod = "transaction"
                listen = "nonsense"
                pool_mode = "statment"
                [databases.a]
                port = 5432
                [admin]
                users = ["ghost"]
                [tls]
                mode = "require"
                """);
        assertTrue(e.contains("proxy.toml: proxy.default_pool_size: must be between 1 and 10000 (got 0)"), e);
        assertTrue(e.contains("proxy.pool_mod: unknown key"), e);
        assertTrue(e.contains("proxy.listen: expected"), e);
        assertTrue(
                e.contains("proxy.pool_mode: must be \"session\", \"transaction\" or \"statement\" (got \"statment\")"),
                e);
        assertTrue(e.contains("databases.a.host: is required"), e);
        assertTrue(e.contains("admin.users: \"ghost\" has no [users.ghost] table"), e);
        assertTrue(e.contains("tls.cert_file: is required when mode is require"), e);
        assertTrue(e.lines().count() >= 7, "one line per problem");
    }

    @Test
    void minPoolSizeAboveSizeIsRejected() throws Exception {
        String e = error("""
                [databases.a]
                host = "h"
                pool_size = 2
                min_pool_size = 5
                """);
        assertTrue(e.contains("databases.a.min_pool_size: 5 is more than the pool size 2"), e);
    }

    @Test
    void secretsComeFromFileOrEnvironmentAndNeverShow() throws Exception {
        Files.writeString(dir.resolve("pw.txt"), "from-file\n");
        Map<String, String> fakeEnv = Map.of("PGLOOM_TEST_PW", "from-env");
        var saved = ConfigLoader.env;
        ConfigLoader.env = fakeEnv::get;
        try {
            ProxyConfig c = load("""
                    [users.f]
                    password_file = "pw.txt"
                    [users.e]
                    password_env = "PGLOOM_TEST_PW"
                    [users.n]
                    """);
            assertEquals("from-file", c.user("f").orElseThrow().password().reveal());
            assertEquals("from-env", c.user("e").orElseThrow().password().reveal());
            assertNull(c.user("n").orElseThrow().password());
            assertEquals("<redacted>", c.user("f").orElseThrow().password().toString());
            assertFalse(c.user("e").orElseThrow().toString().contains("from-env"));
            String e = error("""
                    [users.x]
                    password = "hunter2-secret"
                    password_env = "UNSET_VARIABLE_FOR_TEST"
                    typo_key = 1
                    """);
            assertTrue(e.contains("users.x.password: give only one of"), e);
            assertTrue(e.contains("users.x.typo_key: unknown key"), e);
            assertFalse(e.contains("hunter2-secret"), "a secret never appears in an error");
        } finally {
            ConfigLoader.env = saved;
        }
    }

    @Test
    void secretKindsAreRecognised() throws Exception {
        ProxyConfig c = load("""
                [users.p]
                password = "plain"
                [users.m]
                password = "md53175bce1d3201d16594cebf9d7eb3f9d"
                [users.s]
                password = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
                """);
        assertEquals(Secret.Kind.PLAIN, c.user("p").orElseThrow().password().kind());
        assertEquals(Secret.Kind.MD5, c.user("m").orElseThrow().password().kind());
        assertEquals(Secret.Kind.SCRAM, c.user("s").orElseThrow().password().kind());
        String e = error("""
                [users.bad]
                password = "SCRAM-SHA-256$4096:xx$yy"
                """);
        assertTrue(e.contains("users.bad.password: not a valid SCRAM-SHA-256 verifier"), e);
    }

    @Test
    void shippedExampleLoads() throws Exception {
        ProxyConfig c = ConfigLoader.load(Path.of("conf/proxy.toml"));
        assertTrue(c.database("app").isPresent());
        assertEquals(java.util.List.of("admin"), c.admin().users());
    }
}
