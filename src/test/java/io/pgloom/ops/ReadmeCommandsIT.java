// The README's "Run it" commands, run as written from the project folder with a JDK >= 21 first on the PATH (as
// the README asks): the config check and --version answer, `java -jar target/proxy.jar conf/proxy.toml` serves the
// shipped config (its database at 127.0.0.1:5432 is the test PostgreSQL, relayed there), and the psql command the
// README shows reaches PostgreSQL through it. `make` lines are what CI itself runs, so they are not run again here.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.FaultProxy;
import io.pgloom.testkit.PostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ReadmeCommandsIT {
    private static final Path README = Path.of("README.md");
    /** The ports conf/proxy.toml is written for: PostgreSQL, pgloom, its HTTP endpoint. */
    private static final int PG_PORT = 5432, PGLOOM_PORT = 6432, HTTP_PORT = 9930;

    @Test
    void theRunItCommandsWorkAsWritten() throws Exception {
        for (String tool : List.of("bash", "psql")) {
            Assumptions.assumeTrue(onPath(tool), tool + " is not installed; the README's commands need it");
        }
        for (int port : new int[] {PG_PORT, PGLOOM_PORT, HTTP_PORT}) {
            Assumptions.assumeFalse(
                    Await.accepts(port), "port " + port + " is taken here; conf/proxy.toml as written needs it");
        }
        List<String> commands = runItCommands();
        String serve = "java -jar target/proxy.jar conf/proxy.toml";
        assertTrue(commands.contains(serve), "the README runs pgloom with the shipped config: " + commands);
        Matcher client = Pattern.compile("`(PGPASSWORD=app psql -h 127\\.0\\.0\\.1 -p 6432 -U app app)`")
                .matcher(Files.readString(README));
        assertTrue(client.find(), "the README shows the psql command to connect with");

        PostgresFixture pg = PostgresFixture.shared();
        Process proxy = null;
        try (FaultProxy postgresAt5432 = new FaultProxy(PG_PORT, pg.port())) {
            for (String c : commands) {
                if (c.startsWith("make ")) continue;
                if (c.equals(serve)) {
                    proxy = bash(c).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    Process p = proxy;
                    Await.until(() -> p.isAlive() && Await.accepts(PGLOOM_PORT), 30, "pgloom to listen on 6432");
                    continue;
                }
                String out = run(c);
                if (c.contains("--check")) assertTrue(out.contains("conf/proxy.toml: OK"), out);
                if (c.contains("--version")) assertTrue(out.startsWith("pgloom "), out);
            }
            assertTrue(proxy != null && proxy.isAlive(), "pgloom serves conf/proxy.toml");
            String answer = run(client.group(1) + " -Atc 'SELECT current_user, current_database()'");
            assertEquals("app|app", answer.strip(), "the README's psql command reaches PostgreSQL through pgloom");
            Matcher admin = Pattern.compile("`(PGPASSWORD=change-me psql -h 127\\.0\\.0\\.1 -p 6432 -U admin pgloom)`")
                    .matcher(Files.readString(README));
            assertTrue(admin.find(), "the README shows the admin console command for the shipped config");
            assertTrue(run(admin.group(1) + " -Atc 'SHOW VERSION'").startsWith("pgloom "), "the admin console answers");
        } finally {
            if (proxy != null) {
                proxy.destroy(); // SIGTERM: the graceful stop the README describes
                if (!proxy.waitFor(20, TimeUnit.SECONDS)) proxy.destroyForcibly();
            }
        }
        assertEquals(0, proxy.exitValue(), "pgloom stopped cleanly on SIGTERM");
    }

    /** The lines of the README's "Run it" block, comments dropped. */
    private static List<String> runItCommands() throws Exception {
        List<String> lines = Files.readAllLines(README);
        int heading = lines.indexOf("## Run it");
        assertTrue(heading >= 0, "the README has its Run it section");
        int start = heading;
        while (!lines.get(start).strip().equals("```sh")) start++;
        List<String> out = new ArrayList<>();
        for (int i = start + 1; !lines.get(i).strip().equals("```"); i++) {
            String c = lines.get(i).replaceFirst("\\s+#.*$", "").strip();
            if (!c.isEmpty()) out.add(c);
        }
        return out;
    }

    private static String run(String command) throws Exception {
        Process p = bash(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " finished");
        assertEquals(0, p.exitValue(), command + " failed:\n" + out);
        return out;
    }

    /** bash in the project folder, this JDK (>= 21) first on the PATH as the README asks for. */
    private static ProcessBuilder bash(String command) {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command);
        pb.environment().put("PATH", Path.of(java).getParent() + ":" + System.getenv("PATH"));
        return pb;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
