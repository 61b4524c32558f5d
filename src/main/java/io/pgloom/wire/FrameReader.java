// Reads whole typed messages from a stream into one reusable buffer, checking every length against a cap
// before the buffer grows (a 2 GiB length from a stranger is an attack, not a message). An elastic reader (client
// side) waits on a small buffer of its own and borrows a full-size one from a BufferPool only while it needs it.
package io.pgloom.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

public final class FrameReader {
    private final InputStream in;
    private final int maxMessage;
    private final int initialCapacity;
    /** Elastic readers: the small buffer read into while idle, and where full-size buffers come from (else null). */
    private final byte[] small;

    private final BufferPool pool;
    private byte[] buf;
    private int pos;
    private int limit;
    private int type = -1;
    private int bodyStart;
    private int bodyLength;

    /**
     * @param maxMessage largest body+length (the int32 length field) accepted for a message read whole
     */
    public FrameReader(InputStream in, int initialCapacity, int maxMessage) {
        this.in = in;
        this.initialCapacity = initialCapacity;
        this.buf = new byte[initialCapacity];
        this.maxMessage = maxMessage;
        this.small = null;
        this.pool = null;
    }

    /**
     * An elastic reader: it holds only {@code smallCapacity} bytes of its own and borrows a buffer of the pool's
     * size when a read needs more room, giving it back as soon as everything read was consumed. Callers see the
     * pool's buffer size as {@link #capacity()}: whether the small buffer is in use is invisible to them.
     */
    public FrameReader(InputStream in, int smallCapacity, BufferPool pool, int maxMessage) {
        this.in = in;
        this.initialCapacity = pool.bufferSize();
        this.small = new byte[smallCapacity];
        this.buf = small;
        this.pool = pool;
        this.maxMessage = maxMessage;
    }

    /** Elastic readers: moves what is buffered into a full-size buffer (borrowed, or grown to n bytes). */
    private void enlarge(int n) {
        byte[] bigger = n <= initialCapacity ? pool.borrow() : new byte[n];
        System.arraycopy(buf, pos, bigger, 0, limit - pos);
        limit -= pos;
        pos = 0;
        buf = bigger;
    }

    /** Elastic readers with nothing buffered: back to the small buffer; a borrowed one returns to the pool. */
    private void releaseIfEmpty() {
        if (pool == null || buf == small || pos != limit) return;
        pool.giveBack(buf);
        buf = small;
        pos = limit = 0;
    }

    /**
     * Reads the next message whole. Returns its type byte (0..255), or -1 when the stream ends cleanly
     * between messages. The body is then at {@link #buffer()}[{@link #bodyStart()} .. +{@link #bodyLength()}).
     */
    public int next() throws IOException {
        if (!ensure(MessageType.HEADER_LENGTH, true)) return -1;
        int t = buf[pos] & 0xff;
        int len = FrameWriter.getInt(buf, pos + 1);
        checkLength(t, len, maxMessage);
        ensure(1 + len, false);
        type = t;
        bodyStart = pos + MessageType.HEADER_LENGTH;
        bodyLength = len - 4;
        pos += 1 + len;
        return t;
    }

    /** Validates a message length field: at least 4 (itself), at most the cap. */
    public static void checkLength(int type, int len, int max) throws ProtocolException {
        if (len < 4) {
            throw new ProtocolException(
                    "invalid message length " + len + " for message type " + MessageType.printable(type));
        }
        if (len > max) {
            throw new ProtocolException("message of type " + MessageType.printable(type) + " is " + len
                    + " bytes, more than the limit of " + max);
        }
    }

    /** Makes sure n bytes are buffered from pos; returns false on EOF before the first byte when allowed. */
    private boolean ensure(int n, boolean eofOk) throws IOException {
        if (limit - pos >= n) return true;
        if (buf.length - pos < n) {
            if (pool != null && n > buf.length) {
                enlarge(Math.max(n, initialCapacity));
            } else if (n > buf.length) {
                byte[] bigger = new byte[Math.max(n, Math.min(buf.length * 2, maxMessage + 1))];
                System.arraycopy(buf, pos, bigger, 0, limit - pos);
                buf = bigger;
            } else {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
            }
            limit -= pos;
            pos = 0;
        }
        while (limit - pos < n) {
            int r = in.read(buf, limit, buf.length - limit);
            if (r < 0) {
                if (eofOk && limit == pos) return false;
                throw new EOFException("connection closed in the middle of a message");
            }
            limit += r;
        }
        return true;
    }

