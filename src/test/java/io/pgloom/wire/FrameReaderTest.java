// FrameReader from literal bytes: whole messages, pipelined input, split reads, length caps.
package io.pgloom.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class FrameReaderTest {
    /** Returns one byte per read call, to exercise split headers and bodies. */
    private static InputStream trickle(byte[] b) {
        return new InputStream() {
            int i;

            @Override
            public int read() {
                return i < b.length ? b[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] dst, int off, int len) {
                if (i >= b.length) return -1;
                dst[off] = b[i++];
                return 1;
            }
        };
    }

    @Test
    void readsPipelinedMessagesSplitAcrossReads() throws Exception {
        byte[] two = concat(Messages.query("SELECT 1"), Messages.SYNC);
        FrameReader r = new FrameReader(trickle(two), 8, 1024);
        assertEquals('Q', r.next());
        assertEquals("SELECT 1", r.body().cstring());
        assertEquals('S', r.next());
        assertEquals(0, r.bodyLength());
        assertEquals(-1, r.next());
    }

    @Test
    void growsForALargeMessageWithinTheCap() throws Exception {
        String sql = "x".repeat(5000);
        FrameReader r = new FrameReader(new ByteArrayInputStream(Messages.query(sql)), 16, 10_000);
        assertEquals('Q', r.next());
        assertEquals(sql, r.body().cstring());
        r.shrink();
        assertEquals(16, r.capacity());
    }

    @Test
    void rejectsLengthsOutsideTheCap() {
        byte[] huge = {'Q', 0x40, 0, 0, 0};
        assertThrows(
                ProtocolException.class, () -> new FrameReader(new ByteArrayInputStream(huge), 16, 1 << 20).next());
        byte[] small = {'Q', 0, 0, 0, 3};
        assertThrows(
                ProtocolException.class, () -> new FrameReader(new ByteArrayInputStream(small), 16, 1 << 20).next());
    }

    @Test
    void eofInsideAMessageIsAnError() {
        byte[] cut = {'Q', 0, 0, 0, 20, 'S'};
        assertThrows(EOFException.class, () -> new FrameReader(new ByteArrayInputStream(cut), 16, 100).next());
    }

    @Test
    void errorResponseRoundTrip() throws Exception {
        byte[] e = ErrorResponses.fatal(SqlState.TOO_MANY_CONNECTIONS, "no more connections allowed");
        FrameReader r = new FrameReader(new ByteArrayInputStream(e), 64, 1024);
        assertEquals('E', r.next());
        ErrorResponses.Fields f = ErrorResponses.parse(r.buffer(), r.bodyStart(), r.bodyLength());
        assertEquals("FATAL", f.severity());
        assertEquals("53300", f.sqlState());
        assertEquals("no more connections allowed", f.message());
    }

    @Test
    void elasticReaderBorrowsOnlyWhileAMessageNeedsRoomAndGivesItBack() throws Exception {
        BufferPool pool = new BufferPool(256, 4);
        String big = "y".repeat(200);
        byte[] stream = concat(concat(Messages.query("SELECT 1"), Messages.query(big)), Messages.query("SELECT 2"));
        FrameReader r = new FrameReader(trickle(stream), 32, pool, 1024);
        assertEquals(256, r.capacity(), "callers see the full-size capacity while the small buffer is in use");
        // A 14-byte query fits the 32-byte buffer: read whole without borrowing.
        while (r.limit() - r.position() < 14) r.fill();
        assertEquals(32, r.buffer().length);
        r.position(r.position() + 14);
        // The 206-byte query outgrows it: the reader borrows, and the pump sees it whole.
        while (r.limit() - r.position() < 206) r.fill();
        assertEquals(256, r.buffer().length);
        assertEquals(big, new BodyCursor(r.buffer(), r.position() + 5, 201).cstring());
        r.position(r.position() + 206);
        // Consumed: the next wait gives the borrowed buffer back and reads into the small one again.
        r.fill();
        assertEquals(32, r.buffer().length);
        assertEquals(1, pool.kept());
        assertEquals('Q', r.next());
        assertEquals("SELECT 2", r.body().cstring());
        assertEquals(-1, r.next());
    }

    @Test
    void elasticReaderGrowsPastThePoolSizeForOneMessageAndDropsTheGrownBuffer() throws Exception {
        BufferPool pool = new BufferPool(64, 4);
        String sql = "z".repeat(500);
        FrameReader r = new FrameReader(new ByteArrayInputStream(Messages.query(sql)), 16, pool, 10_000);
        assertEquals('Q', r.next());
        assertEquals(sql, r.body().cstring());
        r.shrink();
        assertEquals(16, r.buffer().length);
        assertEquals(0, pool.kept(), "a grown buffer is not of the pool's size: dropped, not kept");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
