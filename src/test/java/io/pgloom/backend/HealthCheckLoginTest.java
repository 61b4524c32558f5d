// Who health checks log in as, from real config files: the order (database user, auth_user, health_check_user,
// the only user), what does not count as a user pgloom can log in as, and the errors --check and startup give.
package io.pgloom.backend;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.config.ConfigError;
import io.pgloom.config.ConfigLoader;
import io.pgloom.config.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthCheckLoginTest {
    private static final String SCRAM = "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$"
            + "mAfoF2oXa2DHA2XMyJbPJU9ijQkcWkvK7t3QNTdIVgo=:GDSgYlGrp4oBpnZ9mGxyw5W2I1bXEuB0bwyhSn9d+1M=";

    @TempDir
    Path dir;

    private ProxyConfig load(String databaseKeys, String rest) throws ConfigError {
        try {
            Path f = dir.resolve("proxy.toml");
            Files.writeString(f, """
                    [admin]
                    users = ["admin"]
                    [users.admin]
                    password = "admin-pw"
                    [databases.rw]
                    hosts = ["127.0.0.1:5432", "127.0.0.1:5433"]
                    %s
                    %s
                    """.formatted(databaseKeys, rest));
            return ConfigLoader.load(f);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HealthCheckLogin.Choice choice(ProxyConfig c) {
        return HealthCheckLogin.choose(c, c.database("rw").orElseThrow());
    }

    private static final String TWO_USERS = """
            [users.app]
            password = "app-pw"
            [users.reporting]
            password = "md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            """;

    @Test
    void theOnlyUserThatCanLogInIsChosenWithoutAnyExtraKey() throws Exception {
        ProxyConfig c = load("", "[users.app]\npassword = \"app-pw\"\n");
        assertEquals(new HealthCheckLogin.Choice("app", HealthCheckLogin.Source.ONLY_USER), choice(c));
        assertDoesNotThrow(() -> HealthCheckLogin.validate(c));
    }

    @Test
    void theDatabaseUserComesFirstThenAuthUserThenHealthCheckUser() throws Exception {
        String all = TWO_USERS + """
                [proxy]
                auth_user = "app"
                [failover]
                health_check_user = "reporting"
                """;
        assertEquals(
                new HealthCheckLogin.Choice("owner", HealthCheckLogin.Source.DATABASE_USER),
                choice(load("user = \"owner\"\npassword = \"owner-pw\"", all)));
        assertEquals(new HealthCheckLogin.Choice("app", HealthCheckLogin.Source.AUTH_USER), choice(load("", all)));
        assertEquals(
                new HealthCheckLogin.Choice("reporting", HealthCheckLogin.Source.HEALTH_CHECK_USER),
                choice(load("", TWO_USERS + "[failover]\nhealth_check_user = \"reporting\"\n")));
        // An auth_user pgloom cannot log in as (a SCRAM verifier) is passed over for the next choice.
        String scramAuthUser = TWO_USERS + """
                [users.lookup]
                password = "%s"
                [proxy]
                auth_user = "lookup"
                [failover]
                health_check_user = "reporting"
                """.formatted(SCRAM);
        assertEquals(
                HealthCheckLogin.Source.HEALTH_CHECK_USER,
                choice(load("", scramAuthUser)).source());
    }

    @Test
    void severalUsersAreNotGuessedAndTheErrorNamesTheKeyToAdd() throws Exception {
        ProxyConfig c = load("", TWO_USERS);
        assertNull(choice(c));
        ConfigError e = assertThrows(ConfigError.class, () -> HealthCheckLogin.validate(c));
        assertTrue(e.getMessage().startsWith(dir.resolve("proxy.toml") + ": databases.rw: "), e.getMessage());
        assertTrue(e.getMessage().contains("2 users could (app, reporting)"), e.getMessage());
        assertTrue(e.getMessage().contains("add health_check_user = \"NAME\" to [failover]"), e.getMessage());
        assertTrue(e.getMessage().contains("or user and password to [databases.rw]"), e.getMessage());
    }

    @Test
    void adminsScramVerifiersMissingPasswordsAndHbaRejectsDoNotCount() throws Exception {
        String users = """
                [users.app]
                password = "app-pw"
                [users.scrammed]
                password = "%s"
                [users.nopassword]
                [users.elsewhere]
                password = "x"
                [[hba]]
                user = "elsewhere"
                database = "rw"
                method = "reject"
                [[hba]]
                method = "scram-sha-256"
                """.formatted(SCRAM);
        assertEquals(new HealthCheckLogin.Choice("app", HealthCheckLogin.Source.ONLY_USER), choice(load("", users)));
        ProxyConfig none = load("", "[users.scrammed]\npassword = \"" + SCRAM + "\"\n");
        assertEquals(
                List.of(), HealthCheckLogin.candidates(none, none.database("rw").orElseThrow()));
        ConfigError e = assertThrows(ConfigError.class, () -> HealthCheckLogin.validate(none));
        assertTrue(
                e.getMessage().contains("no [users.NAME] table has a password pgloom can log in with"), e.getMessage());
    }

    @Test
    void aRejectOnlyForSomeAddressesStillLeavesTheUserACandidate() throws Exception {
        String users = TWO_USERS + """
                [[hba]]
                user = "reporting"
                address = "10.0.0.0/8"
                method = "reject"
                [[hba]]
                user = "app"
                method = "reject"
                [[hba]]
                method = "md5"
                """;
        assertEquals(
                new HealthCheckLogin.Choice("reporting", HealthCheckLogin.Source.ONLY_USER), choice(load("", users)));
    }

    @Test
    void onlyHealthCheckedDatabasesNeedALogin() throws Exception {
        Path f = dir.resolve("single.toml");
        Files.writeString(f, """
                [databases.one]
                host = "127.0.0.1"
                [databases.checked]
                host = "127.0.0.1"
                target = "primary"
                """ + TWO_USERS);
        ProxyConfig c = ConfigLoader.load(f);
        ConfigError e = assertThrows(ConfigError.class, () -> HealthCheckLogin.validate(c));
        assertTrue(e.getMessage().contains("databases.checked:"), e.getMessage());
        assertTrue(!e.getMessage().contains("databases.one"), e.getMessage());
        // A single unchecked host's readiness probe keeps its lenient choice: a served user, else the first one.
        var one = c.database("one").orElseThrow();
        assertEquals("reporting", HealthCheckLogin.readinessUser(c, one, List.of("reporting")));
        assertEquals("app", HealthCheckLogin.readinessUser(c, one, List.of()));
    }

    @Test
    void healthCheckUserMustHaveAUsablePassword() {
        String key = "[failover]\nhealth_check_user = \"monitor\"\n";
        ConfigError missing = assertThrows(ConfigError.class, () -> load("", key));
        assertTrue(
                missing.getMessage().contains("health_check_user: \"monitor\" has no [users.monitor] table"),
                missing.getMessage());
        ConfigError scram = assertThrows(
                ConfigError.class, () -> load("", key + "[users.monitor]\npassword = \"" + SCRAM + "\"\n"));
        assertTrue(
                scram.getMessage().contains("health_check_user: [users.monitor] needs a password pgloom can log in"),
                scram.getMessage());
    }
}
