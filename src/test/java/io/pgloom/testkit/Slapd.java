// A throwaway OpenLDAP server (Debian's slapd) for LDAP authentication tests: a generated slapd.conf in a temp dir,
// ldap:// (with StartTLS) and ldaps:// on free 127.0.0.1 ports with the test's certificate, entries added by ldapadd.
package io.pgloom.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class Slapd implements AutoCloseable {
    public static final String SLAPD = "/usr/sbin/slapd";
    public static final String BASE = "dc=example,dc=org";
    public static final String PEOPLE = "ou=people," + BASE;
    public static final String ROOT_DN = "cn=admin," + BASE;
    private static final String ROOT_PW = "rootsecret";

    public final Path dir;
    public final int port;
    public final int ldapsPort;
    private Process process;

    /** Why LDAP tests cannot run here, or null when slapd and ldapadd are installed. */
    public static String missing() {
        if (!Files.isExecutable(Path.of(SLAPD))) return SLAPD + " is not installed (scripts/install-test-tools.sh)";
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "ldapadd"))) return null;
        }
        return "ldapadd is not installed (Debian package ldap-utils; scripts/install-test-tools.sh)";
    }

    private Slapd(Path dir, int port, int ldapsPort) {
        this.dir = dir;
        this.port = port;
        this.ldapsPort = ldapsPort;
    }

    /** Starts slapd with the certificate and key (PEM) for ldaps:// and StartTLS, and the suffix's base entries. */
    public static Slapd start(Path certPem, Path keyPem) throws Exception {
        Path dir = Files.createTempDirectory("pgloom-slapd");
        Files.createDirectories(dir.resolve("db"));
        Slapd s = new Slapd(dir, Await.freePort(), Await.freePort());
        Files.writeString(dir.resolve("slapd.conf"), """
                include /etc/ldap/schema/core.schema
                include /etc/ldap/schema/cosine.schema
                include /etc/ldap/schema/inetorgperson.schema
                pidfile %1$s/slapd.pid
                modulepath /usr/lib/ldap
                moduleload back_mdb
                TLSCertificateFile %2$s
                TLSCertificateKeyFile %3$s
                database mdb
                maxsize 16777216
                suffix "%4$s"
                rootdn "%5$s"
                rootpw %6$s
                directory %1$s/db
                """.formatted(dir, certPem, keyPem, BASE, ROOT_DN, ROOT_PW));
        s.startProcess();
        s.add("""
                dn: %s
                objectClass: dcObject
                objectClass: organization
                o: example
                dc: example

                dn: %s
                objectClass: organizationalUnit
                ou: people
                """.formatted(BASE, PEOPLE));
        return s;
    }

    private void startProcess() throws Exception {
        process = new ProcessBuilder(
                        SLAPD,
                        "-d",
                        "256", // stats: each operation, and why it stopped if it does
                        "-f",
                        dir.resolve("slapd.conf").toString(),
                        "-h",
                        "ldap://127.0.0.1:" + port + "/ ldaps://127.0.0.1:" + ldapsPort + "/")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("slapd.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(Await.accepts(port) && Await.accepts(ldapsPort))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("slapd.log"));
                stop();
                throw new IllegalStateException(
                        "slapd did not start: " + log.substring(Math.max(0, log.length() - 600)));
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** A person under ou=people with this uid and password; returns the entry's DN. */
    public String addUser(String uid, String password) throws Exception {
        String dn = "uid=" + dnEscape(uid) + "," + PEOPLE;
        add("""
                dn: %s
                objectClass: inetOrgPerson
                uid: %s
                cn: %s
                sn: test
                userPassword: %s
                """.formatted(dn, uid, uid, password));
        return dn;
    }

    /** An entry outside ou=people (a search account, say), cn=NAME,BASE. */
    public String addAccount(String cn, String password) throws Exception {
        String dn = "cn=" + cn + "," + BASE;
        add("""
                dn: %s
                objectClass: inetOrgPerson
                cn: %s
                sn: account
                userPassword: %s
                """.formatted(dn, cn, password));
        return dn;
    }

    private static String dnEscape(String v) {
        StringBuilder b = new StringBuilder();
        for (char c : v.toCharArray()) {
            if (",+\"\\<>;=".indexOf(c) >= 0) b.append('\\');
            b.append(c);
        }
        return b.toString();
    }

    private void add(String ldif) throws IOException, InterruptedException {
        Path f = Files.createTempFile(dir, "add", ".ldif");
        Files.writeString(f, ldif);
        List<String> cmd = new ArrayList<>(List.of(
                "ldapadd", "-x", "-H", "ldap://127.0.0.1:" + port, "-D", ROOT_DN, "-w", ROOT_PW, "-f", f.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("ldapadd: " + out);
    }

    /** Stops slapd (the directory stays, start() again serves it). */
    public void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        process = null;
    }

    @Override
    public void close() throws Exception {
        stop();
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }
}
