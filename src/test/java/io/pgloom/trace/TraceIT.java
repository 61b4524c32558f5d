// TRACE ON / OFF through a live pgloom and PostgreSQL with pgjdbc: a trace scoped to one client captures that
// client only; passwords, SCRAM messages, bind values and COPY data stay out of the trace and the pcap unless
// trace_values = true (passwords even then); the HTTP endpoint refuses requests without an admin's credentials;
// the pcap parses as TCP streams whose every payload is one protocol message.
package io.pgloom.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

class TraceIT {
    private static final String BIND_SECRET = "bind_secret_4711";
    private static final String COPY_SECRET = "copy_secret_0815";

    private static String traceTable(Path dir, boolean values) {
        return """
                [trace]
                file = "%s"
                pcap_file = "%s"
                trace_values = %s
                """.formatted(dir.resolve("trace.log"), dir.resolve("trace.pcap"), values);
    }

    private static Connection admin(ProxyHarness p) throws SQLException {
        Properties props = new Properties();
        props.setProperty("preferQueryMode", "simple");
        return p.connect("pgloom", "admin", "admin", props);
    }

    private static Connection named(ProxyHarness p, String user, String password, String appName) throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", appName);
        props.setProperty("assumeMinServerVersion", "10"); // application_name in the startup packet, for SHOW CLIENTS
        return p.connect("app", user, password, props);
    }

    private static String one(Connection c, String sql, String column) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), sql + " returned a row");
            return rs.getString(column);
        }
    }

    private static String clientId(Connection adm, String appName) throws SQLException {
        try (Statement st = adm.createStatement();
                ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
            while (rs.next()) if (appName.equals(rs.getString("application_name"))) return rs.getString("id");
        }
        throw new AssertionError("no client with application_name " + appName);
    }

    private static List<String> traces(Connection adm) throws SQLException {
        List<String> ids = new ArrayList<>();
        try (Statement st = adm.createStatement();
                ResultSet rs = st.executeQuery("SHOW TRACES")) {
            while (rs.next()) ids.add(rs.getString("id"));
        }
        return ids;
    }

    private static String read(Path f) throws java.io.IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    /** The pcap as text with every byte kept (ISO-8859-1), for substring checks. */
    private static String readBytes(Path f) throws java.io.IOException {
        return Files.exists(f) ? new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1) : "";
    }

    @Test
    void aTraceOfOneClientCapturesThatClientOnly() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        Path dir = Files.createTempDirectory("pgloom-trace");
        Path file = dir.resolve("trace.log");
        try (ProxyHarness p = ProxyHarness.start(pg, "session", "", traceTable(dir, false));
                Connection adm = admin(p);
                Connection a = named(p, "app", "app", "trace-a");
                Connection b = named(p, "app", "app", "trace-b")) {
            String idA = clientId(adm, "trace-a");
            String idB = clientId(adm, "trace-b");
            String trace = one(adm, "TRACE ON " + idA + " FOR 60s LEVEL full", "id");
            assertEquals(List.of(trace), traces(adm));

            one(a, "SELECT 'alpha_marker_1' AS v", "v");
            one(b, "SELECT 'beta_marker' AS v", "v");
            one(a, "SELECT 'alpha_marker_2' AS v", "v");
            // The writer keeps queue order: once a's second query is in the file, b's would be too if traced.
            Await.until(() -> read(file).contains("alpha_marker_2"), 20, "client A's second query in the trace file");
            String text = read(file);
            assertTrue(text.contains("alpha_marker_1"), text);
            assertFalse(text.contains("beta_marker"), "the other client's query is not traced:\n" + text);
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String client = line.split(" ")[2];
                assertTrue(client.equals(idA) || client.equals("-"), "only " + idA + " appears: " + line);
                assertFalse(line.contains(" " + idB + " "), line);
            }
            assertTrue(
                    Pattern.compile(
                                    " " + idA
                                            + " > Parse len=\\d+ \\+[0-9.]+ms statement=\"[^\"]*\" query=\"SELECT 'alpha_marker_1' AS v\"")
                            .matcher(text)
                            .find(),
                    "Parse line with the query text at level full:\n" + text);
            assertTrue(
                    Pattern.compile(" " + idA + " < ReadyForQuery len=5 \\+[0-9.]+ms status=I")
                            .matcher(text)
                            .find(),
                    text);
            assertTrue(
                    Pattern.compile(" " + idA + " < CommandComplete len=\\d+ \\+[0-9.]+ms tag=\"SELECT 1\"")
                            .matcher(text)
                            .find(),
                    text);
            try (Statement st = adm.createStatement();
                    ResultSet rs = st.executeQuery("SHOW TRACES")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt("sessions"), "the trace covers one session");
                assertEquals("full", rs.getString("level"));
                assertEquals(file.toString(), rs.getString("file"));
            }

            assertEquals(trace, one(adm, "TRACE OFF " + trace, "id"));
            assertEquals(List.of(), traces(adm));
            Await.until(
                    () -> read(file).contains(trace + " - - trace_ended reason=trace_off"),
                    20,
                    "trace_ended in the file");
            SQLException unknown =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("TRACE OFF T-999"));
            assertEquals("42601", unknown.getSQLState());
            SQLException tooLong =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("TRACE ON FOR 5h"));
            assertTrue(tooLong.getMessage().contains("max_duration"), tooLong.getMessage());
            SQLException values =
                    assertThrows(SQLException.class, () -> adm.createStatement().execute("SET trace_values = true"));
            assertEquals("42501", values.getSQLState(), "trace_values is for the config file only");
        }
    }

    /** Logins with a password (SCRAM and MD5), bind values, COPY data, rows: what a trace must not leak. */
    private static void secretTraffic(ProxyHarness p, Connection adm, Path file) throws Exception {
        try (Connection c = named(p, PostgresFixture.SCRAM_USER, PostgresFixture.SCRAM_PASS, "secrets")) {
            try (PreparedStatement ps = c.prepareStatement("SELECT ?::text AS v")) {
                // more than pgjdbc's prepareThreshold (5): the unnamed and the named statement paths both run
                for (int i = 0; i < 7; i++) {
                    ps.setString(1, BIND_SECRET);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertTrue(rs.next());
                        assertEquals(BIND_SECRET, rs.getString(1));
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TEMP TABLE trace_copy (v text)");
            }
            long rows = c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn(
                            "COPY trace_copy FROM STDIN",
                            new ByteArrayInputStream((COPY_SECRET + "\n").getBytes(StandardCharsets.UTF_8)));
            assertEquals(1, rows);
            assertEquals(COPY_SECRET, one(c, "SELECT v FROM trace_copy", "v"));
        }
        try (Connection c = named(p, PostgresFixture.MD5_USER, PostgresFixture.MD5_PASS, "md5")) {
            one(c, "SELECT 'md5_login_done' AS v", "v");
        }
        Await.until(
                () -> read(file).contains("md5_login_done") && read(file).contains("closed reason=client_close"),
                20,
                "the traffic in the trace file");
    }

    private static final String HBA = """
            [[hba]]
            user = "md5_user"
            method = "md5"

            [[hba]]
            method = "scram-sha-256"
            """;

    @Test
    void passwordsScramBindValuesAndCopyDataAreRedacted() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        Path dir = Files.createTempDirectory("pgloom-trace");
        Path file = dir.resolve("trace.log");
        Path pcap = dir.resolve("trace.pcap");
        try (ProxyHarness p = ProxyHarness.start(pg, "session", "", traceTable(dir, false) + HBA);
                Connection adm = admin(p)) {
            one(adm, "TRACE ON LEVEL full FOR 2min", "id");
            secretTraffic(p, adm, file);
            String text = read(file);
            String bytes = readBytes(pcap);
            // The login was traced (the session started while the trace ran), with its secrets redacted.
            assertTrue(text.contains("StartupMessage") && text.contains("user=\"scram_user\""), text);
            assertTrue(
                    Pattern.compile("< Authentication len=\\d+ \\+[0-9.]+ms from=pgloom auth=sasl mechanism=")
                            .matcher(text)
                            .find(),
                    text);
            assertTrue(text.contains("> PasswordMessage") && text.contains("password=<redacted>"), text);
            assertTrue(text.contains("query=\"SELECT $1::text AS v\""), "level full shows query text:\n" + text);
            assertTrue(text.contains("$1=<16 bytes>"), "a redacted value says how long it was:\n" + text);
            for (String where : List.of("trace file", "pcap file")) {
                String s = where.equals("trace file") ? text : bytes;
                assertFalse(s.isEmpty(), where + " is written");
                assertFalse(s.contains(BIND_SECRET), "no bind value in the " + where);
                assertFalse(s.contains(COPY_SECRET), "no COPY data or row value in the " + where);
                assertFalse(
                        s.contains(PostgresFixture.SCRAM_PASS) || s.contains(PostgresFixture.MD5_PASS),
                        "no password in the " + where);
                assertFalse(Pattern.compile("md5[0-9a-f]{32}").matcher(s).find(), "no MD5 response in the " + where);
                assertFalse(
                        s.contains("n,,n=") || s.contains("c=biws") || s.contains("i=4096"),
                        "no SCRAM message in the " + where);
            }
        }
    }

    @Test
    void traceValuesInTheConfigFileShowValuesButNeverPasswords() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        Path dir = Files.createTempDirectory("pgloom-trace");
        Path file = dir.resolve("trace.log");
        try (ProxyHarness p = ProxyHarness.start(pg, "session", "", traceTable(dir, true) + HBA);
                Connection adm = admin(p)) {
            one(adm, "TRACE ON LEVEL full", "id");
            try (Statement st = adm.createStatement();
                    ResultSet rs = st.executeQuery("SHOW TRACES")) {
                assertTrue(rs.next());
                assertEquals("shown", rs.getString("values"));
            }
            secretTraffic(p, adm, file);
            String text = read(file);
            String bytes = readBytes(dir.resolve("trace.pcap"));
            assertTrue(text.contains("$1=\"" + BIND_SECRET + "\""), "bind values shown:\n" + text);
            assertTrue(
                    text.contains("> CopyData") && text.contains("data=\"" + COPY_SECRET + "\\n\""),
                    "COPY data shown:\n" + text);
            assertTrue(bytes.contains(BIND_SECRET), "and in the pcap");
            for (String s : List.of(text, bytes)) {
                assertFalse(Pattern.compile("md5[0-9a-f]{32}").matcher(s).find(), "no MD5 response even so");
                assertFalse(
                        s.contains("n,,n=") || s.contains("c=biws") || s.contains("i=4096"),
                        "no SCRAM message even so");
            }
        }
    }

    @Test
    void httpTraceNeedsAnAdminsCredentials() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        Path dir = Files.createTempDirectory("pgloom-trace");
        Path file = dir.resolve("trace.log");
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "", traceTable(dir, false), "127.0.0.1:0");
                Connection adm = admin(p)) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + p.pgloom().httpPort();
            HttpResponse<String> anonymous = http.send(
                    post(base + "/trace", "ON user=app FOR 30s LEVEL summary", null),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous
                    .headers()
                    .firstValue("WWW-Authenticate")
                    .orElse("")
                    .startsWith("Basic"));
            assertEquals(
                    401,
                    http.send(post(base + "/trace", "ON", "admin:wrong"), HttpResponse.BodyHandlers.ofString())
                            .statusCode());
            assertEquals(
                    401,
                    http.send(post(base + "/trace", "ON", "app:app"), HttpResponse.BodyHandlers.ofString())
                            .statusCode(),
                    "a user outside admin.users is refused");
            assertEquals(
                    401,
                    http.send(
                                    HttpRequest.newBuilder(URI.create(base + "/trace"))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode(),
                    "listing needs credentials too");
            assertEquals(List.of(), traces(adm), "nothing started without credentials");

            HttpResponse<String> started = http.send(
                    post(base + "/trace", "ON user=app FOR 30s LEVEL summary", "admin:admin"),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, started.statusCode(), started.body());
            assertTrue(started.body().contains("\tuser=app\tsummary\t"), started.body());
            try (Statement st = adm.createStatement();
                    ResultSet rs = st.executeQuery("SHOW TRACES")) {
                assertTrue(rs.next());
                assertEquals("admin (http)", rs.getString("started_by"));
            }
            HttpResponse<String> listed = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/trace"))
                            .header("Authorization", basic("admin:admin"))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, listed.statusCode());
            assertTrue(listed.body().startsWith("id\tscope\t") && listed.body().contains("user=app"), listed.body());
            assertEquals(
                    400,
                    http.send(
                                    post(base + "/trace", "ON colour=blue", "admin:admin"),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode());

            try (Connection app = p.app()) {
                one(app, "SELECT 'http_marker' AS v", "v");
            }
            Await.until(
                    () -> read(file).contains("> Query") || read(file).contains("> Parse"),
                    20,
                    "app's messages in the file");
            assertFalse(read(file).contains("http_marker"), "level summary shows no query text");
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(metrics.contains("pgloom_traces_active 1.0"), metrics);
            assertTrue(
                    Pattern.compile("(?m)^pgloom_trace_messages_total [1-9]")
                            .matcher(metrics)
                            .find(),
                    "messages counted");
            assertTrue(metrics.contains("pgloom_trace_dropped_total 0.0"), "nothing dropped");

            HttpResponse<String> off =
                    http.send(post(base + "/trace", "OFF all", "admin:admin"), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, off.statusCode());
            assertEquals(List.of(), traces(adm));
        }
    }

    private static HttpRequest post(String url, String body, String credentials) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (credentials != null) b.header("Authorization", basic(credentials));
        return b.build();
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void thePcapFileParsesAsTcpStreamsOfWholeMessages() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        Path dir = Files.createTempDirectory("pgloom-trace");
        Path file = dir.resolve("trace.log");
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "", traceTable(dir, false));
                Connection adm = admin(p)) {
            String trace = one(adm, "TRACE ON user=app LEVEL summary", "id");
            try (Connection c = named(p, "app", "app", "pcap")) {
                one(c, "SELECT 'pcap_marker' AS v", "v");
                try (PreparedStatement ps = c.prepareStatement("SELECT ?::int + 1 AS v")) {
                    for (int i = 0; i < 7; i++) {
                        ps.setInt(1, i);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertTrue(rs.next());
                        }
                    }
                }
                assertThrows(SQLException.class, () -> c.createStatement().execute("SELECT 1/0"));
                c.setAutoCommit(false);
                one(c, "SELECT count(*) AS v FROM generate_series(1, 100)", "v");
                c.commit();
            }
            Await.until(
                    () -> read(file).contains("closed reason=client_close"), 20, "the session's end in the trace file");
            one(adm, "TRACE OFF " + trace, "id");
            Await.until(() -> read(file).contains("trace_ended"), 20, "the trace's end");
            String text = read(file);
            assertTrue(text.contains("sqlstate=\"22012\""), "the error's SQLSTATE at level summary:\n" + text);
            assertFalse(text.contains("pcap_marker"), "no query text at level summary");

            List<PcapReader.Stream> streams = PcapReader.read(dir.resolve("trace.pcap"));
            assertEquals(1, streams.size(), "one traced session, one TCP stream");
            PcapReader.Stream s = streams.get(0);
            assertTrue(s.handshake() && s.finished(), "the stream opens with SYN and ends with FIN");
            assertTrue(s.fromClient().size() > 10 && s.toClient().size() > 10, "both directions carry messages");
            PcapReader.checkMessages(s);
            assertFalse(
                    new String(Files.readAllBytes(dir.resolve("trace.pcap")), StandardCharsets.ISO_8859_1)
                            .contains("pcap_marker"),
                    "query text masked in the pcap at level summary");
        }
    }

    /** The real jar with its log at info: the trace ends by itself, says so in the log and the file, and stops. */
    @Test
    void aTraceExpiresByItselfLogsItAndWritesNoMore() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        Path dir = Files.createTempDirectory("pgloom-trace");
        int port = Await.freePort();
        Path conf = dir.resolve("proxy.toml");
        Path log = dir.resolve("pgloom.log");
        Path file = dir.resolve("pgloom-trace.log"); // the default: next to the config file
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                [admin]
                http_listen = ""
                users = ["admin"]
                [log]
                level = "info"
                [databases.app]
                host = "127.0.0.1"
                port = %d
                [users.app]
                password = "app"
                [users.admin]
                password = "admin"
                """.formatted(port, pg.port()));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process proc = new ProcessBuilder(
                        java, "-jar", System.getProperty("pgloom.jar", "target/proxy.jar"), conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            Await.until(() -> Await.accepts(port), 30, "pgloom to listen");
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/";
            Properties simple = new Properties();
            simple.setProperty("preferQueryMode", "simple");
            simple.setProperty("user", "admin");
            simple.setProperty("password", "admin");
            Properties named = new Properties();
            named.setProperty("user", "app");
            named.setProperty("password", "app");
            named.setProperty("ApplicationName", "expiry-b");
            named.setProperty("assumeMinServerVersion", "10");
            try (Connection adm = DriverManager.getConnection(url + "pgloom", simple);
                    Connection a = DriverManager.getConnection(url + "app?user=app&password=app");
                    Connection b = DriverManager.getConnection(url + "app", named)) {
                String t1 = one(adm, "TRACE ON user=app FOR 2s LEVEL headers", "id");
                one(a, "SELECT 'before' AS v", "v");
                Await.until(
                        () -> read(file).contains(" " + t1 + " ") && read(file).contains("> Parse"),
                        20,
                        "a's messages traced");
                Await.until(() -> traces(adm).isEmpty(), 20, "the trace to expire");
                Await.until(
                        () -> read(file).contains(t1 + " - - trace_ended reason=expired"),
                        20,
                        "trace_ended in the trace file");
                Await.until(
                        () -> read(log).contains("event=trace_ended trace=" + t1 + " reason=expired"),
                        20,
                        "trace_ended in the log");
                String logText = read(log);
                assertTrue(
                        Pattern.compile("event=trace_started trace=" + t1
                                        + " scope=\"user=app\" level=headers values=false "
                                        + "by=admin via=console expires=\\S+ file=" + Pattern.quote(file.toString()))
                                .matcher(logText)
                                .find(),
                        logText);
                String atExpiry = read(file);

                for (int i = 0; i < 5; i++) one(a, "SELECT 'after' AS v", "v");
                // A sync point: a second trace of client b only; once b's query is in the file, a's later queries
                // would be there too had the first trace not ended.
                String idB = clientId(adm, "expiry-b");
                String t2 = one(adm, "TRACE ON " + idB + " FOR 30s", "id");
                one(b, "SELECT 'sync' AS v", "v");
                Await.until(
                        () -> Pattern.compile(" " + t2 + " " + idB + " > Parse")
                                .matcher(read(file))
                                .find(),
                        20,
                        "b's query traced");
                String later = read(file).substring(atExpiry.length());
                assertFalse(later.contains(" " + t1 + " "), "nothing more under the expired trace:\n" + later);
            }
            proc.destroy();
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
            assertTrue(read(log).contains("reason=shutdown"), "the second trace ends with the process");
        } finally {
            proc.destroyForcibly();
        }
    }

    @Test
    void tlsSessionsAreTracedDecrypted() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        io.pgloom.testkit.TestCertificates certs = io.pgloom.testkit.TestCertificates.create("EC");
        Path dir = Files.createTempDirectory("pgloom-trace");
        Path file = dir.resolve("trace.log");
        String tls = """
                [tls]
                mode = "require"
                cert_file = "%s"
                key_file = "%s"
                """.formatted(certs.serverCertPem, certs.serverKeyPem);
        try (ProxyHarness p = ProxyHarness.start(pg, "transaction", "", traceTable(dir, false) + tls);
                Connection adm = admin(p)) {
            one(adm, "TRACE ON user=app LEVEL full", "id");
            Properties props = new Properties();
            props.setProperty("sslmode", "verify-full");
            props.setProperty("sslrootcert", certs.caPem.toString());
            try (Connection c = p.connect("app", "app", "app", props)) {
                one(c, "SELECT 'tls_marker' AS v", "v");
            }
            Await.until(
                    () -> read(file).contains("closed reason=client_close"), 20, "the TLS session in the trace file");
            String text = read(file);
            assertTrue(
                    Pattern.compile(
                                    "> SSLRequest len=8 .*\\n.*< SSLResponse len=1 \\S+ from=pgloom answer=S\\n.*> StartupMessage")
                            .matcher(text)
                            .find(),
                    "the SSLRequest, its answer, then the startup packet read after the handshake:\n" + text);
            assertTrue(text.contains("query=\"SELECT 'tls_marker' AS v\""), "the query, decrypted:\n" + text);
            List<PcapReader.Stream> streams = PcapReader.read(dir.resolve("trace.pcap"));
            assertEquals(1, streams.size());
            // Wireshark would expect TLS after an accepted SSLRequest: the pcap starts at the startup packet.
            assertEquals(
                    3,
                    java.nio.ByteBuffer.wrap(streams.get(0).fromClient().get(0)).getInt(4) >>> 16);
            PcapReader.checkMessages(streams.get(0));
        }
    }
}
