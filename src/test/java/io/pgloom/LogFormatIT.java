// The real jar's log: with [log] format = "json" every line is one JSON object with time, level and msg; and no
// password reaches the log, not even from a failed login.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LogFormatIT {
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
        String java = ProcessHandle.current().info().command().orElse("java");
        Process proc = new ProcessBuilder(java, "-jar", System.getProperty("pgloom.jar", "target/proxy.jar"), conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Await.until(() -> Await.accepts(port), 30, "pgloom to listen");
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/app";
            try (Connection c = DriverManager.getConnection(url + "?user=app&password=app")) {
                c.createStatement().execute("SELECT 1");
            }
            try {
                DriverManager.getConnection(url + "?user=app&password=Sup3r-Secret-Guess").close();
            } catch (SQLException expected) {
                // a failed login, to be logged without its password
            }
            proc.destroy();
            assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, proc.exitValue());
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
            assertTrue(lines.size() >= 4, "lines: " + lines);
            for (String l : lines) {
                assertTrue(l.startsWith("{") && l.endsWith("}") && l.contains("\"msg\"") && l.contains("\"level\""), l);
            }
            String all = String.join("\n", lines);
            assertTrue(all.contains("event=client_login"), all);
            assertTrue(all.contains("reason=auth_failed"), all);
            assertFalse(all.contains("Sup3r-Secret-Guess"), "a password never reaches the log");
            assertFalse(all.contains("password = \"app\""), "nor the configured one");
        } finally {
            proc.destroyForcibly();
        }
    }
}
