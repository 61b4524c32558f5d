// Checks an admin user's name and password for the authenticated HTTP endpoints (POST /trace, the live page): the
// user must be in admin.users, the password must match its [users.NAME] secret (plain, MD5 hash or SCRAM verifier),
// compared in constant time.
package io.pgloom.admin;

import com.sun.net.httpserver.HttpExchange;
import io.pgloom.auth.Md5;
import io.pgloom.auth.ScramVerifier;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.Secret;
import io.pgloom.runtime.ProxyRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.tinylog.Logger;

final class AdminCredentials {
    private AdminCredentials() {}

    /** The admin user named by an "Authorization: Basic …" header whose password is right, else null. */
    static String basic(ProxyConfig config, String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return null;
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) return null;
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        if (!config.admin().users().contains(user)) return null;
        Secret secret = config.user(user).map(u -> u.password()).orElse(null);
        return secret != null && matches(user, secret, password) ? user : null;
    }

    /**
     * The admin user the request authenticates as; otherwise, after auth_failure_delay, a 401 asking for HTTP Basic
     * has been sent (and logged) and the answer is null.
     */
    static String require(ProxyRuntime runtime, HttpExchange ex) throws IOException {
        String user = basic(runtime.config(), ex.getRequestHeaders().getFirst("Authorization"));
        if (user != null) return user;
        String remote = ex.getRemoteAddress() == null
                ? "?"
                : ex.getRemoteAddress().getAddress().getHostAddress();
        Logger.warn(
                "event=http_auth_failed path={} remote={}", ex.getRequestURI().getPath(), remote);
        long delay = runtime.config().proxy().authFailureDelay().toMillis();
        try {
            if (delay > 0) Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"pgloom admin\", charset=\"UTF-8\"");
        HttpEndpoints.send(
                ex, 401, "text/plain", "authentication required: an admin user's name and password (HTTP Basic)\n");
        return null;
    }

    static boolean matches(String user, Secret secret, String password) {
        return switch (secret.kind()) {
            case PLAIN ->
                same(secret.reveal().getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8));
            case MD5 ->
                same(
                        secret.reveal().getBytes(StandardCharsets.US_ASCII),
                        Md5.passwordHash(password, user).getBytes(StandardCharsets.US_ASCII));
            case SCRAM -> {
                ScramVerifier stored = ScramVerifier.parse(secret.reveal());
                ScramVerifier given = ScramVerifier.fromPassword(password, stored.salt(), stored.iterations());
                yield same(stored.storedKey(), given.storedKey()) & same(stored.serverKey(), given.serverKey());
            }
        };
    }

    private static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
