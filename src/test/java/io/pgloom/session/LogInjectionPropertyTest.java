// Property (issue 24): whatever bytes a client or server puts in a startup field, application_name, options, an
// admin query or an error message, each event it causes is exactly one text-log line, that line reads back as
// logfmt with pgloom's keys only, and the text sits whole (or cut with its length) in its own key. Real sessions
// over in-memory sockets, real logins; the error text comes from a scripted server on 127.0.0.1.
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgloom.Version;
import io.pgloom.admin.AdminConsole;
import io.pgloom.config.ConfigLoader;
import io.pgloom.metrics.Metrics;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerPool;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.testkit.Await;
import io.pgloom.testkit.LogCapture;
import io.pgloom.testkit.LogLine;
import io.pgloom.testkit.MemorySocket;
import io.pgloom.util.Clock;
import io.pgloom.util.SafeText;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tinylog.Logger;

class LogInjectionPropertyTest {
    private static final long SEED = Long.getLong("pgloom.logprop.seed", System.nanoTime());
    private static final int ROUNDS = 150;

    /** Each event's keys, in order: a client's text must never add, drop or reorder one. */
    private static final Map<String, List<String>> KEYS = Map.ofEntries(
            Map.entry(
                    "client_login",
                    List.of(
                            "event",
                            "client",
                            "user",
                            "database",
                            "application_name",
                            "remote",
                            "tls",
                            "auth_method",
                            "pool_mode")),
            Map.entry(
                    "client_disconnect",
                    List.of("event", "client", "user", "database", "remote", "duration_ms", "reason", "detail")),
            Map.entry(
                    "auth_failed",
                    List.of("event", "client", "user", "database", "remote", "failures_from_address", "detail")),
            Map.entry("client_authenticated", List.of("event", "client", "method")),
            Map.entry("admin_login", List.of("event", "client", "user", "remote")),
            Map.entry("admin_command", List.of("event", "client", "user", "command")),
            Map.entry("flight_recorder", List.of("event", "client", "user", "database", "reason", "messages")),
            Map.entry("server_connect_failed", List.of("event", "pool", "reason", "error")),
            Map.entry("backend_check_error", List.of("event", "database", "host", "error")),
            Map.entry(
                    "backend_check_failed",
                    List.of("event", "database", "host", "consecutive_failures", "failover_threshold", "error")),
            Map.entry("backend_down", List.of("event", "database", "host", "role", "consecutive_failures", "error")));

    private static ServerSocket errorServer;
    private static volatile byte[] errorText = new byte[0];
    private static ProxyRuntime runtime;
    private static Sessions sessions;

    @BeforeAll
    static void start() throws Exception {
        // The fuzz execution (tinylog writers off) also picks this class when named with -Dtest: nothing to read there.
        assumeTrue(Logger.isDebugEnabled(), "log capture is off in this JVM");
        errorServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(LogInjectionPropertyTest::serveErrors);
        Path f = Files.createTempFile("pgloom-logprop", ".toml");
        Files.writeString(f, """
                [proxy]
                listen = "127.0.0.1:6432"
                pool_mode = "transaction"
                auth_type = "trust"
                auth_failure_delay = 0
                server_login_retry = 0
                [admin]
                users = ["app"]
                http_listen = ""
                [databases.app]
                host = "127.0.0.1"
                port = 1
                [databases.err]
                host = "127.0.0.1"
                port = %d
                pool_mode = "session"
                [users.app]
                password = "app"
                """.formatted(errorServer.getLocalPort()));
        var config = ConfigLoader.load(f);
        Files.delete(f);
        runtime = new ProxyRuntime(config, Clock.SYSTEM, new Metrics(Version.get()));
        sessions = Sessions.attach(runtime);
        runtime.adminHandler(new AdminConsole(runtime, "test"));
        // Transaction mode welcomes from the pool's cached parameters: a login to "app" needs no server.
        runtime.pool(new PoolKey("app", "app"))
                .welcome(new ServerPool.Welcome(Map.of("server_version", "17.0", "TimeZone", "UTC"), Map.of()));
    }

