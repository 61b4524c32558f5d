// A config naming an unreadable or malformed certificate or key is refused before pgloom serves anything, with
// the error naming the file's key, whichever side ([tls] or [server_tls]) it belongs to.
package io.pgloom.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.config.ConfigError;
import io.pgloom.config.ConfigLoader;
import io.pgloom.config.ProxyConfig;
import io.pgloom.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsStateTest {
    @TempDir
    Path dir;

    @Test
    void aBadFileIsAConfigErrorNamingItsKey() throws Exception {
        Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, """
                [proxy]
                listen = "127.0.0.1:6432"
                [tls]
                mode = "require"
                cert_file = "garbage.pem"
                key_file = "missing.key"
                [server_tls]
                mode = "verify-ca"
                ca_file = "garbage.pem"
                [databases.app]
                host = "127.0.0.1"
                """);
        ProxyConfig c = ConfigLoader.load(f);
        ConfigError e = assertThrows(ConfigError.class, () -> TlsState.check(c));
        String m = e.getMessage();
        assertTrue(m.contains("tls.cert_file: "), m);
        assertTrue(m.contains("tls.key_file: "), m);
        assertTrue(m.contains("server_tls.ca_file: "), m);
        assertTrue(m.contains("garbage.pem") && m.contains("missing.key"), m);
    }

    @Test
    void everyLoadedCertificateIsListedWithItsFileForExpiryAlerts() throws Exception {
        TestCertificates certs = TestCertificates.create("EC");
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, """
                [proxy]
                listen = "127.0.0.1:6432"
                [tls]
                mode = "require"
                cert_file = "%s"
                key_file = "%s"
                [server_tls]
                mode = "verify-ca"
                ca_file = "%s"
                cert_file = "%s"
                key_file = "%s"
                [databases.app]
                host = "127.0.0.1"
                """.formatted(
                        certs.serverCertPem, certs.serverKeyPem, certs.caPem, certs.clientCertPem, certs.clientKeyPem));
        TlsState state = TlsState.of(ConfigLoader.load(f));
        List<String> files = state.certificates().stream()
                .map(TlsState.LoadedCertificate::file)
                .distinct()
                .toList();
        assertEquals(List.of("tls.cert_file", "server_tls.cert_file", "server_tls.ca_file"), files);
        assertTrue(state.certificates().stream()
                .allMatch(c -> c.certificate().getNotAfter().getTime() > System.currentTimeMillis()));
    }
}
