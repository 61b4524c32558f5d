// Certificates for TLS tests, made with the JDK's keytool: a CA, a server certificate for 127.0.0.1/localhost
// signed by it, and a client certificate; written as PEM (certificates, PKCS#8 keys) into a folder.
package io.pgloom.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class TestCertificates {
    public final Path dir;
    public final Path caPem;
    public final Path serverCertPem;
    public final Path serverKeyPem;
    public final Path clientCertPem;
    public final Path clientKeyPem;
    /** The client key as DER PKCS#8, the form pgjdbc's sslkey reads. */
    public final Path clientKeyDer;

    private TestCertificates(Path dir) {
        this.dir = dir;
        this.caPem = dir.resolve("ca.pem");
        this.serverCertPem = dir.resolve("server.pem");
        this.serverKeyPem = dir.resolve("server.key");
        this.clientCertPem = dir.resolve("client.pem");
        this.clientKeyPem = dir.resolve("client.key");
        this.clientKeyDer = dir.resolve("client.pk8");
    }

    public static TestCertificates create(String keyAlg) throws Exception {
        return create(keyAlg, false);
    }

    /** With {@code expiredServer}, the server certificate's validity ended days ago. */
    public static TestCertificates create(String keyAlg, boolean expiredServer) throws Exception {
        Path dir = Files.createTempDirectory("pgloom-certs");
        TestCertificates t = new TestCertificates(dir);
        String[] alg = keyAlg.equals("EC")
                ? new String[] {"-keyalg", "EC", "-groupname", "secp256r1"}
                : new String[] {"-keyalg", "RSA", "-keysize", "2048"};
        t.keytool(concat(
                new String[] {
                    "-genkeypair",
                    "-alias",
                    "ca",
                    "-dname",
                    "CN=pgloom test CA",
                    "-ext",
                    "bc:c",
                    "-validity",
                    "2",
                    "-keystore",
                    "ca.p12"
                },
                alg));
        t.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        t.issue("server", "CN=localhost", "san=ip:127.0.0.1,dns:localhost", alg, expiredServer);
        t.issue("client", "CN=app", null, alg, false);
        return t;
    }

    private void issue(String name, String dn, String san, String[] alg, boolean expired) throws Exception {
        keytool(concat(
                new String[] {"-genkeypair", "-alias", name, "-dname", dn, "-validity", "2", "-keystore", name + ".p12"
                },
                alg));
        keytool("-certreq", "-alias", name, "-keystore", name + ".p12", "-file", name + ".csr");
        List<String> gen = new ArrayList<>(List.of(
                "-gencert",
                "-alias",
                "ca",
                "-keystore",
                "ca.p12",
                "-infile",
                name + ".csr",
                "-outfile",
                name + ".pem",
                "-rfc",
                "-validity",
                "2"));
        if (san != null) gen.addAll(List.of("-ext", san));
        if (expired) {
            gen.remove("-validity");
            gen.remove("2");
            gen.addAll(List.of("-startdate", "-5d", "-validity", "1"));
        }
        keytool(gen.toArray(new String[0]));
        // The chain: the certificate, then the CA.
        Files.writeString(
                dir.resolve(name + ".pem"), Files.readString(dir.resolve(name + ".pem")) + Files.readString(caPem));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            ks.load(in, "changeit".toCharArray());
        }
        Key key = ks.getKey(name, "changeit".toCharArray());
        Files.write(dir.resolve(name + ".pk8"), key.getEncoded());
        Files.writeString(
                dir.resolve(name + ".key"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", "changeit", "-storetype", "PKCS12", "-noprompt"));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IOException("keytool " + String.join(" ", args) + ": " + out);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = new String[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
