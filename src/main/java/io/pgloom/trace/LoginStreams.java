// The client's streams during login, as the tap sees them: bytes pass through unchanged and are cut into
// messages on the side (the untyped startup packets, SSL answers, authentication, the welcome). After the
// login the wrappers only pass bytes through. TLS bytes never reach them: after a handshake the session wraps
// the TLS streams afresh, so the trace shows the decrypted protocol.
package io.pgloom.trace;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.ProtocolException;
import io.pgloom.wire.StartupPacket;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;

final class LoginStreams {
    private final WireTap tap;
    private volatile boolean active = true;
    /** SSLRequest / GSSENCRequest packets not yet answered (their answer is one untyped byte). */
    private volatile int answersOwed;

    LoginStreams(WireTap tap) {
        this.tap = tap;
    }

    void stop() {
        active = false;
    }

    InputStream in(InputStream raw) {
        Splitter s = new Splitter(true);
        return new FilterInputStream(raw) {
            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b >= 0 && active) s.feed(new byte[] {(byte) b}, 0, 1);
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0 && active) s.feed(b, off, n);
                return n;
            }
        };
    }

    OutputStream out(OutputStream raw) {
        Splitter s = new Splitter(false);
        answersOwed = 0;
        return new FilterOutputStream(raw) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                if (active) s.feed(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                if (active && len > 0) s.feed(b, off, len);
            }
        };
    }

    /** Cuts one direction's bytes into packets and messages. */
    private final class Splitter {
        private final boolean fromClient;
        /** Client side: the next packet has no type byte (startup, SSL, GSSENC, cancel). */
        private boolean untyped;

        private boolean off;
        private byte[] buf = new byte[64];
        private int have;
        private long total;

        Splitter(boolean fromClient) {
            this.fromClient = fromClient;
            this.untyped = fromClient;
        }

        void feed(byte[] b, int o, int n) {
            try {
                split(b, o, n);
            } catch (RuntimeException e) {
                off = true; // a stream we cannot follow: stop tracing it rather than guess
            }
        }

        private void split(byte[] b, int o, int n) {
            while (n > 0 && !off) {
                if (!fromClient && have == 0 && answersOwed > 0) {
                    answersOwed--;
                    byte answer = b[o];
                    tap.login(TraceEvent.Kind.ANSWER, false, new byte[] {answer}, 1);
                    if (answer == MessageType.TLS_ACCEPT) off = true; // TLS follows; the TLS streams get new wrappers
                    o++;
                    n--;
                    continue;
                }
                if (fromClient && untyped && have == 0 && (b[o] & 0xff) == MessageType.TLS_HANDSHAKE_RECORD) {
                    off = true; // direct TLS: the session wraps the TLS streams after the handshake
                    return;
                }
                int header = untyped ? 4 : MessageType.HEADER_LENGTH;
                if (have < header) {
                    int take = Math.min(header - have, n);
                    System.arraycopy(b, o, buf, have, take);
                    have += take;
                    o += take;
                    n -= take;
                    if (have < header) return;
                    int len = FrameWriter.getInt(buf, untyped ? 0 : 1);
                    if (len < 4 || untyped && len > StartupPacket.MAX_LENGTH) {
                        off = true;
                        return;
                    }
                    total = untyped ? len : 1L + len;
                }
                int take = (int) Math.min(total - have, n);
                int keep = (int) Math.min(Math.min(total, WireTap.MAX_COPY), have + take);
                if (keep > have) {
                    if (buf.length < keep) buf = Arrays.copyOf(buf, Math.max(keep, buf.length * 2));
                    System.arraycopy(b, o, buf, have, keep - have);
                }
                have += take;
                o += take;
                n -= take;
                if (have == total) {
                    complete(Arrays.copyOf(buf, (int) Math.min(total, WireTap.MAX_COPY)));
                    have = 0;
                }
            }
        }

        private void complete(byte[] bytes) {
            if (!untyped) {
                tap.loginMessage(fromClient, bytes, FrameWriter.getInt(bytes, 1));
                return;
            }
            int code = bytes.length >= 8 ? FrameWriter.getInt(bytes, 4) : 0;
            tap.login(TraceEvent.Kind.PACKET, true, bytes, bytes.length);
            switch (code) {
                case MessageType.SSL_REQUEST, MessageType.GSSENC_REQUEST -> answersOwed++;
                case MessageType.CANCEL_REQUEST -> {
                    tap.identify("", "");
                    off = true;
                }
                default -> {
                    untyped = false;
                    Map<String, String> params = Map.of();
                    try {
                        params = StartupPacket.parse(Arrays.copyOfRange(bytes, 4, bytes.length))
                                .parameters();
                    } catch (ProtocolException e) {
                        off = true; // pgloom refuses it; the refusal is still traced on the way out
                    }
                    String user = params.getOrDefault("user", "");
                    tap.identify(user, params.getOrDefault("database", user));
                }
            }
        }
    }
}
