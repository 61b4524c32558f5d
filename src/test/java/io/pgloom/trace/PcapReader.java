// A small pcap reader for the tests: checks the global header and every record header, follows each TCP stream
// (handshake, sequence numbers per direction, FIN) and checks that each payload is exactly one PostgreSQL
// message (an untyped startup packet, a one-byte SSL answer, or a type byte and a length), and that the
// reassembled bytes of each direction walk as whole messages.
package io.pgloom.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class PcapReader {
    private static final int PG_PORT = 5432;
    private static final int FIN = 0x01, SYN = 0x02, ACK = 0x10;
    private static final String FRONTEND = "QPBEDCSHXFfpdc";
    private static final String BACKEND = "RKSZENACTDI123ntsGHWVvdc";

    /** One TCP stream: the payloads each way, in order. */
    static final class Stream {
        final int clientPort;
        final List<byte[]> fromClient = new ArrayList<>();
        final List<byte[]> toClient = new ArrayList<>();
        boolean synSeen, synAckSeen, finClient, finServer;
        long nextClientSeq, nextServerSeq;

        Stream(int clientPort) {
            this.clientPort = clientPort;
        }

        boolean handshake() {
            return synSeen && synAckSeen;
        }

        boolean finished() {
            return finClient && finServer;
        }

        List<byte[]> fromClient() {
            return fromClient;
        }

        List<byte[]> toClient() {
            return toClient;
        }
    }

    private PcapReader() {}

    static List<Stream> read(Path file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, b.getInt(), "pcap magic (microsecond timestamps)");
        assertEquals(2, b.getShort());
        assertEquals(4, b.getShort());
        b.getInt();
        b.getInt();
        int snaplen = b.getInt();
        assertEquals(1, b.getInt(), "link type Ethernet");
        Map<Integer, Stream> streams = new LinkedHashMap<>();
        int records = 0;
        while (b.hasRemaining()) {
            assertTrue(b.remaining() >= 16, "a whole record header");
            long sec = b.getInt() & 0xffffffffL;
            int usec = b.getInt();
            int incl = b.getInt();
            int orig = b.getInt();
            assertTrue(sec > 1_600_000_000L && usec >= 0 && usec < 1_000_000, "a plausible time stamp");
            assertEquals(orig, incl, "records are not cut");
            assertTrue(incl <= snaplen && incl <= b.remaining(), "record length within snaplen and file");
            byte[] frame = new byte[incl];
            b.get(frame);
            segment(ByteBuffer.wrap(frame).order(ByteOrder.BIG_ENDIAN), streams);
            records++;
        }
        assertTrue(records > 0, "the pcap has records");
        return new ArrayList<>(streams.values());
    }

    private static void segment(ByteBuffer f, Map<Integer, Stream> streams) {
        assertEquals(0x0800, f.getShort(12) & 0xffff, "IPv4 over Ethernet");
        int ip = 14;
        assertEquals(0x45, f.get(ip) & 0xff, "IPv4, 20-byte header");
        assertEquals(f.limit() - 14, f.getShort(ip + 2) & 0xffff, "IP total length");
        assertEquals(6, f.get(ip + 9), "TCP");
        assertEquals(0, onesComplement(f, ip, 20), "IP header checksum");
        int tcp = ip + 20;
        int sport = f.getShort(tcp) & 0xffff;
        int dport = f.getShort(tcp + 2) & 0xffff;
        long seq = f.getInt(tcp + 4) & 0xffffffffL;
        assertEquals(0x50, f.get(tcp + 12) & 0xff, "20-byte TCP header");
        int flags = f.get(tcp + 13) & 0xff;
        byte[] payload = new byte[f.limit() - tcp - 20];
        f.get(tcp + 20, payload);
        boolean fromClient = dport == PG_PORT;
        assertTrue(fromClient || sport == PG_PORT, "one side is port 5432");
        Stream s = streams.computeIfAbsent(fromClient ? sport : dport, Stream::new);
        if ((flags & SYN) != 0) {
            if (fromClient) {
                s.synSeen = true;
                s.nextClientSeq = seq + 1;
            } else {
                assertTrue((flags & ACK) != 0 && s.synSeen, "SYN-ACK after SYN");
                s.synAckSeen = true;
                s.nextServerSeq = seq + 1;
            }
            return;
        }
        assertTrue(s.handshake(), "data only after the handshake");
        long expected = fromClient ? s.nextClientSeq : s.nextServerSeq;
        assertEquals(expected & 0xffffffffL, seq, "sequence numbers are consecutive per direction");
        long next = seq + payload.length + ((flags & FIN) != 0 ? 1 : 0);
        if (fromClient) s.nextClientSeq = next;
        else s.nextServerSeq = next;
        if ((flags & FIN) != 0) {
            if (fromClient) s.finClient = true;
            else s.finServer = true;
        }
        if (payload.length > 0) (fromClient ? s.fromClient : s.toClient).add(payload);
    }

    private static int onesComplement(ByteBuffer f, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) sum += f.getShort(off + i) & 0xffff;
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (int) (~sum & 0xffff);
    }

    /** Every payload is one message; the reassembled stream of each direction is whole messages end to end. */
    static void checkMessages(Stream s) {
        int answersOwed = 0;
        int answers = 0;
        boolean untyped = true;
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        for (byte[] p : s.fromClient) {
            client.writeBytes(p);
            if (untyped) {
                ByteBuffer b = ByteBuffer.wrap(p);
                assertEquals(p.length, b.getInt(0), "an untyped packet's length is the payload");
                int code = b.getInt(4);
                if (code == 80877103 || code == 80877104) {
                    answersOwed++;
                    answers++;
                } else {
                    assertEquals(3, code >>> 16, "a protocol 3 startup packet");
                    untyped = false;
                }
                continue;
            }
            typed(p, FRONTEND);
        }
        ByteArrayOutputStream server = new ByteArrayOutputStream();
        for (byte[] p : s.toClient) {
            server.writeBytes(p);
            if (answersOwed > 0 && p.length == 1) {
                answersOwed--;
                assertTrue(p[0] == 'N' || p[0] == 'S', "an SSL answer");
                continue;
            }
            typed(p, BACKEND);
        }
        walk(client.toByteArray(), true, 0);
        walk(server.toByteArray(), false, answers);
    }

    private static void typed(byte[] p, String types) {
        assertTrue(p.length >= 5, "a message header");
        assertTrue(types.indexOf((char) p[0]) >= 0, "a known message type: " + (char) p[0]);
        int len = ByteBuffer.wrap(p).getInt(1);
        assertEquals(p.length, 1 + len, "the payload is exactly one message of type " + (char) p[0]);
    }

    private static void walk(byte[] all, boolean fromClient, int answers) {
        ByteBuffer b = ByteBuffer.wrap(all);
        int pos = answers; // one byte per SSL/GSSENC answer opens the server's side
        boolean untyped = fromClient;
        while (pos < all.length) {
            if (untyped) {
                int len = b.getInt(pos);
                int code = b.getInt(pos + 4);
                untyped = code == 80877103 || code == 80877104;
                pos += len;
            } else {
                int len = b.getInt(pos + 1);
                assertTrue(len >= 4, "a sane length");
                pos += 1 + len;
            }
        }
        assertEquals(all.length, pos, "the reassembled stream ends on a message boundary");
    }
}
