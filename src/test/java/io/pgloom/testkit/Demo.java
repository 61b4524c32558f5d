// `make demo`: a throwaway PostgreSQL (the test fixture's binaries) with pgloom in front of it, and the psql command
// that connects through pgloom. Ctrl-C stops both.
package io.pgloom.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        String jar = args.length > 0 ? args[0] : "target/proxy.jar";
        System.out.println("Starting a throwaway PostgreSQL (first run unpacks the binaries)...");
        PostgresFixture pg = PostgresFixture.startNew();
        int port = firstFree(6432);
        int http = firstFree(9930);
        Path dir = Path.of(".demo");
        Files.createDirectories(dir);
        Path conf = dir.resolve("proxy.toml");
        Files.writeString(conf, """
                # Written by `make demo`; see conf/proxy.toml for every key.
                [proxy]
                listen = "127.0.0.1:%d"
                pool_mode = "transaction"
                shutdown_timeout = 5

                [admin]
                http_listen = "127.0.0.1:%d"
                users = ["admin"]

                [databases.app]
                host = "127.0.0.1"
                port = %d

                [users.app]
                password = "app"

                [users.admin]
                password = "admin"
                """.formatted(port, http, pg.port()));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process proxy = new ProcessBuilder(java, "-jar", jar, conf.toString())
                .inheritIO()
                .start();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping pgloom and PostgreSQL...");
            proxy.destroy();
            try {
                if (!proxy.waitFor(10, TimeUnit.SECONDS)) proxy.destroyForcibly();
            } catch (InterruptedException ignored) {
                proxy.destroyForcibly();
            }
            pg.close();
            done.countDown();
        }));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Await.accepts(port)) {
            if (!proxy.isAlive()) {
                System.err.println("pgloom exited with code " + proxy.exitValue() + " (see its output above)");
                System.exit(1);
            }
            if (System.nanoTime() > deadline) {
                System.err.println("pgloom did not start listening on port " + port + " within 30 s");
                System.exit(1);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        System.out.printf("""

                pgloom is running in transaction mode in front of PostgreSQL %d (port %d).
                Connect through pgloom:

                    PGPASSWORD=app psql -h 127.0.0.1 -p %d -U app app

                The admin console (runbook.md lists its commands), the metrics, readiness and the live page:

                    PGPASSWORD=admin psql -h 127.0.0.1 -p %d -U admin pgloom -c 'SHOW POOLS' -c 'SHOW CLIENTS'
                    curl -s http://127.0.0.1:%d/metrics | grep '^pgloom_'
                    curl -s http://127.0.0.1:%d/readyz
                    open http://127.0.0.1:%d/ in a browser

                Config: %s    Press Ctrl-C to stop both.
                %n""", pg.majorVersion(), pg.port(), port, port, http, http, http, conf.toAbsolutePath());
        proxy.waitFor();
        done.await(15, TimeUnit.SECONDS);
    }

    private static int firstFree(int from) throws IOException {
        for (int p = from; p < from + 100; p++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", p));
                return p;
            } catch (IOException taken) {
                // try the next one
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
