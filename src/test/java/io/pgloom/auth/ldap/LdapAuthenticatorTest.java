// LdapAuthenticator without a directory: an empty password never reaches LDAP, a closed port is unreachable at
// once, a server that accepts and stays silent ends in timeout (not in a hang), and a wrong CA file is a TLS
// failure; all on 127.0.0.1.
package io.pgloom.auth.ldap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgloom.config.LdapSettings;
import io.pgloom.testkit.SilentServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LdapAuthenticatorTest {
    private static LdapSettings simple(int port, boolean ldaps, Path ca, Duration timeout) {
        return new LdapSettings(
                List.of("127.0.0.1"),
                port,
                ldaps,
                false,
                "uid=",
                ",dc=example,dc=org",
                null,
                "uid",
                null,
                null,
                null,
                ca,
                timeout,
                false);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void anEmptyPasswordIsRefusedWithoutAskingLdap() throws Exception {
        // An empty password would be an unauthenticated bind, which directories accept.
        var r = LdapAuthenticator.authenticate(simple(closedPort(), false, null, Duration.ofSeconds(2)), "alice", "");
        assertEquals(LdapAuthenticator.Outcome.BAD_PASSWORD, r.outcome(), r.detail());
    }

    @Test
    void aClosedPortIsUnreachable() throws Exception {
        var r = LdapAuthenticator.authenticate(simple(closedPort(), false, null, Duration.ofSeconds(2)), "a", "pw");
        assertEquals(LdapAuthenticator.Outcome.LDAP_UNREACHABLE, r.outcome(), r.detail());
    }

    @Test
    void aSilentServerEndsInTimeout() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            var r = LdapAuthenticator.authenticate(
                    simple(silent.port(), false, null, Duration.ofMillis(500)), "a", "pw");
            assertEquals(LdapAuthenticator.Outcome.TIMEOUT, r.outcome(), r.detail()); // how soon: LdapAuthIT
        }
    }

    @Test
    void aCaFileWithoutCertificatesIsATlsFailure() throws Exception {
        Path ca = Files.createTempFile("empty-ca", ".pem");
        try {
            var r = LdapAuthenticator.authenticate(simple(closedPort(), true, ca, Duration.ofSeconds(2)), "a", "pw");
            assertEquals(LdapAuthenticator.Outcome.TLS_FAILED, r.outcome(), r.detail());
        } finally {
            Files.delete(ca);
        }
    }
}
