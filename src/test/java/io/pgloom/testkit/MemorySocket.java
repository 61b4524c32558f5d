// A Socket whose input is a fixed byte array and whose output is counted and dropped: lets fuzz harnesses run the
// real session, pump and login code on one thread, with no network and no timing.
package io.pgloom.testkit;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;

public final class MemorySocket extends Socket {
    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);
    private final InputStream in;
    private long written;
    private boolean closed;

    public MemorySocket(byte[] input) {
        this.in = new ByteArrayInputStream(input);
    }

    /** Bytes the code under test wrote to this socket. */
    public long written() {
        return written;
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                written++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                java.util.Objects.checkFromIndexSize(off, len, b.length); // a bad range is a bug in the caller
                written += len;
            }
        };
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return PEER;
    }

    @Override
    public InetAddress getInetAddress() {
        return PEER.getAddress();
    }

    @Override
    public int getPort() {
        return PEER.getPort();
    }

    @Override
    public void setSoTimeout(int timeout) {
        // reads never block: the input is all there
    }

    @Override
    public void setTcpNoDelay(boolean on) {
        // nothing to tune
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
