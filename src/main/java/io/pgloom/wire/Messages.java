// Constant backend replies encoded once, and small builders for the few messages the proxy composes itself.
package io.pgloom.wire;

import java.nio.charset.StandardCharsets;
import java.util.List;

public final class Messages {
    private Messages() {}

    public static final byte[] AUTH_OK = new FrameWriter(9)
            .begin(MessageType.AUTHENTICATION)
            .int32(MessageType.AUTH_OK)
            .end()
            .toByteArray();
    /** AuthenticationCleartextPassword: asks the client for its password as is (the ldap method). */
    public static final byte[] AUTH_CLEARTEXT = new FrameWriter(9)
            .begin(MessageType.AUTHENTICATION)
            .int32(MessageType.AUTH_CLEARTEXT)
            .end()
            .toByteArray();

    public static final byte[] READY_IDLE = readyForQuery(MessageType.TX_IDLE);
    /** pgloom's own ROLLBACK of a transaction a client left open. */
    public static final byte[] ROLLBACK = query("ROLLBACK");

    public static final byte[] SYNC =
            new FrameWriter(5).begin(MessageType.SYNC).end().toByteArray();
    public static final byte[] TERMINATE =
            new FrameWriter(5).begin(MessageType.TERMINATE).end().toByteArray();
    public static final byte[] EMPTY_QUERY =
            new FrameWriter(5).begin(MessageType.EMPTY_QUERY_RESPONSE).end().toByteArray();

    public static byte[] readyForQuery(byte status) {
        return new FrameWriter(6)
                .begin(MessageType.READY_FOR_QUERY)
                .int8(status)
                .end()
                .toByteArray();
    }

    public static byte[] parameterStatus(String name, String value) {
        return new FrameWriter(32)
                .begin(MessageType.PARAMETER_STATUS)
                .cstring(name)
                .cstring(value)
                .end()
                .toByteArray();
    }

    public static byte[] backendKeyData(int pid, int secret) {
        return new FrameWriter(13)
                .begin(MessageType.BACKEND_KEY_DATA)
                .int32(pid)
                .int32(secret)
                .end()
                .toByteArray();
    }

    public static byte[] query(String sql) {
        return new FrameWriter(sql.length() + 8)
                .begin(MessageType.QUERY)
                .cstring(sql)
                .end()
                .toByteArray();
    }

    public static byte[] authMd5(byte[] salt) {
        return new FrameWriter(13)
                .begin(MessageType.AUTHENTICATION)
                .int32(MessageType.AUTH_MD5)
                .bytes(salt)
                .end()
                .toByteArray();
    }

    public static byte[] authSasl(List<String> mechanisms) {
        FrameWriter w = new FrameWriter(64).begin(MessageType.AUTHENTICATION).int32(MessageType.AUTH_SASL);
        mechanisms.forEach(w::cstring);
        return w.int8(0).end().toByteArray();
    }

    public static byte[] authSaslContinue(byte[] data) {
        return new FrameWriter(data.length + 9)
                .begin(MessageType.AUTHENTICATION)
                .int32(MessageType.AUTH_SASL_CONTINUE)
                .bytes(data)
                .end()
                .toByteArray();
    }

    public static byte[] authSaslFinal(byte[] data) {
        return new FrameWriter(data.length + 9)
                .begin(MessageType.AUTHENTICATION)
                .int32(MessageType.AUTH_SASL_FINAL)
                .bytes(data)
                .end()
                .toByteArray();
    }

    /** PasswordMessage (cleartext or md5 response). */
    public static byte[] password(String text) {
        return new FrameWriter(text.length() + 8)
                .begin(MessageType.PASSWORD)
                .cstring(text)
                .end()
                .toByteArray();
    }

    public static byte[] saslInitialResponse(String mechanism, byte[] data) {
        return new FrameWriter(data.length + 32)
                .begin(MessageType.PASSWORD)
                .cstring(mechanism)
                .int32(data.length)
                .bytes(data)
                .end()
                .toByteArray();
    }

    public static byte[] saslResponse(byte[] data) {
        return new FrameWriter(data.length + 8)
                .begin(MessageType.PASSWORD)
                .bytes(data)
                .end()
                .toByteArray();
    }

    /** NegotiateProtocolVersion: the newest minor version we speak and the options we did not recognise. */
    public static byte[] negotiateProtocolVersion(int newestMinor, List<String> unrecognised) {
        FrameWriter w = new FrameWriter(64)
                .begin(MessageType.NEGOTIATE_PROTOCOL_VERSION)
                .int32((3 << 16) | newestMinor)
                .int32(unrecognised.size());
        unrecognised.forEach(w::cstring);
        return w.end().toByteArray();
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
