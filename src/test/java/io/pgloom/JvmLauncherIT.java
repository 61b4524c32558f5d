// The real jar started as an operator does (java -jar proxy.jar conf): it replaces itself by a JVM with pgloom's
// flags (same process id, so SIGTERM reaches it and shuts it down gracefully), a flag the user gives wins, and
// PGLOOM_NO_RELAUNCH keeps the JVM as started. Also: under a java older than 21 the jar says so in one line.
package io.pgloom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class JvmLauncherIT {
    private static final String JAR = System.getProperty("pgloom.jar", "target/proxy.jar");
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    @Test
    void relaunchesWithPgloomsFlagsInTheSameProcessAndShutsDownGracefullyOnSigterm() throws Exception {
        assumeTrue(Runtime.version().feature() >= 22, "the relaunch needs Java 22+ (execv through the FFM API)");
        Running r = start(List.of(), Map.of());
        try {
            String status = r.status();
            assertTrue(status.contains("-XX:+UseSerialGC"), status);
            assertTrue(status.contains("-Xms16m"), status);
            assertTrue(status.contains("\"jvm_collectors\":\"Copy, MarkSweepCompact\""), status);
            assertEquals(1, r.query(), "the relaunched proxy serves");
            assertTrue(r.proc.children().findAny().isEmpty(), "execv: no child JVM, the started process is pgloom");
            assertEquals(1, openFilesNamed(r.proc.pid(), "proxy.jar"), "the first JVM's files do not leak into it");
            r.proc.destroy(); // SIGTERM to the process the operator started
            assertTrue(r.proc.waitFor(30, TimeUnit.SECONDS), "pgloom exited");
            assertEquals(0, r.proc.exitValue());
            assertTrue(Files.readString(r.log).contains("event=shutdown_complete"), Files.readString(r.log));
        } finally {
            r.proc.destroyForcibly();
        }
    }

    @Test
    void aFlagTheUserGivesWinsOverPgloomsAndOthersStay() throws Exception {
        assumeTrue(Runtime.version().feature() >= 22, "the relaunch needs Java 22+ (execv through the FFM API)");
        Running r = start(List.of("-XX:+UseParallelGC", "-Xms32m"), Map.of());
        try {
            String status = r.status();
            assertTrue(status.contains("PS Scavenge"), "the user's collector: " + status);
            assertFalse(status.contains("UseSerialGC"), status);
            assertTrue(status.contains("-Xms32m"), status);
            assertFalse(status.contains("-Xms16m"), status);
            assertTrue(status.contains("-XX:+UseCompactObjectHeaders"), "pgloom's other flags stay: " + status);
        } finally {
            stop(r);
        }
    }

    @Test
    void pgloomNoRelaunchKeepsTheJvmAsStarted() throws Exception {
        Running r = start(List.of("-Xss1m"), Map.of(JvmLauncher.OFF_ENV, "1"));
        try {
            String status = r.status();
            assertTrue(status.contains("\"jvm_flags\":\"-Xss1m\""), status);
            assertTrue(Files.readString(r.log).contains("event=jvm_not_relaunched"), Files.readString(r.log));
        } finally {
            stop(r);
        }
    }

    @Test
    void anOlderJavaSaysPgloomNeedsJava21AndExitsOne() throws Exception {
        Path old = Path.of("/usr/bin/java");
        assumeTrue(Files.isExecutable(old), "no /usr/bin/java on this machine");
        Process v = new ProcessBuilder(old.toString(), "-version")
                .redirectErrorStream(true)
                .start();
        String version = new String(v.getInputStream().readAllBytes());
        v.waitFor();
        assumeTrue(!version.matches("(?s).*version \"(2[1-9]|[3-9][0-9]).*"), "/usr/bin/java is 21+: " + version);
        Process p = new ProcessBuilder(old.toString(), "-jar", JAR, "conf/proxy.toml")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertFalse(out.contains("\n"), "one line: " + out);
        assertTrue(out.startsWith("pgloom needs Java 21 or newer; this is Java "), out);
        assertTrue(out.contains("JAVA_HOME"), out);
    }

    private record Running(Process proc, Path log, int port, int http) {
        String status() throws Exception {
            AtomicReference<String> body = new AtomicReference<>();
            try (HttpClient c = HttpClient.newHttpClient()) {
                Await.until(
                        () -> {
                            HttpResponse<String> res = c.send(
                                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/status"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            body.set(res.body());
                            return res.statusCode() == 200;
                        },
                        60,
                        "/status of the started jar");
            }
            return body.get();
        }

        int query() throws Exception {
            Await.until(() -> Await.accepts(port), 60, "pgloom to accept");
            String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=app&password=app";
            try (Connection c = DriverManager.getConnection(url);
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT 1")) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static Running start(List<String> jvmFlags, Map<String, String> env) throws Exception {
        int port = freePort();
        int http = freePort();
        Path conf = Files.createTempFile("pgloom-launcher", ".toml");
        Files.writeString(
                conf, """
                [proxy]
                listen = "127.0.0.1:%d"
                [admin]
                http_listen = "127.0.0.1:%d"
                [databases.postgres]
                host = "127.0.0.1"
                port = %d
                [users.app]
                password = "app"
                """.formatted(port, http, PostgresFixture.shared().port()));
        Path log = Files.createTempFile("pgloom-launcher", ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(JAVA);
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-jar", JAR, conf.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        for (String var : List.of(JvmLauncher.OFF_ENV, "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS")) {
            pb.environment().remove(var);
        }
        pb.environment().putAll(env);
        return new Running(pb.start(), log, port, http);
    }

    private static void stop(Running r) throws InterruptedException {
        r.proc.destroy();
        if (!r.proc.waitFor(30, TimeUnit.SECONDS)) r.proc.destroyForcibly();
    }

    private static long openFilesNamed(long pid, String name) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString().endsWith(name);
                        } catch (IOException closedMeanwhile) {
                            return false;
                        }
                    })
                    .count();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
