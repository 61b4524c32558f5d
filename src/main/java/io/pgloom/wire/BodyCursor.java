// Sequential reads from one message body window, with bounds checks that raise protocol errors, not crashes.
package io.pgloom.wire;

import java.nio.charset.StandardCharsets;

public final class BodyCursor {
    private final byte[] buf;
    private final int end;
    private int pos;

    public BodyCursor(byte[] buf, int off, int len) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public int remaining() {
        return end - pos;
    }

    public int int8() throws ProtocolException {
        need(1);
        return buf[pos++] & 0xff;
    }

    public int int16() throws ProtocolException {
        need(2);
        int v = FrameWriter.getShort(buf, pos);
        pos += 2;
        return v;
    }

    public int int32() throws ProtocolException {
        need(4);
        int v = FrameWriter.getInt(buf, pos);
        pos += 4;
        return v;
    }

    public byte[] bytes(int n) throws ProtocolException {
        if (n < 0) throw new ProtocolException("negative length in message body");
        need(n);
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }

    public void skip(int n) throws ProtocolException {
        if (n < 0) throw new ProtocolException("negative length in message body");
        need(n);
        pos += n;
    }

    /** A NUL-terminated UTF-8 string. */
    public String cstring() throws ProtocolException {
        int start = pos;
        while (pos < end && buf[pos] != 0) pos++;
        if (pos >= end) throw new ProtocolException("unterminated string in message body");
        String s = new String(buf, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    /** Whether the NUL-terminated string at the cursor is empty, without decoding it. */
    public boolean peekEmptyCString() throws ProtocolException {
        need(1);
        return buf[pos] == 0;
    }

    public byte[] rest() {
        byte[] b = new byte[end - pos];
        System.arraycopy(buf, pos, b, 0, b.length);
        pos = end;
        return b;
    }

    public int position() {
        return pos;
    }

    private void need(int n) throws ProtocolException {
        if (end - pos < n) throw new ProtocolException("message body is shorter than its fields");
    }
}
