// Client-facing TLS with the JDK's own TLS: pgjdbc with sslmode=verify-full against a certificate pgloom loads
// from PEM files, PostgreSQL 17-style direct TLS (ALPN "postgresql"), plaintext refused under require, TLS 1.1
// refused, client certificates under verify-ca.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.runtime.ClientRow;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.TestCertificates;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TlsIT {
    static TestCertificates certs;

    @BeforeAll
    static void certificates() throws Exception {
        certs = TestCertificates.create("EC");
    }

    private static String tlsTable(String mode) {
        return """
                [tls]
                mode = "%s"
                cert_file = "%s"
                key_file = "%s"
                ca_file = "%s"
                """.formatted(mode, certs.serverCertPem, certs.serverKeyPem, certs.caPem);
    }

    private static Properties ssl(String sslmode) {
        Properties p = new Properties();
        p.setProperty("sslmode", sslmode);
        p.setProperty("sslrootcert", certs.caPem.toString());
        return p;
    }

    @Test
    void verifyFullThroughPgloom() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "transaction", "", tlsTable("prefer"));
                Connection c = p.connect("app", "app", "app", ssl("verify-full"));
                ResultSet rs = c.createStatement().executeQuery("SELECT 40 + 2")) {
            rs.next();
            assertEquals(42, rs.getInt(1));
            assertTrue(p.pgloom().runtime().clientRows().stream().anyMatch(ClientRow::tls), "SHOW CLIENTS says tls");
            assertTrue(
                    p.pgloom().runtime().state.certificateNotAfter().keySet().stream()
                            .anyMatch(k ->
                                    k.get(0).contains("localhost") && k.get(1).equals("tls.cert_file")),
                    "the certificate's expiry is exported");
            // prefer: plaintext still works
            try (Connection plain = p.app();
                    ResultSet r2 = plain.createStatement().executeQuery("SELECT 1")) {
                assertTrue(r2.next());
            }
        }
    }

    @Test
    void scramChannelBindingRequiredByTheClientSucceeds() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", tlsTable("require"))) {
            Properties props = ssl("verify-full");
            props.setProperty("channelBinding", "require");
            try (Connection c = p.connect("app", "app", "app", props)) {
                assertTrue(c.isValid(5));
                assertTrue(
                        p.pgloom().runtime().clientRows().stream()
                                .anyMatch(r -> r.authMethod().equals("scram-sha-256-plus")),
                        "the login used SCRAM-SHA-256-PLUS");
            }
            props.setProperty("password", "wrong");
            SQLException e = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "wrong", props).close());
            assertEquals("28P01", e.getSQLState());
        }
    }

    @Test
    void serverTlsVerifyFullTowardsPostgres() throws Exception {
        try (PostgresFixture pg = PostgresFixture.startNewWithTls(certs.serverCertPem, certs.serverKeyPem)) {
            try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "", """
                         [server_tls]
                         mode = "verify-full"
                         ca_file = "%s"
                         """.formatted(certs.caPem));
                    Connection c = p.app();
                    ResultSet rs = c.createStatement()
                            .executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                assertTrue(rs.next());
                assertTrue(rs.getBoolean(1), "pgloom's server connection is encrypted");
            }
            // Per database: [server_tls] off, one database overrides it with server_tls_mode.
            try (ProxyHarness p = ProxyHarness.start(pg, "session", "", """
                         [databases.secure]
                         host = "127.0.0.1"
                         port = %d
                         dbname = "app"
                         server_tls_mode = "require"
                         """.formatted(pg.port()))) {
                try (Connection c = p.connect("secure", "app", "app");
                        ResultSet rs = c.createStatement()
                                .executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                    rs.next();
                    assertTrue(rs.getBoolean(1), "the overriding database uses TLS");
                }
                try (Connection c = p.app();
                        ResultSet rs = c.createStatement()
                                .executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                    rs.next();
                    assertTrue(!rs.getBoolean(1), "the others follow [server_tls] (off)");
                }
            }
        }
        // verify-full against a server with no TLS at all: refused with a clear error.
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", """
                [server_tls]
                mode = "require"
                """)) {
            SQLException e = assertThrows(SQLException.class, () -> p.app().close());
            assertTrue(e.getMessage().contains("does not offer TLS"), e.getMessage());
        }
    }

    @Test
    void expiredOrForeignCertificatesAreRejectedByVerifyFull() throws Exception {
        TestCertificates expired = TestCertificates.create("EC", true);
        TestCertificates other = TestCertificates.create("EC");
        try (ProxyHarness p = ProxyHarness.start(
                PostgresFixture.shared(), "session", "", """
                [tls]
                mode = "require"
                cert_file = "%s"
                key_file = "%s"
                """.formatted(expired.serverCertPem, expired.serverKeyPem))) {
            Properties props = new Properties();
            props.setProperty("sslmode", "verify-full");
            props.setProperty("sslrootcert", expired.caPem.toString());
            SQLException e = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "app", props).close());
            assertTrue(
                    String.valueOf(e.getCause()).toLowerCase().contains("expired")
                            || String.valueOf(e.getMessage()).toLowerCase().contains("ssl"),
                    e.toString());
        }
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", tlsTable("require"))) {
            Properties wrongCa = new Properties();
            wrongCa.setProperty("sslmode", "verify-full");
            wrongCa.setProperty("sslrootcert", other.caPem.toString());
            assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "app", wrongCa).close(),
                    "a certificate from another CA");
        }
    }

    @Test
    void certificateRotationByReloadWhileClientsKeepQuerying() throws Exception {
        TestCertificates next = TestCertificates.create("EC");
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("pgloom-rotate");
        java.nio.file.Path cert = dir.resolve("server.pem");
        java.nio.file.Path key = dir.resolve("server.key");
        java.nio.file.Files.copy(certs.serverCertPem, cert);
        java.nio.file.Files.copy(certs.serverKeyPem, key);
        try (ProxyHarness p = ProxyHarness.start(
                        PostgresFixture.shared(), "transaction", "max_client_conn = 100", """
                [tls]
                mode = "require"
                cert_file = "%s"
                key_file = "%s"
                """.formatted(cert, key));
                var ex = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong queries = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicInteger querying = new java.util.concurrent.atomic.AtomicInteger();
            java.util.List<java.util.concurrent.Future<Long>> clients = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                clients.add(ex.submit(() -> {
                    long n = 0;
                    try (Connection c = p.connect("app", "app", "app", ssl("verify-full"))) {
                        while (!stop.get()) {
                            try (ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                                rs.next();
                                if (n++ == 0) querying.incrementAndGet();
                                queries.incrementAndGet();
                            }
                        }
                    }
                    return n;
                }));
            }
            // Every client's first query before the rotation: one still logging in would meet the new certificate.
            io.pgloom.testkit.Await.until(
                    () -> querying.get() == 20 && queries.get() > 200, 60, "the 20 clients to be querying");
            java.nio.file.Files.copy(next.serverCertPem, cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            java.nio.file.Files.copy(next.serverKeyPem, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals(null, p.pgloom().reload(), "RELOAD accepts the new certificate");
            Properties newCa = new Properties();
            newCa.setProperty("sslmode", "verify-full");
            newCa.setProperty("sslrootcert", next.caPem.toString());
            try (Connection c = p.connect("app", "app", "app", newCa)) {
                assertTrue(c.isValid(5), "new connections get the new certificate");
            }
            assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "app", ssl("verify-full")).close(),
                    "the old CA no longer verifies new connections");
            long before = queries.get();
            io.pgloom.testkit.Await.until(() -> queries.get() > before + 200, 30, "the old sessions to keep querying");
            stop.set(true);
            for (var f : clients)
                assertTrue(f.get(30, java.util.concurrent.TimeUnit.SECONDS) > 0, "every client kept working");
        }
    }

    @Test
    void requireRefusesPlaintextClients() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", tlsTable("require"))) {
            Properties plain = new Properties();
            plain.setProperty("sslmode", "disable");
            SQLException e = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "app", plain).close());
            assertEquals("28000", e.getSQLState());
            assertTrue(e.getMessage().contains("TLS is required"), e.getMessage());
            try (Connection c = p.connect("app", "app", "app", ssl("verify-full"))) {
                assertTrue(c.isValid(5));
            }
        }
    }

    @Test
    void directTlsNeedsTheAlpnOfPostgres() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", tlsTable("require"))) {
            SSLContext trustAll = trustingContext();
            // With ALPN "postgresql": the handshake completes and the startup packet is read over TLS.
            try (SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", p.port())) {
                var params = s.getSSLParameters();
                params.setApplicationProtocols(new String[] {"postgresql"});
                s.setSSLParameters(params);
                s.startHandshake();
                assertEquals("postgresql", s.getApplicationProtocol());
                s.getOutputStream()
                        .write(io.pgloom.wire.StartupPacket.encodeStartup(
                                java.util.Map.of("user", "app", "database", "app")));
                assertEquals('R', s.getInputStream().read(), "an authentication request over direct TLS");
            }
            // Without ALPN: refused.
            try (SSLSocket s = (SSLSocket) trustAll.getSocketFactory().createSocket("127.0.0.1", p.port())) {
                s.setSoTimeout(5000);
                assertThrows(Exception.class, () -> {
                    s.startHandshake();
                    s.getOutputStream()
                            .write(io.pgloom.wire.StartupPacket.encodeStartup(java.util.Map.of("user", "app")));
                    if (s.getInputStream().read() < 0) throw new java.io.EOFException("closed");
                });
            }
        }
    }

    @Test
    void tls11IsRefused() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", tlsTable("require"));
                Socket raw = new Socket("127.0.0.1", p.port())) {
            raw.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
            assertEquals('S', raw.getInputStream().read());
            SSLContext ctx = trustingContext();
            SSLSocket s = (SSLSocket)
                    ((SSLSocketFactory) ctx.getSocketFactory()).createSocket(raw, "127.0.0.1", p.port(), true);
            s.setEnabledProtocols(new String[] {"TLSv1.1"});
            assertThrows(javax.net.ssl.SSLException.class, s::startHandshake);
        }
    }

    @Test
    void verifyCaRequiresAClientCertificate() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", tlsTable("verify-ca"))) {
            assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "app", ssl("verify-full")).close(),
                    "no client certificate: refused");
            Properties withCert = ssl("verify-full");
            withCert.setProperty("sslcert", certs.clientCertPem.toString());
            withCert.setProperty("sslkey", certs.clientKeyDer.toString());
            try (Connection c = p.connect("app", "app", "app", withCert)) {
                assertTrue(c.isValid(5));
            }
        }
    }

    private static SSLContext trustingContext() throws Exception {
        var trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(
                "ca", io.pgloom.tls.Pem.certificates(certs.caPem).get(0));
        var tmf =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
