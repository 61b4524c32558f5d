// The one factory for ErrorResponse/NoticeResponse messages pgloom sends, and the parser for the ones it reads.
package io.pgloom.wire;

public final class ErrorResponses {
    private ErrorResponses() {}

    /** Severity words as PostgreSQL sends them. */
    public static final String ERROR = "ERROR";

    public static final String FATAL = "FATAL";
    public static final String WARNING = "WARNING";

    /** A FATAL error: the connection is closed right after it. */
    public static byte[] fatal(String sqlState, String message) {
        return build(MessageType.ERROR_RESPONSE, FATAL, sqlState, message, null);
    }

    /** An ERROR: the session continues. */
    public static byte[] error(String sqlState, String message) {
        return build(MessageType.ERROR_RESPONSE, ERROR, sqlState, message, null);
    }

    public static byte[] error(String severity, String sqlState, String message, String hint) {
        return build(MessageType.ERROR_RESPONSE, severity, sqlState, message, hint);
    }

    public static byte[] notice(String sqlState, String message) {
        return build(MessageType.NOTICE_RESPONSE, WARNING, sqlState, message, null);
    }

    private static byte[] build(byte type, String severity, String sqlState, String message, String hint) {
        FrameWriter w = new FrameWriter(64 + message.length())
                .begin(type)
                .int8(MessageType.FIELD_SEVERITY)
                .cstring(severity)
                .int8(MessageType.FIELD_SEVERITY_NONLOCALIZED)
                .cstring(severity)
                .int8(MessageType.FIELD_SQLSTATE)
                .cstring(sqlState)
                .int8(MessageType.FIELD_MESSAGE)
                .cstring(message);
        if (hint != null) w.int8(MessageType.FIELD_HINT).cstring(hint);
        return w.int8(0).end().toByteArray();
    }

    /** The fields of an ErrorResponse or NoticeResponse a proxy cares about. */
    public record Fields(String severity, String sqlState, String message) {
        @Override
        public String toString() {
            return severity + " " + sqlState + " " + message;
        }
    }

    public static Fields parse(byte[] buf, int off, int len) throws ProtocolException {
        BodyCursor c = new BodyCursor(buf, off, len);
        String severity = null, code = null, message = null, localized = null;
        while (c.remaining() > 0) {
            int field = c.int8();
            if (field == 0) break;
            String value = c.cstring();
            switch (field) {
                case MessageType.FIELD_SEVERITY_NONLOCALIZED -> severity = value;
                case MessageType.FIELD_SEVERITY -> localized = value;
                case MessageType.FIELD_SQLSTATE -> code = value;
                case MessageType.FIELD_MESSAGE -> message = value;
                default -> {}
            }
        }
        return new Fields(severity != null ? severity : localized, code, message);
    }
}
