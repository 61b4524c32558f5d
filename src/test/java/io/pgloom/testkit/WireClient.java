// A bare protocol-3 client for tests that must choose every message themselves (statement names, pipelines):
// trust login only, frames built with pgloom's FrameWriter, replies read up to ReadyForQuery and summarised as
// short strings ("C DEALLOCATE", "E 26000 ...", "Z I") that can be compared between pgloom and PostgreSQL.
package io.pgloom.testkit;

import io.pgloom.wire.FrameReader;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.StartupPacket;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class WireClient implements AutoCloseable {
    private final Closeable socket;
    private final OutputStream out;
    private final FrameReader in;
    /** The last ParameterStatus value seen for each name. */
    public final Map<String, String> parameters = new LinkedHashMap<>();
    /** The cancel key of the last BackendKeyData (process id, secret), for sending a CancelRequest. */
    public int backendPid;

    public byte[] backendSecret = new byte[0];

    private WireClient(Closeable socket, InputStream in, OutputStream out) {
        this.socket = socket;
        this.out = out;
        this.in = new FrameReader(in, 8192, 1 << 20);
    }

    /** The NegotiateProtocolVersion at login, if one came: the version offered, then the options not recognised. */
    public final List<String> negotiated = new ArrayList<>();

    /** Connects and logs in (the server must not ask for a password); extra startup settings as name/value pairs. */
    public static WireClient connect(int port, String user, String database, String... settings) throws IOException {
        return connect(port, MessageType.PROTOCOL_3_0, user, database, settings);
    }

    /** As above, asking for {@code protocol} (e.g. MessageType.PROTOCOL_3_2, or any 3.x). */
    public static WireClient connect(int port, int protocol, String user, String database, String... settings)
            throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(30_000);
        return login(new WireClient(s, s.getInputStream(), s.getOutputStream()), protocol, user, database, settings);
    }

    /**
     * The same through a Unix-domain socket file (.s.PGSQL.port). Its reads cannot time out: a test that might wait
     * forever sets a deadline of its own.
     */
    public static WireClient connect(Path socketFile, String user, String database, String... settings)
            throws IOException {
        return login(unconnected(socketFile), MessageType.PROTOCOL_3_0, user, database, settings);
    }

    /** Connected through a Unix-domain socket file, nothing sent yet (for startup-packet tests). */
    public static WireClient unconnected(Path socketFile) throws IOException {
        SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socketFile));
        return new WireClient(ch, Channels.newInputStream(ch), Channels.newOutputStream(ch));
    }

    /** The next byte the server sends (an SSLRequest's answer), -1 at the end. */
    public int readByte() throws IOException {
        if (in.limit() == in.position() && in.fill() < 0) return -1;
        int b = in.buffer()[in.position()];
        in.position(in.position() + 1);
        return b;
    }

    private static WireClient login(WireClient c, int protocol, String user, String database, String... settings)
            throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("user", user);
        params.put("database", database);
        for (int i = 0; i < settings.length; i += 2) params.put(settings[i], settings[i + 1]);
        c.out.write(StartupPacket.encodeStartup(protocol, params));
        List<String> login = c.untilReady();
        if (login.stream().anyMatch(m -> m.startsWith("E") || m.startsWith("R") && !m.equals("R 0"))) {
            c.socket.close();
            throw new IOException("login failed: " + login);
        }
        return c;
    }

    public void send(byte[]... frames) throws IOException {
        for (byte[] f : frames) out.write(f);
        out.flush();
    }

    /** Sends the frames and reads the replies up to ReadyForQuery. */
    public List<String> exchange(byte[]... frames) throws IOException {
        send(frames);
        return untilReady();
    }

    /** Replies up to and including the next ReadyForQuery; ParameterStatus and notices are kept aside. */
    public List<String> untilReady() throws IOException {
        return until(MessageType.READY_FOR_QUERY);
    }

    /** Replies up to and including the next message of this type (or a ReadyForQuery, which always ends it). */
    public List<String> until(byte last) throws IOException {
        List<String> got = new ArrayList<>();
        while (true) {
            int t = in.next();
            if (t < 0) throw new IOException("connection closed after " + got);
            byte[] body = in.copyBody();
            switch (t) {
                case MessageType.PARAMETER_STATUS -> {
                    String[] kv = cstrings(body);
                    parameters.put(kv[0], kv[1]);
                }
                case MessageType.NOTICE_RESPONSE -> {}
                case MessageType.BACKEND_KEY_DATA -> {
                    backendPid = FrameWriter.getInt(body, 0);
                    backendSecret = Arrays.copyOfRange(body, 4, body.length);
                }
                case MessageType.NEGOTIATE_PROTOCOL_VERSION -> {
                    int v = FrameWriter.getInt(body, 0);
                    negotiated.add((v >>> 16) + "." + (v & 0xffff));
                    String[] names = cstrings(Arrays.copyOfRange(body, 8, body.length));
                    for (int i = 0; i < FrameWriter.getInt(body, 4); i++) negotiated.add(names[i]);
                }
                case MessageType.AUTHENTICATION -> got.add("R " + FrameWriter.getInt(body, 0));
                case MessageType.COMMAND_COMPLETE -> got.add("C " + cstrings(body)[0]);
                case MessageType.ERROR_RESPONSE -> got.add("E " + field(body, 'C') + " " + field(body, 'M'));
                case MessageType.DATA_ROW -> got.add("D " + firstColumn(body));
                case MessageType.READY_FOR_QUERY -> {
                    got.add("Z " + (char) body[0]);
                    return got;
                }
                default -> got.add(String.valueOf((char) t));
            }
            if (t == last) return got;
        }
    }

    private static String[] cstrings(byte[] body) {
        return new String(body, StandardCharsets.UTF_8).split("\0", -1);
    }

    private static String field(byte[] body, char code) {
        int p = 0;
        while (p < body.length && body[p] != 0) {
            int end = p + 1;
            while (body[end] != 0) end++;
            if (body[p] == code) return new String(body, p + 1, end - p - 1, StandardCharsets.UTF_8);
            p = end + 1;
        }
        return "";
    }

    private static String firstColumn(byte[] body) {
        int len = FrameWriter.getInt(body, 2);
        return len < 0 ? "null" : new String(body, 6, len, StandardCharsets.UTF_8);
    }

    public static byte[] query(String sql) {
        return new FrameWriter(sql.length() + 8)
                .begin(MessageType.QUERY)
                .cstring(sql)
                .end()
                .toByteArray();
    }

    public static byte[] parse(String name, String sql) {
        return new FrameWriter(64)
                .begin(MessageType.PARSE)
                .cstring(name)
                .cstring(sql)
                .int16(0)
                .end()
                .toByteArray();
    }

    /** Bind with text parameters (none when values is empty) and text results. */
    public static byte[] bind(String portal, String statement, String... values) {
        FrameWriter w = new FrameWriter(64)
                .begin(MessageType.BIND)
                .cstring(portal)
                .cstring(statement)
                .int16(0)
                .int16(values.length);
        for (String v : values) {
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            w.int32(b.length).bytes(b);
        }
        return w.int16(0).end().toByteArray();
    }

    public static byte[] describePortal(String portal) {
        return new FrameWriter(16)
                .begin(MessageType.DESCRIBE)
                .int8(MessageType.TARGET_PORTAL)
                .cstring(portal)
                .end()
                .toByteArray();
    }

    public static byte[] execute(String portal) {
        return new FrameWriter(16)
                .begin(MessageType.EXECUTE)
                .cstring(portal)
                .int32(0)
                .end()
                .toByteArray();
    }

    public static byte[] closeStatement(String name) {
        return new FrameWriter(16)
                .begin(MessageType.CLOSE)
                .int8(MessageType.TARGET_STATEMENT)
                .cstring(name)
                .end()
                .toByteArray();
    }

    public static byte[] flush() {
        return new FrameWriter(8).begin(MessageType.FLUSH).end().toByteArray();
    }

    public static byte[] sync() {
        return new FrameWriter(5).begin(MessageType.SYNC).end().toByteArray();
    }

    @Override
    public void close() throws IOException {
        try {
            out.write(new FrameWriter(5).begin(MessageType.TERMINATE).end().toByteArray());
        } catch (IOException gone) {
            // closing anyway
        }
        socket.close();
    }
}