    @AfterAll
    static void stop() throws IOException {
        if (errorServer != null) errorServer.close();
    }

    /** A PostgreSQL that refuses every login with a FATAL whose message is errorText. */
    private static void serveErrors() {
        while (!errorServer.isClosed()) {
            try (Socket s = errorServer.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                in.readFully(new byte[in.readInt() - 4]);
                s.getOutputStream()
                        .write(new FrameWriter(256)
                                .begin(MessageType.ERROR_RESPONSE)
                                .int8(MessageType.FIELD_SEVERITY)
                                .cstring("FATAL")
                                .int8(MessageType.FIELD_SQLSTATE)
                                .cstring("28000")
                                .int8(MessageType.FIELD_MESSAGE)
                                .bytes(errorText)
                                .int8(0)
                                .int8(0)
                                .end()
                                .toByteArray());
            } catch (IOException e) {
                // closed at the end, or a client that left
            }
        }
    }

    @Test
    void clientAndServerTextNeverLeavesItsValue() throws Exception {
        Random r = new Random(SEED);
        for (int round = 0; round < ROUNDS; round++) {
            String where = "seed " + SEED + " (-Dpgloom.logprop.seed), round " + round;
            // 1. Every startup field hostile: the login is refused (unknown user or database), logged with them.
            Map<String, byte[]> fields = new LinkedHashMap<>();
            fields.put("user", hostile(r));
            fields.put("database", hostile(r));
            fields.put("application_name", hostile(r));
            fields.put("options", hostile(r));
            fields.put(new String(hostile(r), StandardCharsets.UTF_8).replace("\0", "") + "x", hostile(r));
            ClientSession s = session(startup(fields), where);
            check(s, where, "user", s.user, "database", s.database);
            // 2. A good login with a hostile application_name (and sometimes options): client_login carries it.
            fields = new LinkedHashMap<>();
            fields.put("user", utf8("app"));
            fields.put("database", utf8("app"));
            fields.put("application_name", hostile(r));
            if (r.nextBoolean()) fields.put("options", hostile(r));
            s = session(startup(fields), where);
            check(s, where, "application_name", s.applicationName, "user", s.user);
            // 3. The admin console: the query text is logged as the command.
            byte[] sql = hostile(r);
            fields = new LinkedHashMap<>();
            fields.put("user", utf8("app"));
            fields.put("database", utf8("pgloom"));
            fields.put("application_name", hostile(r));
            s = session(concat(startup(fields), query(sql)), where);
            check(s, where);
            List<String> commands = Arrays.stream(new String(sql, StandardCharsets.UTF_8).split(";"))
                    .map(String::strip)
                    .filter(c -> !c.isEmpty())
                    .map(SafeText::capped)
                    .toList();
            assertEquals(
                    commands,
                    lines.stream()
                            .filter(e -> e.contains(" event=admin_command "))
                            .map(e -> LogLine.parse(e).get("command"))
                            .toList(),
                    where + ": each statement its own command=");
            // 4. An error text from PostgreSQL: the server login fails, the client's detail carries it.
            errorText = hostile(r);
            fields = new LinkedHashMap<>();
            fields.put("user", utf8("app"));
            fields.put("database", utf8("err"));
            s = session(startup(fields), where);
            // pgloom tells the client that PostgreSQL refused its login, then PostgreSQL's text as it came.
            String sent = "PostgreSQL at 127.0.0.1:" + errorServer.getLocalPort()
                    + " refused pgloom's login as \"app\": " + new String(errorText, StandardCharsets.UTF_8);
            check(s, where, "detail", sent, "error", sent);
            assertEquals(
                    SafeText.capped(sent),
                    LogLine.parse(only("client_disconnect", where)).get("detail"),
                    where);
        }
    }

    private List<String> lines;

