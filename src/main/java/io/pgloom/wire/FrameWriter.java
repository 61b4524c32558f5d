// Builds protocol messages into a reusable growable buffer; the length of each frame is back-patched on end().
// Not thread-safe by design: each writer belongs to one pump or one login exchange.
package io.pgloom.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

public final class FrameWriter {
    private byte[] buf;
    private int size;
    private int frameStart = -1;

    public FrameWriter() {
        this(256);
    }

    public FrameWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    /** Starts a typed frame; the length is written by {@link #end()}. */
    public FrameWriter begin(byte type) {
        if (frameStart >= 0) throw new IllegalStateException("frame already open");
        ensure(5);
        buf[size++] = type;
        frameStart = size;
        size += 4;
        return this;
    }

    /** Starts an untyped frame (startup packets, cancel requests): only the int32 length. */
    public FrameWriter beginUntyped() {
        if (frameStart >= 0) throw new IllegalStateException("frame already open");
        ensure(4);
        frameStart = size;
        size += 4;
        return this;
    }

    public FrameWriter end() {
        if (frameStart < 0) throw new IllegalStateException("no frame open");
        putInt(buf, frameStart, size - frameStart);
        frameStart = -1;
        return this;
    }

    public FrameWriter int8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public FrameWriter int16(int v) {
        ensure(2);
        buf[size++] = (byte) (v >>> 8);
        buf[size++] = (byte) v;
        return this;
    }

    public FrameWriter int32(int v) {
        ensure(4);
        putInt(buf, size, v);
        size += 4;
        return this;
    }

    /** A NUL-terminated UTF-8 string. */
    public FrameWriter cstring(String s) {
        bytes(s.getBytes(StandardCharsets.UTF_8));
        return int8(0);
    }

    public FrameWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    public FrameWriter bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
        return this;
    }

    /** Appends already-encoded frames verbatim. */
    public FrameWriter raw(byte[] frames) {
        return bytes(frames);
    }

    public int size() {
        return size;
    }

    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        if (frameStart >= 0) throw new IllegalStateException("frame still open");
        return Arrays.copyOf(buf, size);
    }

    public void writeTo(OutputStream out) throws IOException {
        if (frameStart >= 0) throw new IllegalStateException("frame still open");
        out.write(buf, 0, size);
    }

    public FrameWriter reset() {
        size = 0;
        frameStart = -1;
        return this;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    public static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    public static int getInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    public static int getShort(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }
}
