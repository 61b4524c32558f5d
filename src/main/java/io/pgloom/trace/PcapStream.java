// One traced session as a TCP stream in a pcap file: synthetic Ethernet, IPv4/IPv6 and TCP headers around the
// (decrypted, redacted) protocol bytes, one segment per message, sequence numbers consistent per direction, a
// handshake at the start and FINs at the end, so Wireshark reassembles it and its pgsql dissector decodes it.
// The proxy side is shown as port 5432, the port Wireshark decodes as PostgreSQL without "Decode As".
package io.pgloom.trace;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

final class PcapStream {
    static final int PROXY_PORT = 5432;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int SNAPLEN = 65_535;
    private static final int FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10;
    private static final byte[] CLIENT_MAC = {0x02, 0, 0, 0, 0, 0x01};
    private static final byte[] PROXY_MAC = {0x02, 0, 0, 0, 0, 0x02};

    private final byte[] clientIp;
    private final byte[] proxyIp;
    private final int clientPort;
    private long clientSeq;
    private long proxySeq;
    private boolean finished;

    PcapStream(InetSocketAddress remote, InetSocketAddress local, int seed) {
        byte[] c = address(remote);
        byte[] p = address(local);
        if (p.length != c.length) p = new byte[c.length]; // mixed families: the proxy side shows as 0.0.0.0 / ::
        clientIp = c;
        proxyIp = p;
        clientPort = remote == null ? 0 : remote.getPort();
        clientSeq = (seed * 2654435761L) & 0xffffffffL;
        proxySeq = (seed * 40503L + 12345) & 0xffffffffL;
    }

    private static byte[] address(InetSocketAddress a) {
        InetAddress ip = a == null ? null : a.getAddress();
        if (ip == null) return new byte[4];
        byte[] b = ip.getAddress();
        // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket
        if (b.length == 16 && isV4Mapped(b)) return java.util.Arrays.copyOfRange(b, 12, 16);
        return b;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** The 24-byte pcap file header (microsecond timestamps, Ethernet). */
    static byte[] globalHeader() {
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4)
                .putShort((short) 2)
                .putShort((short) 4)
                .putInt(0)
                .putInt(0)
                .putInt(SNAPLEN)
                .putInt(LINKTYPE_ETHERNET);
        return h.array();
    }

    /** The three-way handshake, so Wireshark sees the stream begin. */
    void open(RotatingFile f, long micros) throws IOException {
        f.write(segment(micros, true, SYN, clientSeq, 0, EMPTY));
        f.write(segment(micros, false, SYN | ACK, proxySeq, clientSeq + 1, EMPTY));
        clientSeq = (clientSeq + 1) & 0xffffffffL;
        proxySeq = (proxySeq + 1) & 0xffffffffL;
        f.write(segment(micros, true, ACK, clientSeq, proxySeq, EMPTY));
    }

    void data(RotatingFile f, long micros, boolean fromClient, byte[] payload) throws IOException {
        if (finished) return;
        if (fromClient) {
            f.write(segment(micros, true, PSH | ACK, clientSeq, proxySeq, payload));
            clientSeq = (clientSeq + payload.length) & 0xffffffffL;
        } else {
            f.write(segment(micros, false, PSH | ACK, proxySeq, clientSeq, payload));
            proxySeq = (proxySeq + payload.length) & 0xffffffffL;
        }
    }

    /** FIN each way and the last ACK. */
    void close(RotatingFile f, long micros) throws IOException {
        if (finished) return;
        finished = true;
        f.write(segment(micros, false, FIN | ACK, proxySeq, clientSeq, EMPTY));
        proxySeq = (proxySeq + 1) & 0xffffffffL;
        f.write(segment(micros, true, FIN | ACK, clientSeq, proxySeq, EMPTY));
        clientSeq = (clientSeq + 1) & 0xffffffffL;
        f.write(segment(micros, false, ACK, proxySeq, clientSeq, EMPTY));
    }

    private static final byte[] EMPTY = new byte[0];

    /** One pcap record: record header, Ethernet, IP, TCP, payload. */
    private byte[] segment(long micros, boolean fromClient, int flags, long seq, long ack, byte[] payload) {
        boolean v6 = clientIp.length == 16;
        int ipLen = v6 ? 40 : 20;
        int tcpLen = 20 + payload.length;
        int frame = 14 + ipLen + tcpLen;
        ByteBuffer b = ByteBuffer.allocate(16 + frame);
        b.order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) (micros / 1_000_000))
                .putInt((int) (micros % 1_000_000))
                .putInt(frame)
                .putInt(frame)
                .order(ByteOrder.BIG_ENDIAN);
        byte[] src = fromClient ? clientIp : proxyIp;
        byte[] dst = fromClient ? proxyIp : clientIp;
        b.put(fromClient ? PROXY_MAC : CLIENT_MAC)
                .put(fromClient ? CLIENT_MAC : PROXY_MAC)
                .putShort((short) (v6 ? 0x86dd : 0x0800));
        int ip = b.position();
        if (v6) {
            b.putInt(0x60000000)
                    .putShort((short) tcpLen)
                    .put((byte) 6)
                    .put((byte) 64)
                    .put(src)
                    .put(dst);
        } else {
            b.put((byte) 0x45)
                    .put((byte) 0)
                    .putShort((short) (20 + tcpLen))
                    .putShort((short) 0)
                    .putShort((short) 0x4000)
                    .put((byte) 64)
                    .put((byte) 6)
                    .putShort((short) 0)
                    .put(src)
                    .put(dst);
            b.putShort(ip + 10, (short) checksum(b.array(), ip, 20, 0));
        }
        int tcp = b.position();
        b.putShort((short) (fromClient ? clientPort : PROXY_PORT))
                .putShort((short) (fromClient ? PROXY_PORT : clientPort))
                .putInt((int) seq)
                .putInt((int) ack)
                .put((byte) 0x50)
                .put((byte) flags)
                .putShort((short) 0xffff)
                .putShort((short) 0)
                .putShort((short) 0)
                .put(payload);
        long pseudo = sum(src, 0, src.length) + sum(dst, 0, dst.length) + 6 + tcpLen;
        b.putShort(tcp + 16, (short) checksum(b.array(), tcp, tcpLen, pseudo));
        return b.array();
    }

    /** 16-bit one's-complement sum of big-endian words (odd length padded with zero). */
    private static long sum(byte[] a, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) s += ((a[off + i] & 0xff) << 8) | (a[off + i + 1] & 0xff);
        if ((len & 1) != 0) s += (a[off + len - 1] & 0xff) << 8;
        return s;
    }

    private static int checksum(byte[] a, int off, int len, long initial) {
        long s = initial + sum(a, off, len);
        while ((s >> 16) != 0) s = (s & 0xffff) + (s >> 16);
        return (int) (~s & 0xffff);
    }
}
