// Runs every command block of runbook.md, in order, against a live pgloom (the real jar, its log in a file) and a
// real PostgreSQL, and checks each succeeds and prints the shape the runbook shows. A runbook command that no
// longer works fails the build. Needs bash, psql, curl and pg_isready; skipped with the reason when missing.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class RunbookIT {
    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null
                && java.util.Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void everyRunbookCommandRuns() throws Exception {
        for (String tool : List.of("bash", "psql", "curl", "pg_isready")) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not installed; the runbook commands need it");
        }
        // A primary and a streaming standby of its own: the "Controlled failover" section drains, promotes, switches
        // over.
        try (io.pgloom.testkit.PostgresCluster cluster = io.pgloom.testkit.PostgresCluster.start(1)) {
            runEveryBlock(cluster.primary(), cluster.standby(0));
        }
    }

    private void runEveryBlock(PostgresFixture pg, PostgresFixture standby) throws Exception {
        Path dir = Files.createTempDirectory("pgloom-runbook");
        int port = freePort();
        int http = freePort();
        Path conf = dir.resolve("proxy.toml");
        Path log = dir.resolve("pgloom.log");
        Files.writeString(conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                pool_mode = "transaction"
                shutdown_timeout = 10
                unix_socket_dir = "%s"
                [admin]
                http_listen = "127.0.0.1:%d"
                users = ["admin"]
                [failover]
                health_check_period = 0.5
                drain_timeout = 10
                [databases.app]
                hosts = ["127.0.0.1:%d", "127.0.0.1:%d"]
                [users.app]
                password = "app"
                [users.admin]
                password = "admin"
                """.formatted(port, dir, http, pg.port(), standby.port()));
        String jar = Path.of(System.getProperty("pgloom.jar", "target/proxy.jar"))
                .toAbsolutePath()
                .toString();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process proxy = new ProcessBuilder(java, "-jar", jar, conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            Await.until(() -> Await.accepts(port), 30, "pgloom to listen");
            // Some history for the log-reading commands: a working client and a failed login.
            try (Connection c =
                    DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/app?user=app&password=app")) {
                c.createStatement().execute("SELECT 1");
            }
            try {
                DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/app?user=app&password=wrong")
                        .close();
            } catch (SQLException expected) {
                // the failed login is what we wanted in the log
            }
            Map<String, String> env = new java.util.HashMap<>(Map.of(
                    "PGLOOM_HOST",
                    "127.0.0.1",
                    "PGLOOM_PORT",
                    String.valueOf(port),
                    "PGLOOM_HTTP",
                    "127.0.0.1:" + http,
                    "PGLOOM_CONF",
                    conf.toString(),
                    "PGLOOM_LOG",
                    log.toString(),
                    "PGLOOM_JAR",
                    jar,
                    "PGLOOM_ADMIN",
                    "admin",
                    "PGLOOM_ADMIN_PASSWORD",
                    "admin",
                    "DB_HOST",
                    "127.0.0.1",
                    "DB_PORT",
                    String.valueOf(pg.port())));
            env.put("DB_STANDBY_HOST", "127.0.0.1");
            env.put("DB_STANDBY_PORT", String.valueOf(standby.port()));
            // psql exits 0 after an SQL error unless ON_ERROR_STOP is set: make a failing admin command fail the block.
            Path psqlrc = dir.resolve("psqlrc");
            Files.writeString(psqlrc, "\\set ON_ERROR_STOP on\n");
            List<RunbookBlocks.Block> blocks = RunbookBlocks.read(Path.of("runbook.md"));
            // -Drunbook.transcript=FILE keeps every block's output: what a sample in runbook.md is written from.
            String transcriptName = System.getProperty("runbook.transcript");
            Path transcript = transcriptName == null ? null : Path.of(transcriptName);
            assertTrue(blocks.size() >= 10, "the runbook has its command blocks: " + blocks.size());
            for (RunbookBlocks.Block b : blocks) {
                ProcessBuilder pb = new ProcessBuilder("bash", "-e", "-c", b.script()).redirectErrorStream(true);
                pb.environment().putAll(env);
                pb.environment().put("DB_PASSWORD", PostgresFixture.SUPERPASS);
                pb.environment().put("PSQLRC", psqlrc.toString());
                pb.environment().put("PATH", Path.of(java).getParent() + ":" + System.getenv("PATH"));
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes());
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "runbook.md line " + b.line() + " finished");
                if (transcript != null) {
                    Files.writeString(
                            transcript,
                            "=== runbook.md line " + b.line() + "\n" + b.script() + "\n--- exit " + p.exitValue() + "\n"
                                    + out + "\n",
                            StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
                assertEquals(
                        0, p.exitValue(), "runbook.md line " + b.line() + " failed:\n" + b.script() + "\n---\n" + out);
                // An empty output (a grep that found nothing) never passes: every block prints its shape.
                assertTrue(
                        RunbookBlocks.matchesSample(out, b.sampleFirstLine()),
                        "runbook.md line " + b.line() + ": output has the shape shown (" + b.sampleFirstLine() + "):\n"
                                + out);
            }
            // The last block stops pgloom gracefully.
            assertTrue(proxy.waitFor(30, TimeUnit.SECONDS), "pgloom stopped after the runbook's stop command");
            assertEquals(0, proxy.exitValue());
        } finally {
            proxy.destroyForcibly();
        }
    }
}