    /** Drops a buffer grown for one big message, so an idle connection does not keep it. */
    public void shrink() {
        if (pool != null) {
            releaseIfEmpty();
            return;
        }
        if (buf.length > initialCapacity && limit - pos <= initialCapacity) {
            byte[] small = new byte[initialCapacity];
            System.arraycopy(buf, pos, small, 0, limit - pos);
            limit -= pos;
            pos = 0;
            buf = small;
        }
    }

    public int type() {
        return type;
    }

    public byte[] buffer() {
        return buf;
    }

    public int bodyStart() {
        return bodyStart;
    }

    public int bodyLength() {
        return bodyLength;
    }

    /** A copy of the whole last message (header included), for forwarding it later. */
    public byte[] copyFrame() {
        return Arrays.copyOfRange(buf, bodyStart - MessageType.HEADER_LENGTH, bodyStart + bodyLength);
    }

    public byte[] copyBody() {
        return Arrays.copyOfRange(buf, bodyStart, bodyStart + bodyLength);
    }

    /** A cursor over the last message's body. */
    public BodyCursor body() {
        return new BodyCursor(buf, bodyStart, bodyLength);
    }

    /** Bytes read from the stream but not yet returned as messages (pipelined input). */
    public int buffered() {
        return limit - pos;
    }

    /** Hands over the unread bytes (e.g. to a pump taking over the stream) and empties this reader. */
    public byte[] drainBuffered() {
        byte[] rest = Arrays.copyOfRange(buf, pos, limit);
        pos = limit = 0;
        return rest;
    }

    // Raw access for the pumps, which walk headers in place and forward whole runs without copying.

    public int position() {
        return pos;
    }

    public void position(int p) {
        pos = p;
    }

    public int limit() {
        return limit;
    }

    /** Room for one message read whole without growing (for elastic readers, the full-size buffer's). */
    public int capacity() {
        return pool != null ? Math.max(buf.length, initialCapacity) : buf.length;
    }

    /**
     * Moves unread bytes to the front and reads at least one more byte. Returns the count read, or -1 at end of
     * stream. Never grows the buffer: a message larger than it is streamed by the caller.
     */
    public int fill() throws IOException {
        if (pool != null) {
            releaseIfEmpty(); // waiting for the next message costs only the small buffer
            if (buf == small && limit - pos == small.length) enlarge(initialCapacity);
        }
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buf.length) throw new IllegalStateException("buffer full; caller must consume first");
        int r = in.read(buf, limit, buf.length - limit);
        if (r > 0) limit += r;
        return r;
    }

    /** Bytes the socket can give without blocking (for a read spin; a TLS socket counts only decrypted ones). */
    public int available() throws IOException {
        return in.available();
    }

    /** Grows the buffer so one message of n bytes (header included) fits whole; n was checked against the cap. */
    public void ensureCapacity(int n) {
        if (n <= buf.length) return;
        if (pool != null) {
            enlarge(Math.max(n, initialCapacity));
            return;
        }
        byte[] bigger = new byte[n];
        System.arraycopy(buf, pos, bigger, 0, limit - pos);
        limit -= pos;
        pos = 0;
        buf = bigger;
    }

    /** Forgets all buffered bytes (the caller consumed them another way). */
    public void clear() {
        pos = limit = 0;
    }

    /** Forgets all buffered bytes and returns a full-size buffer to use as scratch space (streaming a big message). */
    public byte[] scratch() {
        pos = limit = 0;
        if (pool != null && buf.length < initialCapacity) enlarge(initialCapacity);
        return buf;
    }

    public InputStream stream() {
        return in;
    }
}
