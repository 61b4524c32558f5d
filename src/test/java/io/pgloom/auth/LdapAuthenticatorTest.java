// LdapAuthenticator without a directory: an empty password never reaches LDAP, a closed port is unreachable at
// once, a server that accepts and stays silent ends in timeout within ldap_timeout, and a wrong CA file is a TLS
// failure; all on 127.0.0.1.
package io.pgloom.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.config.LdapSettings;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
    void aSilentServerEndsInTimeoutWithinTheBound() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            List<Socket> held = new ArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) held.add(silent.accept());
                } catch (Exception closed) {
                    // the test is over
                }
            });
            long t0 = System.nanoTime();
            var r = LdapAuthenticator.authenticate(
                    simple(silent.getLocalPort(), false, null, Duration.ofMillis(500)), "a", "pw");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(LdapAuthenticator.Outcome.TIMEOUT, r.outcome(), r.detail());
            assertTrue(ms >= 400 && ms < 3_000, "bounded by ldap_timeout (500 ms), took " + ms + " ms");
            silent.close();
            acceptor.join(5_000);
            for (Socket s : held) s.close();
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
