// The live page over plain HTTP against a live pgloom and PostgreSQL: admin credentials required (401 with a
// Basic challenge otherwise), the state JSON counts the clients, the page's files come from the jar with a strict
// Content-Security-Policy, unknown paths answer 404 while /metrics still works, and live_page = false (applied by
// RELOAD) turns every page path into a 404 and back.
package io.pgloom.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class LivePageIT {
    private static final String ADMIN =
            "Basic " + Base64.getEncoder().encodeToString("admin:admin".getBytes(StandardCharsets.UTF_8));
    private final HttpClient http = HttpClient.newHttpClient();

    private static String config(PostgresFixture pg, boolean livePage) {
        return """
                pool_mode = "transaction"
                auth_failure_delay = 0.05

                [admin]
                http_listen = "127.0.0.1:0"
                users = ["admin"]
                live_page = %s

                [databases.app]
                host = "127.0.0.1"
                port = %d

                [users.app]
                password = "app"

                [users.admin]
                password = "admin"
                """.formatted(livePage, pg.port());
    }

    private HttpResponse<String> get(ProxyHarness p, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + p.pgloom().httpPort() + path));
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesThePageToAdminsOnly() throws Exception {
        PostgresFixture pg = PostgresFixture.shared();
        try (ProxyHarness p = ProxyHarness.startOwn(config(pg, true), "");
                Connection c1 = p.connect("app", "app", "app");
                Connection c2 = p.connect("app", "app", "app")) {
            String wrong = "Basic " + Base64.getEncoder().encodeToString("admin:nope".getBytes(StandardCharsets.UTF_8));
            for (String path : new String[] {"/", "/live/state.json", "/live/live.js", "/live/runbook"}) {
                for (String auth : new String[] {null, wrong, "Basic !!not base64"}) {
                    HttpResponse<String> r = get(p, path, auth);
                    assertEquals(401, r.statusCode(), path + " with " + auth);
                    assertTrue(r.headers()
                            .firstValue("WWW-Authenticate")
                            .orElse("")
                            .startsWith("Basic realm="));
                    assertTrue(!r.body().contains("pgloom live") && !r.body().contains("\"clients\""), r.body());
                }
            }
            HttpResponse<String> page = get(p, "/", ADMIN);
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(page.headers()
                    .firstValue("Content-Security-Policy")
                    .orElse("")
                    .contains("default-src 'none'"));
            assertTrue(page.body().contains("<script src=\"/live/live.js\""), "the script is the page's own file");
            assertTrue(!page.body().matches("(?s).*(src|href)=\"(https?:)?//.*"), "no external assets");
            String state = get(p, "/live/state.json", ADMIN).body();
            assertTrue(state.contains("\"clients\":{\"total\":2,"), state);
            assertTrue(state.contains("\"database\":\"app\",\"user\":\"app\",\"mode\":\"transaction\""), state);
            assertTrue(get(p, "/live/runbook", ADMIN).body().contains("id=\"instant-diagnostics\""));
            assertEquals(200, get(p, "/live/live.css", ADMIN).statusCode());
            HttpResponse<String> post = http.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + p.pgloom().httpPort() + "/live/state.json"))
                            .header("Authorization", ADMIN)
                            .POST(HttpRequest.BodyPublishers.ofString("x"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            assertEquals("GET", post.headers().firstValue("Allow").orElse(""));
            assertEquals(404, get(p, "/nonsense", ADMIN).statusCode());
            assertEquals(404, get(p, "/live/../index.html", ADMIN).statusCode());
            assertTrue(get(p, "/metrics", null).body().contains("pgloom_clients 2.0"), "/metrics unchanged, open");

            // Off by RELOAD: every page path answers 404, with or without credentials; back on the same way.
            Files.writeString(p.configFile(), "[proxy]\nlisten = \"127.0.0.1:" + p.port() + "\"\n" + config(pg, false));
            assertEquals(null, p.pgloom().reload());
            for (String path : new String[] {"/", "/live/state.json", "/live/live.js"}) {
                assertEquals(404, get(p, path, ADMIN).statusCode(), path);
                assertEquals(404, get(p, path, null).statusCode(), path);
            }
            Files.writeString(p.configFile(), "[proxy]\nlisten = \"127.0.0.1:" + p.port() + "\"\n" + config(pg, true));
            assertEquals(null, p.pgloom().reload());
            assertEquals(200, get(p, "/live/state.json", ADMIN).statusCode());
        }
    }
}
