// [[hba]] method = "ldap" against a real OpenLDAP (slapd started by the test): simple bind over StartTLS and
// search+bind over LDAPS, pgjdbc over TLS through pgloom to PostgreSQL; wrong passwords, names with filter and DN
// metacharacters, a wrong CA, a stopped and a silent LDAP server, plaintext clients; outcomes counted; no pinning.
package io.pgloom.auth.ldap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.SilentServer;
import io.pgloom.testkit.Slapd;
import io.pgloom.testkit.TestCertificates;
import io.prometheus.client.Counter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LdapAuthIT {
    static final String WEIRD = "we*)(ird,x"; // filter and DN metacharacters in one name
    static TestCertificates certs;
    static Path wrongCa;
    static Slapd slapd;
    static String readerDn;

    @BeforeAll
    static void directory() throws Exception {
        String missing = Slapd.missing();
        assumeTrue(missing == null, missing);
        certs = TestCertificates.create("RSA"); // GnuTLS (Debian's slapd) cannot read keytool's EC key
        // A CA file that does not hold the LDAP server's issuer: only the client's own certificate.
        String client = Files.readString(certs.clientCertPem);
        String end = "-----END CERTIFICATE-----";
        wrongCa = Files.writeString(
                certs.dir.resolve("wrong-ca.pem"), client.substring(0, client.indexOf(end) + end.length()) + "\n");
        slapd = Slapd.start(certs.serverCertPem, certs.serverKeyPem);
        slapd.addUser("app", "app-ldap-pw");
        slapd.addUser("alice", "alice-pw");
        slapd.addUser(WEIRD, "weird-pw");
        readerDn = slapd.addAccount("reader", "reader-pw");
    }

    @AfterAll
    static void stop() throws Exception {
        if (slapd != null) slapd.close();
    }

    /** pgloom with TLS for clients, an "ldapdb" database logging in to PostgreSQL as app, and the given rules. */
    private static ProxyHarness proxy(String rules) {
        return ProxyHarness.start(PostgresFixture.shared(), "session", "", """
                [tls]
                mode = "prefer"
                cert_file = "%s"
                key_file = "%s"

                [databases.ldapdb]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                user = "app"
                password = "app"

                %s
                """.formatted(
                        certs.serverCertPem,
                        certs.serverKeyPem,
                        PostgresFixture.shared().port(),
                        rules));
    }

    private static Properties tls() {
        Properties p = new Properties();
        p.setProperty("sslmode", "verify-full");
        p.setProperty("sslrootcert", certs.caPem.toString());
        return p;
    }

    private static Properties plain() {
        Properties p = new Properties();
        p.setProperty("sslmode", "disable");
        return p;
    }

    private static String whoAmI(ProxyHarness p, String db, String user, String password, Properties props)
            throws SQLException {
        try (Connection c = p.connect(db, user, password, props);
                ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
            assertTrue(rs.next());
            return rs.getString(1);
        }
    }

    private static SQLException refused(ProxyHarness p, String db, String user, String password, Properties props) {
        return assertThrows(
                SQLException.class, () -> p.connect(db, user, password, props).close());
    }

    private static double count(ProxyHarness p, String outcome) {
        return p.pgloom().runtime().metrics.ldapAuth.labels(outcome).get();
    }

    private static String simpleBind(String transport) {
        return """
                [[hba]]
                method = "ldap"
                ldapserver = "127.0.0.1"
                ldapprefix = "uid="
                ldapsuffix = ",%s"
                %s
                """.formatted(Slapd.PEOPLE, transport);
    }

    private static String startTls(Path ca) {
        return "ldapport = %d\nldaptls = true\nldap_ca_file = \"%s\"\n".formatted(slapd.port, ca);
    }

    private static String ldaps(Path ca) {
        return "ldapscheme = \"ldaps\"\nldapport = %d\nldap_ca_file = \"%s\"\n".formatted(slapd.ldapsPort, ca);
    }

    @Test
    void simpleBindOverStartTlsChecksThePasswordWithLdapAndNeverPins() throws Exception {
        List<RecordedEvent> pinned;
        try (ProxyHarness p = proxy(simpleBind(startTls(certs.caPem)));
                Recording jfr = new Recording()) {
            jfr.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO);
            jfr.start();
            // The LDAP password logs in; pgloom's backend login is its own ([users.app] for database app).
            assertEquals("app", whoAmI(p, "app", "app", "app-ldap-pw", tls()));
            // The name's DN metacharacters are escaped (RFC 4514): it binds as exactly its own entry.
            assertEquals("app", whoAmI(p, "ldapdb", WEIRD, "weird-pw", tls()));
            jfr.stop();
            Path file = Files.createTempFile("ldap-pinning", ".jfr");
            jfr.dump(file);
            // Only LDAP's own frames matter here (a JDK class initialised during a TLS handshake may pin briefly).
            pinned = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getStackTrace() != null
                            && e.getStackTrace().getFrames().stream()
                                    .map(f -> f.getMethod().getType().getName())
                                    .anyMatch(c -> c.startsWith("com.sun.jndi")
                                            || c.startsWith("javax.naming")
                                            || c.startsWith("io.pgloom.auth.Ldap")))
                    .toList();
            Files.delete(file);

            // The password in [users.app] is not the LDAP one: refused as PostgreSQL words it, and counted.
            SQLException wrong = refused(p, "app", "app", "app", tls());
            assertEquals("28P01", wrong.getSQLState());
            assertTrue(wrong.getMessage().contains("LDAP authentication failed for user \"app\""), wrong.getMessage());
            SQLException unknown = refused(p, "ldapdb", "nobody", "x", tls());
            assertEquals("28P01", unknown.getSQLState());
            assertEquals(2, count(p, "ok"));
            assertEquals(2, count(p, "bad_password")); // simple bind cannot tell a missing entry from a wrong password

            // A plaintext client is never asked for its password.
            SQLException clear = refused(p, "app", "app", "app-ldap-pw", plain());
            assertEquals("28000", clear.getSQLState());
            assertTrue(clear.getMessage().contains("connect with TLS"), clear.getMessage());
            assertEquals(2, count(p, "ok") + count(p, "timeout") + count(p, "ldap_unreachable"));
        }
        assertEquals(List.of(), pinned.stream().map(RecordedEvent::toString).toList(), "no virtual thread pinned");
    }

    @Test
    void searchBindOverLdapsFindsTheUserByAnEscapedFilter() throws Exception {
        Path bindPassword = Files.createTempFile("ldap-bind", ".txt");
        Files.writeString(bindPassword, "reader-pw\n");
        try (ProxyHarness p = proxy("""
                [[hba]]
                database = "ldapdb"
                method = "ldap"
                ldapserver = "127.0.0.1"
                ldapbasedn = "%s"
                ldapbinddn = "%s"
                ldapbindpasswd_file = "%s"
                %s
                [[hba]]
                database = "app"
                method = "ldap"
                ldapserver = "localhost"
                ldapbasedn = "%s"
                ldapsearchfilter = "(&(objectClass=inetOrgPerson)(uid=$username))"
                %s
                """.formatted(
                        Slapd.PEOPLE, readerDn, bindPassword, ldaps(certs.caPem), Slapd.PEOPLE, ldaps(certs.caPem)))) {
            assertEquals("app", whoAmI(p, "ldapdb", "alice", "alice-pw", tls()));
            assertEquals("app", whoAmI(p, "ldapdb", WEIRD, "weird-pw", tls()));
            assertEquals("app", whoAmI(p, "app", "app", "app-ldap-pw", tls()));
            // Unescaped, "al*" would match alice's entry and her password would log it in.
            SQLException wildcard = refused(p, "ldapdb", "al*", "alice-pw", tls());
            assertEquals("28P01", wildcard.getSQLState());
            SQLException injected = refused(p, "app", "*)(uid=alice", "alice-pw", tls());
            assertEquals("28P01", injected.getSQLState());
            assertEquals("28P01", refused(p, "ldapdb", "alice", "wrong", tls()).getSQLState());
            assertEquals(3, count(p, "ok"));
            assertEquals(2, count(p, "no_such_user"));
            assertEquals(1, count(p, "bad_password"));
        } finally {
            Files.deleteIfExists(bindPassword);
        }
    }

    @Test
    void plaintextClientsOnlyWhereTheRuleAllowsIt() throws Exception {
        try (ProxyHarness p = proxy(simpleBind(ldaps(certs.caPem) + "ldap_allow_cleartext_without_tls = true\n"))) {
            assertEquals("app", whoAmI(p, "app", "app", "app-ldap-pw", plain()));
            assertEquals("28P01", refused(p, "app", "app", "", plain()).getSQLState());
        }
    }

    @Test
    void aWrongCaFailsClearlyForLdapsAndStartTls() throws Exception {
        for (String transport : new String[] {ldaps(wrongCa), startTls(wrongCa)}) {
            try (ProxyHarness p = proxy(simpleBind(transport))) {
                SQLException e = refused(p, "app", "app", "app-ldap-pw", tls());
                assertEquals("08001", e.getSQLState(), e.getMessage());
                assertTrue(e.getMessage().contains("no trusted TLS connection to the LDAP server"), e.getMessage());
                assertEquals(1, count(p, "tls_failed"), transport);
                assertEquals(0, count(p, "ok"));
            }
        }
    }

    @Test
    void aStoppedOrSilentLdapServerGivesACleanErrorWithinTheTimeout() throws Exception {
        try (Slapd own = Slapd.start(certs.serverCertPem, certs.serverKeyPem)) {
            own.addUser("app", "own-pw");
            String rule = simpleBind("ldapport = %d\nldap_timeout = 2\n".formatted(own.port))
                    + "ldap_allow_cleartext_without_tls = true\n";
            try (ProxyHarness p = proxy(rule)) {
                assertEquals("app", whoAmI(p, "app", "app", "own-pw", plain()));
                own.stop();
                long t0 = System.nanoTime();
                SQLException down = refused(p, "app", "app", "own-pw", plain());
                assertEquals("08001", down.getSQLState(), down.getMessage());
                assertTrue(down.getMessage().contains("cannot be reached"), down.getMessage());
                assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "answered well within the timeout");
                assertEquals(1, count(p, "ldap_unreachable"));
            }
        }
        // A server that accepts and never answers: the login ends after ldap_timeout, not with the client's patience.
        try (SilentServer silent = new SilentServer()) {
            String rule = simpleBind("ldapport = %d\nldap_timeout = 1\n".formatted(silent.port()))
                    + "ldap_allow_cleartext_without_tls = true\n";
            try (ProxyHarness p = proxy(rule)) {
                long t0 = System.nanoTime();
                SQLException hung = refused(p, "app", "app", "app-ldap-pw", plain());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals("08001", hung.getSQLState(), hung.getMessage());
                assertTrue(hung.getMessage().contains("did not answer in time"), hung.getMessage());
                assertTrue(ms >= 900 && ms < 8_000, "ended by ldap_timeout (1 s), took " + ms + " ms");
                Counter.Child timeouts = p.pgloom().runtime().metrics.ldapAuth.labels("timeout");
                Await.until(() -> timeouts.get() == 1, 5, "the timeout counted");
            }
        }
    }
}
