// The untyped first packet of a connection: StartupMessage, SSLRequest, GSSENCRequest or CancelRequest.
// Length is capped before anything is allocated, as PostgreSQL does (MAX_STARTUP_PACKET_LENGTH).
package io.pgloom.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

public record StartupPacket(int code, Map<String, String> parameters, int cancelProcessId, byte[] cancelSecret) {
    /** PostgreSQL's own cap on a startup packet. */
    public static final int MAX_LENGTH = 10_000;

    public int majorVersion() {
        return code >>> 16;
    }

    public int minorVersion() {
        return code & 0xffff;
    }

    public boolean isStartup() {
        return majorVersion() == 3;
    }

    /**
     * Reads one packet. {@code firstByte} is the packet's first byte when the caller already consumed it
     * (to look for a direct TLS handshake), or -1.
     */
    public static StartupPacket read(InputStream in, int firstByte) throws IOException {
        byte[] lenBytes = new byte[4];
        int have = 0;
        if (firstByte >= 0) lenBytes[have++] = (byte) firstByte;
        readFully(in, lenBytes, have, 4 - have);
        int len = FrameWriter.getInt(lenBytes, 0);
        if (len < 8 || len > MAX_LENGTH) {
            throw new ProtocolException("invalid length of startup packet: " + len);
        }
        byte[] body = new byte[len - 4];
        readFully(in, body, 0, body.length);
        return parse(body);
    }

    /** Parses the packet after its length field. */
    public static StartupPacket parse(byte[] body) throws ProtocolException {
        BodyCursor c = new BodyCursor(body, 0, body.length);
        int code = c.int32();
        switch (code) {
            case MessageType.SSL_REQUEST, MessageType.GSSENC_REQUEST -> {
                if (c.remaining() != 0) throw new ProtocolException("invalid length of startup packet");
                return new StartupPacket(code, Map.of(), 0, null);
            }
            case MessageType.CANCEL_REQUEST -> {
                int pid = c.int32();
                // Protocol 3.2 allows secret keys of up to 256 bytes; 3.0 uses exactly 4.
                if (c.remaining() < 4 || c.remaining() > 256)
                    throw new ProtocolException("invalid cancel request length");
                return new StartupPacket(code, Map.of(), pid, c.rest());
            }
            default -> {
                if ((code >>> 16) != 3) {
                    // Other majors: the caller reports "unsupported frontend protocol"; parameters are not parsed.
                    return new StartupPacket(code, Map.of(), 0, null);
                }
                Map<String, String> params = new LinkedHashMap<>();
                while (true) {
                    if (c.remaining() == 0) throw new ProtocolException("startup packet is not terminated");
                    if (c.peekEmptyCString()) {
                        c.int8();
                        break;
                    }
                    String name = c.cstring();
                    String value = c.cstring();
                    // A name given twice: the later value wins, as in PostgreSQL (r2dbc-postgresql sends TimeZone
                    // itself and again when the application puts it in its options).
                    params.remove(name);
                    params.put(name, value);
                }
                if (c.remaining() != 0) throw new ProtocolException("unexpected data after startup parameters");
                return new StartupPacket(code, Collections.unmodifiableMap(params), 0, null);
            }
        }
    }

    /** Encodes a protocol 3.0 StartupMessage. */
    public static byte[] encodeStartup(Map<String, String> params) {
        return encodeStartup(MessageType.PROTOCOL_3_0, params);
    }

    /** Encodes a StartupMessage asking for {@code protocol} (PROTOCOL_3_0 or PROTOCOL_3_2). */
    public static byte[] encodeStartup(int protocol, Map<String, String> params) {
        FrameWriter w = new FrameWriter(128).beginUntyped().int32(protocol);
        params.forEach((k, v) -> w.cstring(k).cstring(v));
        return w.int8(0).end().toByteArray();
    }

    public static byte[] encodeCancel(int pid, byte[] secret) {
        return new FrameWriter(16 + secret.length)
                .beginUntyped()
                .int32(MessageType.CANCEL_REQUEST)
                .int32(pid)
                .bytes(secret)
                .end()
                .toByteArray();
    }

    private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int r = in.read(b, off, len);
            if (r < 0) throw new EOFException("connection closed during startup");
            off += r;
            len -= r;
        }
    }

    @Override
    public String toString() {
        // Parameters may carry an application name or options but never secrets; still, keep it short.
        return "StartupPacket[code=" + code + ", parameters=" + parameters.keySet() + "]";
    }

    public static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
