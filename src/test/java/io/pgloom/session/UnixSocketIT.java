// The Unix-domain socket listener (unix_socket_dir) end to end against real PostgreSQL: a raw protocol client and
// psql through .s.PGSQL.<port>, SSLRequest answered 'N', the file's mode, SHOW CLIENTS showing 'unix', a stale file
// replaced and a live one refused, the file gone after shutdown, and [[hba]] method peer (SO_PEERCRED).
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.Pgloom;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import io.pgloom.testkit.TestCertificates;
import io.pgloom.testkit.WireClient;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketIT {
    @TempDir
    Path dir;

    private ProxyHarness start(String proxyKeys, String tables) {
        return ProxyHarness.start(
                PostgresFixture.shared(), "transaction", "unix_socket_dir = \"" + dir + "\"\n" + proxyKeys, tables);
    }

    private Path socketFile(ProxyHarness p) {
        return dir.resolve(".s.PGSQL." + p.port());
    }

    @Test
    void aRawClientQueriesThroughTheSocketFileAndShowClientsSaysUnix() throws Exception {
        try (ProxyHarness p = start("auth_type = \"trust\"\nunix_socket_mode = \"0770\"", "")) {
            Path file = socketFile(p);
            assertEquals(file, p.pgloom().listener().unixSocketFile());
            PosixFileAttributes attrs =
                    Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertTrue(attrs.isOther(), "a socket, not a regular file");
            assertEquals("rwxrwx---", PosixFilePermissions.toString(attrs.permissions()), "unix_socket_mode");
            try (WireClient c = WireClient.connect(file, "app", "app", "application_name", "over_unix")) {
                assertEquals(
                        List.of("D 42", "C SELECT 1", "Z I"),
                        c.exchange(WireClient.query("SELECT 42")).subList(1, 4));
                try (Connection admin = p.connect("pgloom", "admin", "admin", simpleQueries());
                        Statement st = admin.createStatement();
                        ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
                    boolean seen = false;
                    while (rs.next()) {
                        if (!"over_unix".equals(rs.getString("application_name"))) continue;
                        seen = true;
                        assertEquals("unix", rs.getString("addr"));
                        assertEquals(String.valueOf(p.port()), rs.getString("port"));
                        assertFalse(rs.getBoolean("tls"));
                    }
                    assertTrue(seen, "SHOW CLIENTS lists the Unix-socket client");
                }
            }
        }
    }

    @Test
    void sslRequestIsAnsweredNoEvenWithTlsRequiredForTcp() throws Exception {
        TestCertificates certs = TestCertificates.create("EC");
        String tls = """
                [tls]
                mode = "require"
                cert_file = "%s"
                key_file = "%s"
                """.formatted(certs.serverCertPem, certs.serverKeyPem);
        try (ProxyHarness p = start("auth_type = \"trust\"", tls);
                WireClient c = WireClient.unconnected(socketFile(p))) {
            c.send(new FrameWriter(8).int32(8).int32(MessageType.SSL_REQUEST).toByteArray());
            assertEquals('N', c.readByte(), "no TLS over a Unix socket, as PostgreSQL");
            c.send(StartupPacket.encodeStartup(Map.of("user", "app", "database", "app")));
            List<String> login = c.untilReady();
            assertEquals("Z I", login.get(login.size() - 1), "logged in without TLS: " + login);
        }
    }

    @Test
    void aSocketFileRemovedUnderTheRunningProcessShowsOnMetrics() throws Exception {
        try (ProxyHarness p = ProxyHarness.start(
                PostgresFixture.shared(),
                "transaction",
                "unix_socket_dir = \"" + dir + "\"\nauth_type = \"trust\"",
                "",
                "127.0.0.1:0")) {
            Path file = socketFile(p);
            String path = "path=\"" + file + "\"";
            assertEquals(1.0, p.metric("pgloom_unix_socket_up", path), "up while the file is there");
            Files.delete(file); // what a /tmp cleaner does
            assertEquals(0.0, p.metric("pgloom_unix_socket_up", path), "PgloomUnixSocketMissing's input");
            assertThrows(IOException.class, () -> WireClient.unconnected(file), "clients cannot connect now");
        }
    }

    @Test
    void socketClientsCountAgainstMaxClientConn() throws Exception {
        try (ProxyHarness p = start("auth_type = \"trust\"\nmax_client_conn = 1", "");
                WireClient first = WireClient.connect(socketFile(p), "app", "app");
                WireClient second = WireClient.unconnected(socketFile(p))) {
            second.send(StartupPacket.encodeStartup(Map.of("user", "app", "database", "app")));
            assertEquals(List.of("E 53300 no more connections allowed (max_client_conn = 1)"), readUntilClosed(second));
            assertEquals("D 1", first.exchange(WireClient.query("SELECT 1")).get(1), "the first one is served");
        }
    }

    @Test
    void psqlConnectsWithTheFolderAsHost() throws Exception {
        Assumptions.assumeTrue(onPath("psql"), "psql is not installed; the raw-client tests cover the socket");
        try (ProxyHarness p = start("auth_type = \"trust\"", "")) {
            Process psql = new ProcessBuilder(
                            "psql",
                            "-X",
                            "-h",
                            dir.toString(),
                            "-p",
                            String.valueOf(p.port()),
                            "-U",
                            "app",
                            "-d",
                            "app",
                            "-At",
                            "-c",
                            "SELECT 'via ' || coalesce(host(inet_client_addr()), 'local')")
                    .redirectErrorStream(true)
                    .start();
            psql.getOutputStream().close();
            assertTrue(psql.waitFor(30, TimeUnit.SECONDS), "psql finished");
            String out = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, psql.exitValue(), out);
            assertEquals("via 127.0.0.1", out, "psql reached PostgreSQL through pgloom's socket file");
        }
    }

    @Test
    void aStaleFileIsReplacedALiveOneRefusedAndTheFileGoesAtShutdown() throws Exception {
        int port;
        try (ProxyHarness p = start("auth_type = \"trust\"", "")) {
            port = p.port();
        }
        Path file = dir.resolve(".s.PGSQL." + port);
        assertFalse(Files.exists(file, LinkOption.NOFOLLOW_LINKS), "removed on clean shutdown");
        // A crashed run leaves its file behind: closing a channel does not remove it.
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(file));
        }
        assertTrue(Files.exists(file, LinkOption.NOFOLLOW_LINKS));
        try (Pgloom p = startOn(port);
                WireClient c = WireClient.connect(file, "app", "app")) {
            assertEquals("Z I", c.exchange(WireClient.query("SELECT 1")).get(3), "served on the replaced file");
        }
        assertFalse(Files.exists(file, LinkOption.NOFOLLOW_LINKS), "removed on clean shutdown");
        // A file some running server answers on is not taken.
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(file));
            IOException e = assertThrows(IOException.class, () -> startOn(port).close());
            assertTrue(e.getMessage().contains("is in use by a running server"), e.getMessage());
            assertTrue(Files.exists(file, LinkOption.NOFOLLOW_LINKS), "the live server's file stays");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void peerAuthenticationAcceptsTheProcessOwnNameOnlyAndOnlyOnTheSocket() throws Exception {
        String me = System.getProperty("user.name");
        String tables = """
                [databases.peerdb]
                host = "127.0.0.1"
                port = %d
                dbname = "app"
                user = "app"
                password = "app"

                [users.%s]

                [[hba]]
                type = "local"
                method = "peer"

                [[hba]]
                method = "scram-sha-256"
                """.formatted(PostgresFixture.shared().port(), me);
        try (ProxyHarness p = start("", tables)) {
            Path file = socketFile(p);
            try (WireClient c = WireClient.connect(file, me, "peerdb")) {
                List<String> r = c.exchange(WireClient.query("SELECT current_user"));
                assertEquals("D app", r.get(1), "logged in as " + me + ", served by the database's user: " + r);
            }
            // Another name than the process's own: refused with 28000, as PostgreSQL's peer method.
            try (WireClient c = WireClient.unconnected(file)) {
                c.send(StartupPacket.encodeStartup(Map.of("user", "app", "database", "peerdb")));
                List<String> r = readUntilClosed(c);
                assertEquals(List.of("E 28000 Peer authentication failed for user \"app\""), r);
            }
            // TCP clients do not match the local rule: they get the next one (a password).
            try (Connection tcp = p.connect("app", "app", "app");
                    Statement st = tcp.createStatement();
                    ResultSet rs = st.executeQuery("SELECT 1")) {
                assertTrue(rs.next());
            }
        }
    }

    private static Properties simpleQueries() {
        Properties p = new Properties();
        p.setProperty("preferQueryMode", "simple"); // the admin console speaks the simple protocol, as psql
        return p;
    }

    private static List<String> readUntilClosed(WireClient c) {
        try {
            return c.untilReady();
        } catch (IOException e) {
            String m = e.getMessage(); // "connection closed after [...]"
            String list = m.substring(m.indexOf('[') + 1, m.lastIndexOf(']'));
            return list.isEmpty() ? List.of() : List.of(list.split(", "));
        }
    }

    /** pgloom on this TCP port (so its socket file is .s.PGSQL.port), trusting user app. */
    private Pgloom startOn(int port) throws Exception {
        Path conf = dir.resolve("own.toml");
        Files.writeString(
                conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                unix_socket_dir = "%s"
                auth_type = "trust"

                [databases.app]
                host = "127.0.0.1"
                port = %d
                dbname = "app"

                [users.app]
                password = "app"
                """.formatted(port, dir, PostgresFixture.shared().port()));
        return Pgloom.start(Pgloom.load(conf), conf);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(":")) if (Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }
}
