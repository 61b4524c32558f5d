// The real jar's log: with [log] format = "json" every line is one JSON object with time, level and msg; msg is
// the same escaped logfmt as the text log, JSON-escaped once (no double escaping); and no password reaches the
// log, not even from a failed login.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.JarProcess;
import io.pgloom.testkit.LogLine;
import io.pgloom.testkit.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LogFormatIT {
    private static final String APP_NAME = "json\"app\\ \u001b[1m\nFAKE event=auth_ok";

    /** The string value of {@code key} in a one-line JSON object, unescaped (\" \\ \/ \n \r \t \b \f \\uXXXX). */
    private static String jsonString(String json, String key) {
        int i = json.indexOf("\"" + key + "\":");
        assertTrue(i >= 0, key + " in " + json);
        i = json.indexOf('"', i + key.length() + 3) + 1;
        StringBuilder v = new StringBuilder();
        while (json.charAt(i) != '"') {
            char c = json.charAt(i++);
            if (c != '\\') {
                v.append(c);
                continue;
            }
            char e = json.charAt(i++);
            switch (e) {
                case 'n' -> v.append('\n');
                case 'r' -> v.append('\r');
                case 't' -> v.append('\t');
                case 'b' -> v.append('\b');
                case 'f' -> v.append('\f');
                case 'u' -> {
                    v.append((char) Integer.parseInt(json.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> v.append(e);
            }
        }
        return v.toString();
    }

    @Test
    void jsonLinesAndNoSecrets() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        int port = Await.freePort();
        Path dir = Files.createTempDirectory("pgloom-log");
        Path conf = dir.resolve("proxy.toml");
        Path log = dir.resolve("out.log");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                [admin]
                http_listen = ""
                [log]
                format = "json"
                level = "info"
                [databases.app]
                host = "127.0.0.1"
                port = %d
                [users.app]
                password = "app"
                """.formatted(port, pg.port()));
        Process proc = JarProcess.start(conf, log);
        try {
            Await.until(() -> Await.accepts(port), 30, "pgloom to listen");
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/app";
            Properties props = new Properties();
            props.setProperty("user", "app");
            props.setProperty("password", "app");
            props.setProperty("ApplicationName", APP_NAME);
            props.setProperty("assumeMinServerVersion", "10"); // application_name in the startup packet
            try (Connection c = DriverManager.getConnection(url, props)) {
                c.createStatement().execute("SELECT 1");
            }
            try {
                DriverManager.getConnection(url + "?user=app&password=Sup3r-Secret-Guess")
                        .close();
            } catch (SQLException expected) {
                // a failed login, to be logged without its password
            }
            proc.destroy();
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, proc.exitValue());
            List<String> lines =
                    Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            assertTrue(lines.size() >= 4, "lines: " + lines);
            for (String l : lines) {
                assertTrue(l.startsWith("{") && l.endsWith("}") && l.contains("\"msg\"") && l.contains("\"level\""), l);
            }
            String all = String.join("\n", lines);
            assertTrue(all.contains("event=client_login"), all);
            assertTrue(all.contains("reason=auth_failed"), all);
            List<String> logins =
                    lines.stream().filter(l -> l.contains("event=client_login")).toList();
            assertEquals(1, logins.size(), all);
            LogLine login = LogLine.message(jsonString(logins.get(0), "msg"));
            assertEquals(APP_NAME, login.get("application_name"), "JSON-decode, read msg as logfmt: the client's text");
            assertEquals("client_login", login.get("event"));
            assertFalse(all.contains("Sup3r-Secret-Guess"), "a password never reaches the log");
            assertFalse(all.contains("password = \"app\""), "nor the configured one");
        } finally {
            proc.destroyForcibly();
        }
    }
}
