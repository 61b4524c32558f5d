// An in-process stand-in for PostgreSQL for the pump benchmarks: trust login, then every Query and every
// Parse/Bind/Describe/Execute/Sync answered from memory with the same one-row result. One platform thread per
// connection on blocking sockets, and no allocation per message, so what the benchmarks add on top is the proxy.
package io.pgloom.bench;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

final class FakeBackend implements AutoCloseable {
    /** AuthenticationOk, the ParameterStatus set a client expects, BackendKeyData, ReadyForQuery. */
    private static final byte[] WELCOME;
    /** The result of every query: a one-column RowDescription, DataRow "1", CommandComplete "SELECT 1". */
    private static final byte[] ROW_DESCRIPTION;

    private static final byte[] ROW_AND_COMPLETE;
    private static final byte[] SIMPLE_REPLY;
    private static final byte[] PARAMETERS_NONE;
    private static final byte[] PARSE_COMPLETE = empty(MessageType.PARSE_COMPLETE);
    private static final byte[] BIND_COMPLETE = empty(MessageType.BIND_COMPLETE);
    private static final byte[] CLOSE_COMPLETE = empty(MessageType.CLOSE_COMPLETE);
    private static final int INT4_OID = 23;

    static {
        FrameWriter w = new FrameWriter(512).raw(Messages.AUTH_OK);
        String[][] params = {
            {"server_version", "17.0"},
            {"server_encoding", "UTF8"},
            {"client_encoding", "UTF8"},
            {"DateStyle", "ISO, MDY"},
            {"TimeZone", "UTC"},
            {"IntervalStyle", "postgres"},
            {"integer_datetimes", "on"},
            {"standard_conforming_strings", "on"},
            {"application_name", ""},
            {"is_superuser", "off"},
            {"session_authorization", "bench"}
        };
        for (String[] p : params) w.raw(Messages.parameterStatus(p[0], p[1]));
        WELCOME = w.raw(Messages.backendKeyData(4242, 4343))
                .raw(Messages.READY_IDLE)
                .toByteArray();
        ROW_DESCRIPTION = new FrameWriter(64)
                .begin(MessageType.ROW_DESCRIPTION)
                .int16(1)
                .cstring("?column?")
                .int32(0)
                .int16(0)
                .int32(INT4_OID)
                .int16(4)
                .int32(-1)
                .int16(0)
                .end()
                .toByteArray();
        ROW_AND_COMPLETE = new FrameWriter(64)
                .begin(MessageType.DATA_ROW)
                .int16(1)
                .int32(1)
                .bytes(new byte[] {'1'})
                .end()
                .begin(MessageType.COMMAND_COMPLETE)
                .cstring("SELECT 1")
                .end()
                .toByteArray();
        SIMPLE_REPLY = new FrameWriter(128)
                .raw(ROW_DESCRIPTION)
                .raw(ROW_AND_COMPLETE)
                .raw(Messages.READY_IDLE)
                .toByteArray();
        PARAMETERS_NONE = new FrameWriter(8)
                .begin(MessageType.PARAMETER_DESCRIPTION)
                .int16(0)
                .end()
                .toByteArray();
    }

    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();

    FakeBackend() throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress("127.0.0.1", 0), 512);
        Thread.ofPlatform().daemon().name("fake-pg-accept").start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far (a benchmark can check the pool really shares servers). */
    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket s = listener.accept();
                s.setTcpNoDelay(true);
                open.add(s);
                Thread.ofPlatform()
                        .daemon()
                        .name("fake-pg-" + connections.incrementAndGet())
                        .start(() -> serve(s));
            }
        } catch (IOException closed) {
            // listener closed: the benchmark is over
        }
    }

    private void serve(Socket s) {
        try (s) {
            new Connection(s.getInputStream(), s.getOutputStream()).run();
        } catch (IOException gone) {
            // the proxy or client hung up: nothing to clean beyond the socket
        } finally {
            open.remove(s);
        }
    }

    /** One backend: the startup exchange, then messages walked in place in one buffer, replies batched to Sync. */
    private static final class Connection {
        private final InputStream in;
        private final OutputStream out;
        private byte[] buf = new byte[16 * 1024];
        private int pos;
        private int limit;
        private final byte[] reply = new byte[16 * 1024];
        private int replyLength;

        Connection(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        void run() throws IOException {
            if (!startup()) return;
            while (true) {
                if (!require(MessageType.HEADER_LENGTH)) return;
                byte type = buf[pos];
                int frame = 1 + FrameWriter.getInt(buf, pos + 1);
                if (!require(frame)) return;
                switch (type) {
                    case MessageType.QUERY -> send(SIMPLE_REPLY, true);
                    case MessageType.PARSE -> send(PARSE_COMPLETE, false);
                    case MessageType.BIND -> send(BIND_COMPLETE, false);
                    case MessageType.DESCRIBE -> {
                        if (buf[pos + MessageType.HEADER_LENGTH] == MessageType.TARGET_STATEMENT)
                            send(PARAMETERS_NONE, false);
                        send(ROW_DESCRIPTION, false);
                    }
                    case MessageType.EXECUTE -> send(ROW_AND_COMPLETE, false);
                    case MessageType.CLOSE -> send(CLOSE_COMPLETE, false);
                    case MessageType.SYNC -> send(Messages.READY_IDLE, true);
                    case MessageType.FLUSH -> flush();
                    case MessageType.TERMINATE -> {
                        return;
                    }
                    default -> throw new IOException("fake backend got message " + MessageType.printable(type));
                }
                pos += frame;
            }
        }

        /** Answers SSLRequest/GSSENCRequest with 'N', drops CancelRequest, welcomes a StartupMessage. */
        private boolean startup() throws IOException {
            while (true) {
                if (!require(8)) return false;
                int length = FrameWriter.getInt(buf, pos);
                int code = FrameWriter.getInt(buf, pos + 4);
                if (!require(length)) return false;
                pos += length;
                if (code == MessageType.SSL_REQUEST || code == MessageType.GSSENC_REQUEST) {
                    out.write(MessageType.TLS_REFUSE);
                } else if (code == MessageType.CANCEL_REQUEST) {
                    return false;
                } else {
                    out.write(WELCOME);
                    return true;
                }
            }
        }

        private void send(byte[] message, boolean flush) throws IOException {
            if (replyLength + message.length > reply.length) flush();
            System.arraycopy(message, 0, reply, replyLength, message.length);
            replyLength += message.length;
            if (flush) flush();
        }

        private void flush() throws IOException {
            if (replyLength > 0) out.write(reply, 0, replyLength);
            replyLength = 0;
        }

        /** Makes n bytes from pos available in buf; false at end of stream. */
        private boolean require(int n) throws IOException {
            if (limit - pos >= n) return true;
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
            if (n > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(n, buf.length * 2));
            while (limit < n) {
                int r = in.read(buf, limit, buf.length - limit);
                if (r < 0) return false;
                limit += r;
            }
            return true;
        }
    }

    private static byte[] empty(byte type) {
        return new FrameWriter(5).begin(type).end().toByteArray();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) s.close();
    }
}
