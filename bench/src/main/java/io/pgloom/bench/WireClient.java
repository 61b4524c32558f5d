// A minimal PostgreSQL client for the pump benchmarks: trust login, then pre-encoded simple, extended (unnamed
// statement, as libpq's PQexecParams) and prepared (named statement, as PQexecPrepared) round trips, read back
// into one buffer without allocating, so the client's own cost stays small and the same for every target.
package io.pgloom.bench;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

final class WireClient implements AutoCloseable {
    static final String SQL = "SELECT 1";
    private static final String STATEMENT = "bench_select";
    private static final byte[] SIMPLE = Messages.query(SQL);
    private static final byte[] EXTENDED =
            new FrameWriter(128).raw(parse("")).raw(bindDescribeExecuteSync("")).toByteArray();
    private static final byte[] PREPARE =
            new FrameWriter(64).raw(parse(STATEMENT)).raw(Messages.SYNC).toByteArray();
    private static final byte[] PREPARED = bindDescribeExecuteSync(STATEMENT);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;
    private boolean prepared;

    private WireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects and logs in (the server must answer with AuthenticationOk: trust). */
    static WireClient connect(int port, String user, String database) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setTcpNoDelay(true);
        WireClient c = new WireClient(s);
        try {
            c.out.write(StartupPacket.encodeStartup(Map.of("user", user, "database", database)));
            c.readUntilReady();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return c;
    }

    /** Query "SELECT 1", read to ReadyForQuery; returns the DataRows seen. */
    int simpleQuery() throws IOException {
        out.write(SIMPLE);
        return readUntilReady();
    }

    /** Parse (unnamed), Bind, Describe portal, Execute, Sync in one write; returns the DataRows seen. */
    int extendedQuery() throws IOException {
        out.write(EXTENDED);
        return readUntilReady();
    }

    /** Bind, Describe portal, Execute, Sync of a named statement parsed once per connection. */
    int preparedQuery() throws IOException {
        if (!prepared) {
            out.write(PREPARE);
            readUntilReady();
            prepared = true;
        }
        out.write(PREPARED);
        return readUntilReady();
    }

    /** Walks replies up to ReadyForQuery; an ErrorResponse or an authentication request other than Ok fails. */
    private int readUntilReady() throws IOException {
        int rows = 0;
        while (true) {
            require(MessageType.HEADER_LENGTH);
            byte type = buf[pos];
            int frame = 1 + FrameWriter.getInt(buf, pos + 1);
            if (frame > buf.length)
                throw new IOException("reply of " + frame + " bytes is larger than the bench client reads");
            require(frame);
            switch (type) {
                case MessageType.DATA_ROW -> rows++;
                case MessageType.ERROR_RESPONSE ->
                    throw new IOException("server error: "
                            + new String(
                                            buf,
                                            pos + MessageType.HEADER_LENGTH,
                                            frame - MessageType.HEADER_LENGTH,
                                            StandardCharsets.UTF_8)
                                    .replace('\0', ' ')
                                    .trim());
                case MessageType.AUTHENTICATION -> {
                    int code = FrameWriter.getInt(buf, pos + MessageType.HEADER_LENGTH);
                    if (code != MessageType.AUTH_OK)
                        throw new IOException("bench client speaks trust only, server asked for auth " + code);
                }
                default -> {}
            }
            pos += frame;
            if (type == MessageType.READY_FOR_QUERY) return rows;
        }
    }

    private void require(int n) throws IOException {
        if (limit - pos >= n) return;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit < n) {
            int r = in.read(buf, limit, buf.length - limit);
            if (r < 0) throw new IOException("server closed the connection");
            limit += r;
        }
    }

    private static byte[] parse(String statement) {
        return new FrameWriter(64)
                .begin(MessageType.PARSE)
                .cstring(statement)
                .cstring(SQL)
                .int16(0)
                .end()
                .toByteArray();
    }

    private static byte[] bindDescribeExecuteSync(String statement) {
        return new FrameWriter(64)
                .begin(MessageType.BIND)
                .cstring("")
                .cstring(statement)
                .int16(0)
                .int16(0)
                .int16(0)
                .end()
                .begin(MessageType.DESCRIBE)
                .int8(MessageType.TARGET_PORTAL)
                .cstring("")
                .end()
                .begin(MessageType.EXECUTE)
                .cstring("")
                .int32(0)
                .end()
                .raw(Messages.SYNC)
                .toByteArray();
    }

    @Override
    public void close() throws IOException {
        try {
            out.write(Messages.TERMINATE);
        } catch (IOException ignored) {
            // closing anyway
        }
        socket.close();
    }
}
