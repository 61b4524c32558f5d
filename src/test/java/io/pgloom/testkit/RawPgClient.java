// A minimal wire-protocol client for tests that need what pgjdbc will not do: stop reading a result half way,
// send a query and walk away. Trust login only; messages are read whole as (type, body).
package io.pgloom.testkit;

import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameReader;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.StartupPacket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

public final class RawPgClient implements AutoCloseable {
    private final Socket socket;
    private final FrameReader reader;

    private RawPgClient(Socket socket) throws IOException {
        this.socket = socket;
        this.reader = new FrameReader(socket.getInputStream(), 8192, 64 << 20);
    }

    /**
     * Connects and logs in (the proxy must trust the user), reading up to the first ReadyForQuery. A small
     * {@code receiveBuffer} (bytes, 0 = the OS default) makes a client that stops reading fill up sooner.
     */
    public static RawPgClient login(int port, String user, String database, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) s.setReceiveBufferSize(receiveBuffer);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(20_000);
        RawPgClient c = new RawPgClient(s);
        c.send(StartupPacket.encodeStartup(Map.of("user", user, "database", database)));
        c.readUntilReady();
        return c;
    }

    public void send(byte[] frames) throws IOException {
        socket.getOutputStream().write(frames);
    }

    /** Reads messages up to and including ReadyForQuery; returns its status; fails on an ErrorResponse. */
    public byte readUntilReady() throws IOException {
        while (true) {
            int t = reader.next();
            if (t < 0) throw new IOException("connection closed before ReadyForQuery");
            if (t == MessageType.ERROR_RESPONSE) {
                throw new IOException(
                        "error: " + ErrorResponses.parse(reader.buffer(), reader.bodyStart(), reader.bodyLength()));
            }
            if (t == MessageType.READY_FOR_QUERY) return reader.buffer()[reader.bodyStart()];
        }
    }

    /** Reads and drops everything until the proxy closes the connection; returns the byte count. */
    public long drainToEof() throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = reader.buffered();
        reader.clear();
        int n;
        while ((n = socket.getInputStream().read(buf)) >= 0) total += n;
        return total;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
