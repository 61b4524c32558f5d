// Starts pgloom in-process in front of the test PostgreSQL, from a TOML config written to a temp file, so tests
// go through the real config loader, listener and pumps. Extra TOML lines override or extend the defaults.
package io.pgloom.testkit;

import io.pgloom.Pgloom;
import io.pgloom.config.ConfigLoader;
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
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class ProxyHarness implements AutoCloseable {
    private final Pgloom pgloom;
    private final Path file;

    private ProxyHarness(Pgloom pgloom, Path file) {
        this.pgloom = pgloom;
        this.file = file;
    }

    /** pgloom with database "app" and users app/app, scram_user, md5_user, plain_user, trust_user, admin. */
    public static ProxyHarness start(PostgresFixture pg, String poolMode, String extraProxyKeys, String extraTables) {
        return start(pg, poolMode, extraProxyKeys, extraTables, "");
    }

    /** As above, with the admin HTTP endpoint on httpListen ("" = off; "127.0.0.1:0" = any free port). */
    public static ProxyHarness start(
            PostgresFixture pg, String poolMode, String extraProxyKeys, String extraTables, String httpListen) {
        try {
            int port = freePort();
            // Test defaults, each overridable by a line of extraProxyKeys (TOML forbids a key twice).
            StringBuilder keys = new StringBuilder();
            for (String d : new String[] {
                "default_pool_size = 10",
                "query_wait_timeout = 20",
                "server_login_retry = 1",
                "shutdown_timeout = 10",
                "auth_failure_delay = 0.1"
            }) {
                String k = d.substring(0, d.indexOf(' '));
                if (!extraProxyKeys.matches("(?s)(.*\\n)?\\s*" + k + "\\s*=.*"))
                    keys.append(d).append('\n');
            }
            keys.append(extraProxyKeys);
            String toml = """
                    [proxy]
                    listen = "127.0.0.1:%d"
                    pool_mode = "%s"
                    %s

                    [admin]
                    http_listen = "%s"
                    users = ["admin"]

                    [log]
                    level = "warn"

                    [databases.app]
                    host = "127.0.0.1"
                    port = %d
                    dbname = "app"

                    [databases.postgres]
                    host = "127.0.0.1"
                    port = %d
                    dbname = "postgres"

                    [users.app]
                    password = "app"

                    [users.scram_user]
                    password = "scram_pw"

                    [users.md5_user]
                    password = "md5_pw"

                    [users.plain_user]
                    password = "plain_pw"

                    [users.admin]
                    password = "admin"

                    %s
                    """.formatted(port, poolMode, keys, httpListen, pg.port(), pg.port(), extraTables);
            Path file = Files.createTempFile("pgloom-test", ".toml");
            Files.writeString(file, toml);
            return new ProxyHarness(Pgloom.start(ConfigLoader.load(file), file), file);
        } catch (Exception e) {
            throw new IllegalStateException("could not start pgloom: " + e.getMessage(), e);
        }
    }

    /**
     * pgloom from a config of the test's own, without the default databases and users: proxyKeys go into [proxy]
     * after its listen address, tables follow.
     */
    public static ProxyHarness startOwn(String proxyKeys, String tables) {
        try {
            Path file = Files.createTempFile("pgloom-test", ".toml");
            String listen = "[proxy]\nlisten = \"127.0.0.1:" + freePort() + "\"\n";
            Files.writeString(file, listen + proxyKeys + "\n\n" + tables);
            return new ProxyHarness(Pgloom.start(Pgloom.load(file), file), file);
        } catch (Exception e) {
            throw new IllegalStateException("could not start pgloom: " + e.getMessage(), e);
        }
    }

    public static ProxyHarness start(PostgresFixture pg, String poolMode) {
        return start(pg, poolMode, "", "");
    }

    public Pgloom pgloom() {
        return pgloom;
    }

    public int port() {
        return pgloom.port();
    }

    public Path configFile() {
        return file;
    }

    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    public Connection connect(String database, String user, String password) throws SQLException {
        return connect(database, user, password, new Properties());
    }

    public Connection connect(String database, String user, String password, Properties extra) throws SQLException {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        p.putIfAbsent("connectTimeout", "20");
        p.putIfAbsent("socketTimeout", "60");
        return DriverManager.getConnection(url(database), p);
    }

    /** The /metrics page (started with an http_listen). */
    public String metricsPage() throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pgloom.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /**
     * A sample's value on /metrics: the first {@code name} whose labels contain {@code labels} (null: any); NaN when
     * there is none (so an expected 0 never passes for a metric that is missing).
     */
    public double metric(String name, String labels) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? (\\S+)$").matcher(metricsPage());
        while (m.find()) {
            if (labels == null || (m.group(1) != null && m.group(1).contains(labels)))
                return Double.parseDouble(m.group(2));
        }
        return Double.NaN;
    }

    public Connection app() throws SQLException {
        return connect("app", "app", "app");
    }

    /** The body of GET path on the admin HTTP endpoint (started with an httpListen). */
    public String httpGet(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pgloom.httpPort() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        pgloom.close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // temp file; the OS cleans up
        }
    }
}
