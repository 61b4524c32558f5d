// Opens and authenticates one server connection: TCP connect with a deadline, StartupMessage, then whichever
// authentication PostgreSQL asks for (trust, cleartext, MD5, SCRAM-SHA-256), until the first ReadyForQuery.
package io.pgloom.pool;

import io.pgloom.auth.AuthFailure;
import io.pgloom.auth.Md5;
import io.pgloom.auth.ScramClient;
import io.pgloom.wire.BodyCursor;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SqlState;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public final class ServerLogin {
    /** Server-to-client buffer per server connection: big enough for many DataRows per read. */
    static final int BUFFER_SIZE = 32 * 1024;

    private static final String SCRAM = "SCRAM-SHA-256";

    private ServerLogin() {}

    public static ServerConn open(
            PoolKey pool,
            String host,
            int port,
            ServerCredentials creds,
            Map<String, String> startupParameters,
            Duration connectTimeout,
            io.pgloom.util.TcpKeepalive keepalive,
            int maxMessage,
            long nowNanos)
            throws ServerLoginException {
        return open(pool, host, port, creds, startupParameters, connectTimeout, keepalive, maxMessage, nowNanos, null);
    }

    /** As above, over TLS when {@code tls} is given ([server_tls]). */
    public static ServerConn open(
            PoolKey pool,
            String host,
            int port,
            ServerCredentials creds,
            Map<String, String> startupParameters,
            Duration connectTimeout,
            io.pgloom.util.TcpKeepalive keepalive,
            int maxMessage,
            long nowNanos,
            io.pgloom.tls.BackendTls tls)
            throws ServerLoginException {
        return open(
                pool, host, null, port, creds, startupParameters, connectTimeout, keepalive, maxMessage, nowNanos, tls);
    }

    /**
     * As above, connecting to {@code address} when given (resolved off the hot path by the backend layer); the host
     * name still names the server in errors and in TLS host name checks. Asks for protocol 3.2 (PostgreSQL 18: long
     * cancel keys); a server answering NegotiateProtocolVersion is spoken to in the version it names (3.0 from
     * PostgreSQL 17 and older), and one refusing the version outright is asked again for 3.0 on a new connection.
     */
    public static ServerConn open(
            PoolKey pool,
            String host,
            java.net.InetAddress address,
            int port,
            ServerCredentials creds,
            Map<String, String> startupParameters,
            Duration connectTimeout,
            io.pgloom.util.TcpKeepalive keepalive,
            int maxMessage,
            long nowNanos,
            io.pgloom.tls.BackendTls tls)
            throws ServerLoginException {
        for (int protocol : new int[] {MessageType.PROTOCOL_3_2, MessageType.PROTOCOL_3_0}) {
            try {
                return open(
                        pool,
                        host,
                        address,
                        port,
                        creds,
                        startupParameters,
                        connectTimeout,
                        keepalive,
                        maxMessage,
                        nowNanos,
                        tls,
                        protocol);
            } catch (ServerLoginException e) {
                if (protocol == MessageType.PROTOCOL_3_0 || !refusesVersion(e)) throw e;
            }
        }
        throw new IllegalStateException("unreachable: the 3.0 login returns or throws");
    }

    /** A refusal of the protocol version itself (servers without NegotiateProtocolVersion, some middleware). */
    private static boolean refusesVersion(ServerLoginException e) {
        String m = e.getMessage();
        return e.relayed() && m != null && m.contains("unsupported frontend protocol");
    }

    private static ServerConn open(
            PoolKey pool,
            String host,
            java.net.InetAddress address,
            int port,
            ServerCredentials creds,
            Map<String, String> startupParameters,
            Duration connectTimeout,
            io.pgloom.util.TcpKeepalive keepalive,
            int maxMessage,
            long nowNanos,
            io.pgloom.tls.BackendTls tls,
            int protocol)
            throws ServerLoginException {
        Socket socket = new Socket();
        try {
            int timeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            socket.setTcpNoDelay(true);
            keepalive.applyTo(socket);
            try {
                socket.connect(
                        address != null ? new InetSocketAddress(address, port) : new InetSocketAddress(host, port),
                        timeoutMs);
            } catch (SocketTimeoutException e) {
                throw new ServerLoginException(
                        "server_connect_timeout",
                        SqlState.CONNECTION_FAILURE,
                        "server connection to " + host + ":" + port + " timed out",
                        e);
            } catch (IOException e) {
                throw new ServerLoginException(
                        "server_unreachable",
                        SqlState.CONNECTION_FAILURE,
                        "could not connect to server " + host + ":" + port + ": " + e.getMessage(),
                        e);
            }
            // The whole login must finish within the connect timeout too: a server that accepts and stalls is down.
            socket.setSoTimeout(timeoutMs);
            if (tls != null) socket = negotiateTls(socket, host, port, tls);
            ServerConn conn = new ServerConn(pool, host, port, socket, BUFFER_SIZE, maxMessage, nowNanos);
            conn.protocolMinor(protocol & 0xffff);
            conn.out.write(StartupPacket.encodeStartup(protocol, startupParameters));
            try {
                authenticate(conn, creds);
            } catch (AuthFailure e) {
                throw new ServerLoginException(
                        "server_login_failed",
                        SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH,
                        "SCRAM authentication with server " + host + ":" + port + " failed: " + e.getMessage(),
                        null);
            }
            conn.setReadTimeout(
                    0); // through the connection, which remembers it (setReadTimeout skips unchanged values)
            return conn;
        } catch (ServerLoginException e) {
            closeQuietly(socket);
            throw e;
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new ServerLoginException(
                    "server_connect_timeout",
                    SqlState.CONNECTION_FAILURE,
                    "server login to " + host + ":" + port + " timed out",
                    e);
        } catch (ConnectException e) {
            closeQuietly(socket);
            throw new ServerLoginException(
                    "server_unreachable",
                    SqlState.CONNECTION_FAILURE,
                    "could not connect to server " + host + ":" + port,
                    e);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new ServerLoginException(
                    "server_login_failed",
                    SqlState.CONNECTION_FAILURE,
                    "server login to " + host + ":" + port + " failed: " + e.getMessage(),
                    e);
        }
    }

    /** SSLRequest; 'S' -> TLS handshake; 'N' -> plaintext only when [server_tls] mode is prefer. */
    private static Socket negotiateTls(Socket socket, String host, int port, io.pgloom.tls.BackendTls tls)
            throws IOException {
        socket.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
        int answer = socket.getInputStream().read();
        if (answer == MessageType.TLS_ACCEPT) {
            try {
                return tls.connect(socket, host, port);
            } catch (IOException e) {
                throw new ServerLoginException(
                        "server_tls_failed",
                        SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH,
                        "TLS with server " + host + ":" + port + " failed: " + e.getMessage(),
                        e);
            }
        }
        if (answer == MessageType.TLS_REFUSE && !tls.required()) return socket;
        throw new ServerLoginException(
                "server_tls_failed",
                SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH,
                "server " + host + ":" + port + " does not offer TLS and [server_tls] requires it",
                null);
    }

    static void authenticate(ServerConn conn, ServerCredentials creds) throws IOException, AuthFailure {
        ScramClient scram = null;
        while (true) {
            int type = conn.reader.next();
            if (type < 0) throw new IOException("server closed the connection during login");
            BodyCursor body = conn.reader.body();
            switch (type) {
                case MessageType.AUTHENTICATION -> {
                    int code = body.int32();
                    switch (code) {
                        case MessageType.AUTH_OK -> {}
                        case MessageType.AUTH_CLEARTEXT -> {
                            if (creds.password() == null) throw noPassword(creds, "a cleartext password");
                            conn.out.write(Messages.password(creds.password()));
                        }
                        case MessageType.AUTH_MD5 -> {
                            byte[] salt = body.bytes(4);
                            String hash = creds.md5Hash() != null
                                    ? creds.md5Hash()
                                    : creds.password() != null
                                            ? Md5.passwordHash(creds.password(), creds.user())
                                            : null;
                            if (hash == null) throw noPassword(creds, "an MD5 password");
                            conn.out.write(Messages.password(Md5.saltedResponse(hash, salt)));
                        }
                        case MessageType.AUTH_SASL -> {
                            List<String> mechanisms = new ArrayList<>();
                            while (!body.peekEmptyCString()) mechanisms.add(body.cstring());
                            if (!mechanisms.contains(SCRAM)) {
                                throw new ServerLoginException(
                                        "server_auth_unsupported",
                                        SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH,
                                        "server offers no supported SASL mechanism " + mechanisms,
                                        null);
                            }
                            if (creds.password() != null) {
                                scram = new ScramClient(creds.password());
                            } else if (creds.scramClientKey() != null && creds.verifier() != null) {
                                scram = ScramClient.withClientKey(
                                        creds.scramClientKey(), creds.verifier()); // pass-through
                            } else {
                                throw noPassword(creds, "a SCRAM password");
                            }
                            conn.out.write(Messages.saslInitialResponse(SCRAM, scram.clientFirst()));
                        }
                        case MessageType.AUTH_SASL_CONTINUE -> {
                            if (scram == null) throw new IOException("SASL continue without SASL start");
                            conn.out.write(Messages.saslResponse(scram.clientFinal(body.rest())));
                        }
                        case MessageType.AUTH_SASL_FINAL -> {
                            if (scram == null) throw new IOException("SASL final without SASL start");
                            scram.verifyServerFinal(body.rest());
                        }
                        default ->
                            throw new ServerLoginException(
                                    "server_auth_unsupported",
                                    SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH,
                                    "server asks for unsupported authentication method " + code,
                                    null);
                    }
                }
                case MessageType.PARAMETER_STATUS -> {
                    String name = body.cstring();
                    conn.reported(name, body.cstring());
                }
                case MessageType.BACKEND_KEY_DATA -> {
                    int pid = body.int32();
                    conn.backendKey(pid, body.rest());
                }
                case MessageType.ERROR_RESPONSE -> {
                    ErrorResponses.Fields f = ErrorResponses.parse(
                            conn.reader.buffer(), conn.reader.bodyStart(), conn.reader.bodyLength());
                    throw ServerLoginException.refused(
                            conn.host + ":" + conn.port, creds.user(), f.sqlState(), f.message());
                }
                case MessageType.NEGOTIATE_PROTOCOL_VERSION -> {
                    // The server speaks an older minor version than asked (PostgreSQL 17 and older: 3.0).
                    int version = body.int32();
                    if (version >>> 16 != 3 || (version & 0xffff) > conn.protocolMinor())
                        throw new IOException("server offered protocol " + (version >>> 16) + "." + (version & 0xffff)
                                + " after 3." + conn.protocolMinor() + " was asked for");
                    conn.protocolMinor(version & 0xffff);
                }
                case MessageType.READY_FOR_QUERY -> {
                    conn.loginComplete();
                    return;
                }
                default -> {} // NoticeResponse: nothing to do at login
            }
        }
    }

    private static ServerLoginException noPassword(ServerCredentials creds, String what) {
        return new ServerLoginException(
                "server_auth_unsupported",
                SqlState.INVALID_PASSWORD,
                "server asks for " + what + " for user \"" + creds.user() + "\" and pgloom has none usable",
                null);
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    /** Sends a CancelRequest for the given backend over a fresh connection, as PostgreSQL requires. */
    public static void sendCancel(String host, int port, int pid, byte[] secret, Duration timeout) throws IOException {
        try (Socket s = new Socket()) {
            int ms = (int) Math.max(1, timeout.toMillis());
            s.connect(new InetSocketAddress(host, port), ms);
            s.setSoTimeout(ms);
            s.getOutputStream().write(StartupPacket.encodeCancel(pid, secret));
            s.getOutputStream().flush();
            // PostgreSQL closes without replying; wait for that so the cancel is surely delivered.
            s.getInputStream().read();
        }
    }
}
