// auth_query: credentials of users not listed in the config, fetched from PostgreSQL as auth_user (default query:
// pg_shadow) and cached for auth_query_cache_ttl. The fetched secret is an MD5 hash or a SCRAM verifier; with a
// verifier pgloom checks the client's SCRAM proof and logs into PostgreSQL with the ClientKey the proof revealed
// (pass-through, as PgBouncer does), so it never needs the password itself.
package io.pgloom.runtime;

import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.Secret;
import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SqlState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tinylog.Logger;

public final class AuthQuery {
    private record Cached(Secret secret, long atNanos) {}

    private final ServerConnector connector;
    /** (database, user) -> secret; a user PostgreSQL does not know is cached as a null secret too. */
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();
    /** user -> ClientKey learned from that user's last SCRAM login (memory only), for pass-through logins. */
    public final ConcurrentHashMap<String, byte[]> clientKeys = new ConcurrentHashMap<>();

    AuthQuery(ServerConnector connector) {
        this.connector = connector;
    }

    public boolean enabled() {
        return !connector.config().proxy().authUser().isEmpty();
    }

    /** The user's secret per auth_query, or null when PostgreSQL has no such user (or no password for it). */
    public Secret lookup(String database, String user) throws ServerLoginException {
        ProxyConfig c = connector.config();
        String key = database + "\u0000" + user;
        Cached hit = cache.get(key);
        long now = connector.clock().nanoTime();
        if (hit != null && now - hit.atNanos() < c.proxy().authQueryCacheTtl().toNanos()) return hit.secret();
        Secret s = fetch(c, database, user);
        if (cache.size() > 10_000) cache.clear();
        cache.put(key, new Cached(s, now));
        return s;
    }

    private Secret fetch(ProxyConfig c, String database, String user) throws ServerLoginException {
        DatabaseConfig db = c.database(database).orElseThrow();
        var creds = ServerConnector.credentials(c, db, c.proxy().authUser());
        Map<String, String> params =
                Map.of("user", creds.user(), "database", db.dbname(), "application_name", "pgloom auth_query");
        ServerConn conn =
                connector.openOnHost(db, new PoolKey(database, c.proxy().authUser()), creds, params);
        try {
            conn.setReadTimeout((int) c.proxy().serverConnectTimeout().toMillis());
            byte[] name = user.getBytes(StandardCharsets.UTF_8);
            FrameWriter w = new FrameWriter(256)
                    .begin(MessageType.PARSE)
                    .cstring("")
                    .cstring(c.proxy().authQuery())
                    .int16(0)
                    .end()
                    .begin(MessageType.BIND)
                    .cstring("")
                    .cstring("")
                    .int16(0)
                    .int16(1)
                    .int32(name.length)
                    .bytes(name)
                    .int16(0)
                    .end()
                    .begin(MessageType.EXECUTE)
                    .cstring("")
                    .int32(1)
                    .end();
            w.raw(Messages.SYNC);
            w.writeTo(conn.out);
            String passwd = null;
            String error = null;
            while (true) {
                int t = conn.reader.next();
                if (t < 0) throw new IOException("server closed the auth_query connection");
                if (t == MessageType.DATA_ROW) {
                    var body = conn.reader.body();
                    int cols = body.int16();
                    for (int i = 0; i < cols; i++) {
                        int len = body.int32();
                        byte[] v = len < 0 ? null : body.bytes(len);
                        if (i == 1 && v != null) passwd = new String(v, StandardCharsets.UTF_8);
                    }
                } else if (t == MessageType.ERROR_RESPONSE) {
                    error = ErrorResponses.parse(
                                    conn.reader.buffer(), conn.reader.bodyStart(), conn.reader.bodyLength())
                            .toString();
                } else if (t == MessageType.READY_FOR_QUERY) {
                    break;
                }
            }
            if (error != null) {
                Logger.error(
                        "event=auth_query_failed database={} auth_user={} error={}",
                        database,
                        c.proxy().authUser(),
                        error);
                throw new ServerLoginException(
                        "auth_query_failed",
                        SqlState.INVALID_AUTHORIZATION,
                        "auth_query failed; see the pgloom log",
                        null);
            }
            return passwd == null || passwd.isEmpty() ? null : new Secret(passwd);
        } catch (IOException e) {
            throw new ServerLoginException(
                    "auth_query_failed", SqlState.CONNECTION_FAILURE, "auth_query could not run: " + e.getMessage(), e);
        } finally {
            conn.closeSocket();
        }
    }
}
