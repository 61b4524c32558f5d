// POST /trace on the admin HTTP port: the TRACE commands for scripts, behind HTTP Basic authentication with an
// admin user's name and password (as for the console). The body is the command without the word TRACE:
// "ON user=app FOR 60s LEVEL summary", "OFF T-3", "OFF all", or "SHOW" (also GET /trace).
package io.pgloom.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.pgloom.runtime.ProxyRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.tinylog.Logger;

final class TraceHttp implements HttpHandler {
    private static final int MAX_BODY = 4096;
    private final ProxyRuntime runtime;

    TraceHttp(ProxyRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String remote = ex.getRemoteAddress() == null
                ? "?"
                : ex.getRemoteAddress().getAddress().getHostAddress();
        String method = ex.getRequestMethod();
        if (!method.equals("POST") && !method.equals("GET")) {
            ex.getResponseHeaders().set("Allow", "GET, POST");
            send(ex, 405, "use POST /trace with a TRACE command as the body, or GET /trace to list the traces\n");
            return;
        }
        String user = AdminCredentials.require(runtime, ex);
        if (user == null) return;
        String body = method.equals("GET") ? "SHOW" : read(ex.getRequestBody());
        if (body == null) {
            send(ex, 413, "the command is longer than " + MAX_BODY + " bytes\n");
            return;
        }
        List<String> words = Arrays.stream(body.strip().split("\\s+"))
                .filter(w -> !w.isEmpty())
                .toList();
        if (!words.isEmpty() && words.get(0).equalsIgnoreCase("TRACE")) words = words.subList(1, words.size());
        if (!words.isEmpty() && words.get(0).equalsIgnoreCase("TRACES")) words = List.of("SHOW");
        Logger.info(
                "event=admin_command client=http:{} user={} command={}",
                remote,
                user,
                "TRACE " + String.join(" ", words));
        try {
            send(ex, 200, TraceCommands.text(TraceCommands.execute(runtime, words, user, "http")));
        } catch (IllegalArgumentException e) {
            send(ex, 400, "error: " + e.getMessage() + "\n");
        }
    }

    private static String read(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        if (b.length > MAX_BODY) return null;
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        HttpEndpoints.send(ex, code, "text/plain", body);
    }
}
