// Full-size read buffers shared by every client connection: a client borrows one only while a message larger
// than its small idle buffer is in flight, so 10,000 idle clients do not hold 10,000 full-size buffers.
package io.pgloom.wire;

import java.util.concurrent.locks.ReentrantLock;

public final class BufferPool {
    private final int bufferSize;
    private final byte[][] free;
    private int count;
    /** Held for a few instructions and no I/O; a virtual thread never blocks under it. */
    private final ReentrantLock lock = new ReentrantLock();

    /**
     * @param bufferSize size of every buffer handed out
     * @param maxKept    buffers kept for reuse at most; more come and go through the garbage collector
     */
    public BufferPool(int bufferSize, int maxKept) {
        this.bufferSize = bufferSize;
        this.free = new byte[maxKept][];
    }

    public int bufferSize() {
        return bufferSize;
    }

    /** A buffer of {@link #bufferSize()} bytes (contents undefined): a kept one, else a new one. */
    public byte[] borrow() {
        lock.lock();
        try {
            if (count > 0) {
                byte[] b = free[--count];
                free[count] = null;
                return b;
            }
        } finally {
            lock.unlock();
        }
        return new byte[bufferSize];
    }

    /** Gives a borrowed buffer back; one of another size is dropped. */
    public void giveBack(byte[] b) {
        if (b.length != bufferSize) return;
        lock.lock();
        try {
            if (count < free.length) free[count++] = b;
        } finally {
            lock.unlock();
        }
    }

    /** Buffers waiting to be borrowed (for tests and metrics). */
    public int kept() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }
}
