// [[hba]] rules through pgloom: first match wins, reject names its rule, TLS-only rules, cert authentication by
// the client certificate's CN, no matching rule refused; and auth_failure_delay slowing failed logins.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.TestCertificates;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HbaIT {
    static TestCertificates certs;

    @BeforeAll
    static void certificates() throws Exception {
        certs = TestCertificates.create("EC");
    }

    private static String tls() {
        return """
                [tls]
                mode = "prefer"
                cert_file = "%s"
                key_file = "%s"
                ca_file = "%s"
                """.formatted(certs.serverCertPem, certs.serverKeyPem, certs.caPem);
    }

    private static Properties ssl(boolean clientCert) {
        Properties p = new Properties();
        p.setProperty("sslmode", "verify-full");
        p.setProperty("sslrootcert", certs.caPem.toString());
        if (clientCert) {
            p.setProperty("sslcert", certs.clientCertPem.toString());
            p.setProperty("sslkey", certs.clientKeyDer.toString());
        }
        return p;
    }

    private static Properties plain() {
        Properties p = new Properties();
        p.setProperty("sslmode", "disable");
        return p;
    }

    @Test
    void rulesPickTheMethodAndRejectionsNameTheirRule() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "", tls() + """
                [[hba]]
                user = "md5_user"
                method = "reject"

                [[hba]]
                user = "app"
                type = "tls"
                method = "scram-sha-256"

                [[hba]]
                user = "scram_user"
                address = "10.0.0.0/8"
                method = "trust"

                [[hba]]
                user = ["scram_user", "plain_user"]
                address = "127.0.0.1/32"
                method = "md5"
                """)) {
            SQLException rejected = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "md5_user", "md5_pw", plain()).close());
            assertEquals("28000", rejected.getSQLState());
            assertTrue(rejected.getMessage().contains("hba rule #1"), rejected.getMessage());

            SQLException noTls = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", "app", plain()).close());
            assertEquals("28000", noTls.getSQLState());
            assertTrue(noTls.getMessage().contains("no hba rule allows"), noTls.getMessage());
            try (Connection c = p.connect("app", "app", "app", ssl(false));
                    ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the TLS-only rule lets app in over TLS");
            }
            // 127.0.0.1 is not in 10.0.0.0/8: rule #4 applies (md5), so the password is checked.
            assertEquals(
                    "28P01",
                    assertThrows(
                                    SQLException.class,
                                    () -> p.connect("app", "scram_user", "wrong", plain())
                                            .close())
                            .getSQLState());
            try (Connection c = p.connect("app", "scram_user", "scram_pw", plain())) {
                assertTrue(c.isValid(5));
            }
            // Failures are counted by the reason word alone: the rule and the address stay in the log line.
            var failures = p.pgloom().runtime().metrics.authFailures;
            Await.until(
                    () -> failures.labels("hba_reject").get() == 1
                            && failures.labels("no_hba_rule").get() == 1,
                    10,
                    "the rejections counted under hba_reject and no_hba_rule");
        }
    }

    @Test
    void certAuthenticationUsesTheCertificateName() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                PostgresFixture.shared(),
                "session",
                "",
                tls() + """
                [users.mapped]
                cert_name = "app"

                [databases.certdb]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                user = "trust_user"

                [[hba]]
                type = "tls"
                method = "cert"
                """.formatted(PostgresFixture.shared().port()))) {
            // cert_name maps the certificate's CN=app to the user "mapped".
            try (Connection c = p.connect("certdb", "mapped", null, ssl(true));
                    ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                assertTrue(rs.next(), "the mapped name logs in");
            }
            // The client certificate says CN=app: user app gets in without a password.
            try (Connection c = p.connect("app", "app", null, ssl(true));
                    ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
                rs.next();
                assertEquals("app", rs.getString(1));
            }
            SQLException other = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "scram_user", null, ssl(true)).close());
            assertEquals("28000", other.getSQLState(), "CN=app cannot log in as scram_user");
            SQLException none = assertThrows(
                    SQLException.class,
                    () -> p.connect("app", "app", null, ssl(false)).close());
            assertEquals("28000", none.getSQLState(), "no client certificate, no cert login");
        }
    }

    @Test
    void failedLoginsAreSlowedDown() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(PostgresFixture.shared(), "session", "auth_failure_delay = 0.5", "")) {
            long t0 = System.nanoTime();
            assertThrows(
                    SQLException.class, () -> p.connect("app", "app", "wrong").close());
            long first = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(first >= 450, "the refusal waited auth_failure_delay: " + first + " ms");
            assertEquals(1, p.pgloom().runtime().authFailureSources());
            t0 = System.nanoTime();
            assertThrows(
                    SQLException.class, () -> p.connect("app", "app", "wrong").close());
            long second = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(
                    second >= 950, "the second failure from the same address waits twice as long: " + second + " ms");
            p.connect("app", "app", "app").close();
            assertEquals(0, p.pgloom().runtime().authFailureSources(), "a success clears the address");
        }
    }
}