    /** Runs one session to its end and keeps the log lines it caused. */
    private ClientSession session(byte[] client, String where) throws Exception {
        byte[] input = concat(client, Messages.TERMINATE);
        try (LogCapture.Capture c = LogCapture.start()) {
            ClientSession s = new ClientSession(sessions, new MemorySocket(input), () -> {});
            s.run(); // after a good login the session goes on on a thread of its own
            Await.until(
                    () -> !c.containing(" event=client_disconnect client=" + s + " ")
                            .isEmpty(),
                    10,
                    "the session's end in the log, " + where);
            lines = c.entries().stream()
                    .filter(e -> e.contains("client=" + s + " ") || !e.contains(" client="))
                    .toList();
            return s;
        }
    }

    /**
     * Every line one line, strict logfmt, exactly the event's keys; each (key, expected) pair found whole or cut
     * with its length in that key of every line that has the key.
     */
    private void check(ClientSession s, String where, String... expected) {
        for (String entry : lines) {
            assertTrue(
                    entry.endsWith("\n") && entry.indexOf('\n') == entry.length() - 1, where + ": one line: " + entry);
            LogLine l;
            try {
                l = LogLine.parse(entry);
            } catch (IllegalArgumentException e) {
                throw new AssertionError(where + ": " + e.getMessage(), e);
            }
            String event = l.get("event");
            List<String> keys = KEYS.get(event);
            if (keys == null) fail(where + ": an event this test does not know (add its keys): " + entry);
            assertEquals(keys, l.keys(), where + ": the keys of " + event + " in\n" + entry);
            for (int i = 0; i < expected.length; i += 2) {
                String v = l.get(expected[i]);
                if (v == null) continue;
                assertEquals(SafeText.capped(expected[i + 1]), v, where + ": " + expected[i] + " in\n" + entry);
            }
        }
        assertEquals(
                1,
                lines.stream()
                        .filter(e -> e.contains(" event=client_disconnect "))
                        .count(),
                where + ": one client_disconnect for the session:\n" + lines);
    }

    private String only(String event, String where) {
        List<String> found =
                lines.stream().filter(e -> e.contains(" event=" + event + " ")).toList();
        assertEquals(1, found.size(), where + ": one " + event + ":\n" + lines);
        return found.get(0);
    }

    /** Bytes a hostile client might send in a string field: never NUL, the rest fair game. */
    private static byte[] hostile(Random r) {
        String[] pieces = {
            "\n",
            "\r\n",
            "\"",
            "=",
            " ",
            "\\",
            "\\n",
            "\t",
            "event=admin_command command=\"SHUTDOWN",
            "\nFAKE-LINE event=auth_ok user=root",
            "é",
            "日本",
            "😀",
            "\u2028",
            "\u202e",
            "\u0085",
            "\u009b",
            "\u001b[31m",
            "{}",
            "'",
            ";",
            "user=",
            "a"
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            int pick = r.nextInt(pieces.length + 3);
            if (pick < pieces.length) out.writeBytes(utf8(pieces[pick]));
            else if (pick == pieces.length) out.write(1 + r.nextInt(31)); // a control byte
            else if (pick == pieces.length + 1) out.write(0x80 + r.nextInt(0x80)); // not UTF-8 on its own
            else out.writeBytes(utf8("x".repeat(r.nextInt(4) == 0 ? 1100 : 20))); // past the cap, sometimes
        }
        return out.toByteArray();
    }

    private static byte[] startup(Map<String, byte[]> fields) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (var e : fields.entrySet()) {
            body.writeBytes(utf8(e.getKey()));
            body.write(0);
            body.writeBytes(e.getValue());
            body.write(0);
        }
        body.write(0);
        return new FrameWriter(body.size() + 8)
                .beginUntyped()
                .int32(MessageType.PROTOCOL_3_0)
                .bytes(body.toByteArray())
                .end()
                .toByteArray();
    }

    private static byte[] query(byte[] sql) {
        return new FrameWriter(sql.length + 6)
                .begin(MessageType.QUERY)
                .bytes(sql)
                .int8(0)
                .end()
                .toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
