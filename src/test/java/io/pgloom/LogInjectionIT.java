// Issue 24 against the real jar: a raw startup packet whose user name carries a quote, key=value pairs and a
// newline leaves exactly one text-log line for its login, with the whole name escaped in user=; no line of the log
// or of the trace file is the client's; SHOW CLIENTS shows a hostile application_name without control characters.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.JarProcess;
import io.pgloom.testkit.LogLine;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.util.SafeText;
import io.pgloom.wire.StartupPacket;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LogInjectionIT {
    private static final String FORGED =
            "evil\" event=admin_command command=\"SHUTDOWN\nFAKE-LINE event=auth_ok user=root";
    private static final String APP_NAME = "app\u001b]0;owned\u0007\r\nFAKE-APP event=auth_ok";
    private static final Pattern LOG_LINE =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} [A-Z]+ event=.*");
    private static final Pattern TRACE_LINE =
            Pattern.compile("(# pgloom trace: .*|\\d{4}-\\d{2}-\\d{2}T\\S+Z T-\\d+ .*)");

    @Test
    void aClientCannotWriteALineOfItsOwn() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        int port = Await.freePort();
        Path dir = Files.createTempDirectory("pgloom-loginjection");
        Path conf = dir.resolve("proxy.toml");
        Path log = dir.resolve("out.log");
        Path trace = dir.resolve("trace.log");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                [admin]
                http_listen = ""
                users = ["admin"]
                [log]
                level = "info"
                [trace]
                file = "%s"
                [databases.app]
                host = "127.0.0.1"
                port = %d
                [users.app]
                password = "app"
                [users.admin]
                password = "admin"
                """.formatted(port, trace, pg.port()));
        Process proc = JarProcess.start(conf, log);
        try {
            Await.until(() -> Await.accepts(port), 30, "pgloom to listen");
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/";
            Properties adminProps = new Properties();
            adminProps.setProperty("user", "admin");
            adminProps.setProperty("password", "admin");
            adminProps.setProperty("preferQueryMode", "simple");
            try (Connection adm = DriverManager.getConnection(url + "pgloom", adminProps)) {
                adm.createStatement().execute("TRACE ON address=127.0.0.1/32 FOR 5min LEVEL full");
                // The packet, with no password: pgloom asks for one, the attacker hangs up.
                Map<String, String> startup = new LinkedHashMap<>();
                startup.put("user", FORGED);
                startup.put("database", "app");
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.getOutputStream().write(StartupPacket.encodeStartup(startup));
                    InputStream in = s.getInputStream();
                    assertTrue(in.read() >= 0, "pgloom answers the startup packet");
                }
                Properties appProps = new Properties();
                appProps.setProperty("user", "app");
                appProps.setProperty("password", "app");
                appProps.setProperty("ApplicationName", APP_NAME);
                appProps.setProperty("assumeMinServerVersion", "10"); // application_name in the startup packet
                try (Connection app = DriverManager.getConnection(url + "app", appProps)) {
                    app.createStatement().execute("SELECT 1");
                    String shown = null;
                    try (Statement st = adm.createStatement();
                            ResultSet rs = st.executeQuery("SHOW CLIENTS")) {
                        while (rs.next()) {
                            if ("app".equals(rs.getString("database"))) shown = rs.getString("application_name");
                        }
                    }
                    assertEquals(SafeText.terminal(APP_NAME), shown, "SHOW CLIENTS escapes what reaches a terminal");
                    assertTrue(shown.chars().noneMatch(c -> c < 0x20), shown);
                }
                adm.createStatement().execute("TRACE OFF all");
            }
            Await.until(
                    () -> Files.readString(log).contains("FAKE-APP")
                            && Files.readString(log).contains("FAKE-LINE"),
                    10,
                    "both sessions in the log");
            proc.destroy();
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS));

            List<String> lines =
                    Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            for (String l : lines) assertTrue(LOG_LINE.matcher(l).matches(), "every line is pgloom's own event: " + l);
            List<String> forged =
                    lines.stream().filter(l -> l.contains("FAKE-LINE")).toList();
            assertEquals(1, forged.size(), "one line for the forged login: " + forged);
            LogLine line = LogLine.parse(forged.get(0));
            assertEquals(FORGED, line.get("user"), "the whole user name, in user=");
            assertEquals("client_disconnect", line.get("event"));
            assertEquals(1, line.keys().stream().filter("event"::equals).count(), "no second event= key");
            List<String> logins = lines.stream()
                    .filter(l -> l.contains("event=client_login") && l.contains("FAKE-APP"))
                    .toList();
            assertEquals(1, logins.size(), lines.toString());
            assertEquals(APP_NAME, LogLine.parse(logins.get(0)).get("application_name"));

            List<String> traced = Files.readAllLines(trace);
            for (String l : traced) {
                assertTrue(TRACE_LINE.matcher(l).matches(), "every trace line is pgloom's: " + l);
                assertTrue(l.chars().noneMatch(c -> c < 0x20 || c >= 0x7f && c <= 0x9f), "no control characters: " + l);
            }
            assertTrue(
                    traced.stream().anyMatch(l -> l.contains(" session user=" + SafeText.logValue(FORGED) + " ")),
                    "the trace names the forged user in one escaped value:\n" + String.join("\n", traced));
            assertFalse(traced.stream().anyMatch(l -> l.startsWith("FAKE")), String.join("\n", traced));
        } finally {
            proc.destroyForcibly();
        }
    }
}
