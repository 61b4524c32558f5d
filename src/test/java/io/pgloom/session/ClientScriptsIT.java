// Non-Java client libraries through pgloom in transaction mode, each run by its own checking script in
// scripts/clients (psycopg 3, asyncpg, node-postgres) with their statement caches on, 20 clients over 2 servers.
// A script exits non-zero on any wrong answer. Skips with the reason when an interpreter or library is missing
// (scripts/install-client-libs.sh installs them).
package io.pgloom.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.ProxyHarness;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClientScriptsIT {
    private static final Path SCRIPTS = Path.of("scripts", "clients");
    private static final int CLIENTS = DriverTestbed.CLIENTS;
    private static final String INSTALL_HINT = "; run scripts/install-client-libs.sh";
    static ProxyHarness proxy;

    @BeforeAll
    static void start() {
        proxy = DriverTestbed.start();
    }

    @AfterAll
    static void stop() {
        if (proxy != null) proxy.close();
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        Await.until(() -> proxy.pgloom().runtime().sessionCount() == 0, 30, "every client session to end");
        proxy.pgloom()
                .runtime()
                .pools
                .snapshots()
                .forEach(s -> assertTrue(
                        s.total() <= s.size(), "pool " + s.key() + " holds " + s.total() + " of " + s.size()));
    }

    @Test
    void psycopg3() throws Exception {
        run(python("psycopg"), "psycopg_check.py");
    }

    @Test
    void asyncpg() throws Exception {
        run(python("asyncpg"), "asyncpg_check.py");
    }

    @Test
    void nodePostgres() throws Exception {
        String node = onPath("node");
        assumeTrue(node != null, "node is not installed" + INSTALL_HINT);
        assumeTrue(
                exitCode(SCRIPTS, node, "-e", "require('pg')") == 0,
                "node-postgres (npm pg) is not installed in scripts/clients/node_modules" + INSTALL_HINT);
        run(node, "node_pg_check.js");
    }

    /** A Python that can import the module: Debian's /usr/bin/python3 first (where apt puts it), then the PATH's. */
    private static String python(String module) throws Exception {
        List<String> candidates = new ArrayList<>(List.of("/usr/bin/python3"));
        String onPath = onPath("python3");
        if (onPath != null) candidates.add(onPath);
        for (String py : candidates) {
            if (new File(py).canExecute() && exitCode(SCRIPTS, py, "-c", "import " + module) == 0) return py;
        }
        assumeTrue(false, "no python3 here can import " + module + " (tried " + candidates + ")" + INSTALL_HINT);
        return null;
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, name);
            if (f.canExecute()) return f.getPath();
        }
        return null;
    }

    private static int exitCode(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** Runs a checking script against pgloom; its output is shown, its exit code must be 0. */
    private static void run(String interpreter, String script) throws Exception {
        Path log = Files.createTempFile("pgloom-client-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(interpreter, script)
                    .directory(SCRIPTS.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> env = pb.environment();
            env.put("PGHOST", "127.0.0.1");
            env.put("PGPORT", String.valueOf(proxy.port()));
            env.put("PGUSER", "app");
            env.put("PGPASSWORD", "app");
            env.put("PGDATABASE", "app");
            env.put("PGSSLMODE", "disable");
            env.put("CLIENTS", String.valueOf(CLIENTS));
            Process p = pb.start();
            boolean done = p.waitFor(150, TimeUnit.SECONDS);
            if (!done) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String out = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println("--- " + script + " ---\n" + out);
            assertTrue(done, script + " did not finish within 150 s:\n" + out);
            assertEquals(0, p.exitValue(), script + " found wrong answers:\n" + out);
            assertTrue(out.contains(" 0 failed"), script + " printed no summary:\n" + out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
