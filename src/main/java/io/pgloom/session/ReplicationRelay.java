// Replication connections (startup parameter replication: pg_basebackup, a standby, a logical subscriber), session
// mode only: a server connection of their own on the primary, never pooled, relayed byte for byte both ways (CopyBoth
// streams included) until either side closes, then closed with the client.
package io.pgloom.session;

import io.pgloom.pool.PoolKey;
import io.pgloom.pool.ServerConn;
import io.pgloom.pool.ServerLoginException;
import io.pgloom.pool.ServerState;
import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.tinylog.Logger;

final class ReplicationRelay {
    private ReplicationRelay() {}

    /** Bytes read per call in each direction (WAL arrives in CopyData messages of up to about 128 KiB). */
    private static final int BUFFER = 16 * 1024;

    private static final Set<String> FALSE_WORDS = Set.of("false", "0", "off", "no");

    /** Whether the startup parameters ask for a replication connection (as PostgreSQL reads "replication"). */
    static boolean requested(Map<String, String> startupParameters) {
        String v = startupParameters.get("replication");
        return v != null && !FALSE_WORDS.contains(v.toLowerCase());
    }

    /** Refusal for a database whose pool mode cannot give a client a server of its own. */
    static SessionClosed refusedInPoolMode(ClientSession s) {
        s.runtime.metrics.replicationConnections.labels("refused_pool_mode").inc();
        return SessionClosed.fatal(
                "replication_pool_mode",
                SqlState.SERVER_REJECTED_ESTABLISHMENT,
                "replication connections need session pooling: database \"" + s.database + "\" uses pool_mode = \""
                        + s.mode.name().toLowerCase() + "\"; connect through a database with pool_mode = \"session\"",
                "replication refused in " + s.mode.name().toLowerCase() + " mode");
    }

    /** Login: opens the client's own server on the primary with the client's startup parameters. */
    static ServerConn open(ClientSession s, Map<String, String> startupParameters) throws SessionClosed {
        ServerConn server;
        try {
            server = s.runtime.servers.openReplication(new PoolKey(s.database, s.user), startupParameters);
        } catch (ServerLoginException e) {
            throw e.toSessionClosed();
        }
        s.replicationServer = server;
        s.runtime.metrics.replicationClients.inc();
        Logger.info(
                "event=replication_started client={} user={} database={} replication={} server={} host={}:{} "
                        + "backend_pid={}",
                s,
                s.user,
                s.database,
                startupParameters.get("replication"),
                server.id,
                server.host,
                server.port,
                server.backendPid());
        return server;
    }

    /**
     * Relays until either side closes: client to server on this thread, server to client on another. Bytes already
     * read on either side go first.
     */
    static void run(ClientSession s) throws IOException, SessionClosed {
        ServerConn server = s.replicationServer;
        byte[] early = s.reader.drainBuffered();
        s.reader.shrink();
        Thread.ofVirtual()
                .name(Thread.currentThread().getName() + "-replication")
                .start(() -> serverToClient(s, server));
        try {
            if (early.length > 0) server.out.write(early);
            byte[] buf = new byte[BUFFER];
            while (true) {
                int n = s.in.read(buf);
                if (n < 0) throw SessionClosed.quiet("client_close", "replication client closed");
                server.out.write(buf, 0, n);
                s.bytesIn.inc(n);
            }
        } finally {
            server.closeSocket();
        }
    }

    private static void serverToClient(ClientSession s, ServerConn server) {
        String why;
        try {
            byte[] early = server.reader.drainBuffered();
            if (early.length > 0) s.write(early);
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = server.in.read(buf)) >= 0) {
                s.write(buf, 0, n);
                s.bytesOut.inc(n);
            }
            why = "server closed the replication connection";
        } catch (IOException e) {
            why = String.valueOf(e.getMessage());
        }
        // Closed by the client's side (it left): nothing more to do. Else the server went first: end the client.
        if (server.state() == ServerState.CLOSED || s.isClosed()) return;
        Logger.info("event=replication_server_closed client={} server={} detail={}", s, server.id, why);
        s.terminate("server_gone", null, null);
    }

    /** Session end: the server goes with the client, never to a pool. */
    static void close(ClientSession s) {
        ServerConn server = s.replicationServer;
        if (server == null) return;
        server.closeSocket();
        s.runtime.metrics.replicationClients.dec();
    }
}
