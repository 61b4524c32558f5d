// Walks the fields of one message in protocol order and tells a visitor each field's byte range and kind
// (structure, text, value or secret). It knows the layouts; what is shown or masked is Redactor's decision.
// Tolerates bytes cut short (a message larger than what was copied): the walk stops and says so.
package io.pgloom.trace;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import java.nio.charset.StandardCharsets;

final class MessageFields {
    private MessageFields() {}

    /** What a field is, which decides at which level (if any) it may be shown. */
    enum Kind {
        /** Structure: names of statements and portals, counts, formats, tags, SQLSTATEs, statuses. */
        NAME,
        /** Query text, error and notice texts, setting values. */
        TEXT,
        /** Data: parameter values, row values, COPY data, notification payloads, error details. */
        VALUE,
        /** Passwords, SASL messages, cancel keys: never shown. */
        SECRET
    }

    /** Receives each field; a null name means "keep in the pcap when visible, but do not print". */
    interface Visitor {
        /** A fixed-size integer or one-byte code, with the text it prints as. */
        void number(String name, Kind kind, int off, int size, String display);

        /** A NUL-terminated string: its content is [off, off+len), the NUL is at off+len. */
        void text(String name, Kind kind, int off, int len);

        /** A length-prefixed or trailing byte string; len -1 is SQL NULL. */
        void bytes(String name, Kind kind, int off, int len);
    }

    /** The bytes ended before the fields did. */
    private static final class Short extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Short() {
            super(null, null, false, false);
        }
    }

    private static final Short SHORT = new Short();

    /** A read position over [pos, end) reporting each field to the visitor. */
    private static final class Walk {
        final byte[] b;
        final int end;
        final Visitor v;
        int pos;

        Walk(byte[] b, int pos, int end, Visitor v) {
            this.b = b;
            this.pos = pos;
            this.end = end;
            this.v = v;
        }

        private void need(int n) {
            if (n < 0 || end - pos < n) throw SHORT;
        }

        int int8(String name, Kind kind) {
            return byte1(name, kind, false);
        }

        /** A one-byte code printed as its character ('I', 'S', …). */
        int symbol(String name, Kind kind) {
            return byte1(name, kind, true);
        }

        private int byte1(String name, Kind kind, boolean asCharacter) {
            need(1);
            int x = b[pos] & 0xff;
            v.number(name, kind, pos, 1, asCharacter ? MessageType.printable(x) : String.valueOf(x));
            pos += 1;
            return x;
        }

        int int16(String name, Kind kind) {
            need(2);
            int x = (short) FrameWriter.getShort(b, pos);
            v.number(name, kind, pos, 2, String.valueOf(x));
            pos += 2;
            return x;
        }

        int int32(String name, Kind kind) {
            need(4);
            int x = FrameWriter.getInt(b, pos);
            v.number(name, kind, pos, 4, String.valueOf(x));
            pos += 4;
            return x;
        }

        /** An int32 printed as something else (an auth code's name, a protocol version). */
        int int32As(String name, Kind kind, java.util.function.IntFunction<String> display) {
            need(4);
            int x = FrameWriter.getInt(b, pos);
            v.number(name, kind, pos, 4, display.apply(x));
            pos += 4;
            return x;
        }

        /** Reports a NUL-terminated string and returns its length. */
        int cstring(String name, Kind kind) {
            int start = pos;
            while (pos < end && b[pos] != 0) pos++;
            if (pos >= end) {
                pos = start;
                throw SHORT;
            }
            v.text(name, kind, start, pos - start);
            pos++;
            return pos - 1 - start;
        }

        String peekCString() {
            int p = pos;
            while (p < end && b[p] != 0) p++;
            if (p >= end) throw SHORT;
            return new String(b, pos, p - pos, StandardCharsets.UTF_8);
        }

        /** An int32 length (-1 = NULL) and that many bytes. */
        void lengthPrefixed(String name, Kind kind) {
            int len = int32(null, Kind.NAME);
            if (len < -1) throw SHORT;
            if (len > 0) need(len);
            v.bytes(name, kind, pos, len);
            if (len > 0) pos += len;
        }

        void rest(String name, Kind kind) {
            v.bytes(name, kind, pos, end - pos);
            pos = end;
        }

        void int16s(String name, int n) {
            for (int i = 0; i < n; i++) int16(name, Kind.NAME);
        }

        void int32s(int n) {
            for (int i = 0; i < n; i++) int32(null, Kind.NAME);
        }

        int count(String name) {
            int n = int16(name, Kind.NAME);
            if (n < 0) throw SHORT;
            return n;
        }
    }

    /** Walks the body of a typed message; {@code end} is where the copied bytes end. Returns false if cut short. */
    static boolean typed(boolean fromClient, byte type, byte[] b, int bodyOff, int end, Visitor v) {
        Walk w = new Walk(b, bodyOff, end, v);
        try {
            if (fromClient) frontend(type, w);
            else backend(type, w);
            return true;
        } catch (Short e) {
            return false;
        }
    }

    /** Walks an untyped packet: b[0..4) is its length, the code follows. */
    static boolean packet(byte[] b, int end, Visitor v) {
        Walk w = new Walk(b, 4, end, v);
        try {
            int code = FrameWriter.getInt(b, 4);
            switch (code) {
                case MessageType.SSL_REQUEST, MessageType.GSSENC_REQUEST -> w.int32(null, Kind.NAME);
                case MessageType.CANCEL_REQUEST -> {
                    w.int32(null, Kind.NAME);
                    w.int32("pid", Kind.NAME);
                    w.rest("key", Kind.SECRET);
                }
                default -> {
                    int protocol = w.int32As("protocol", Kind.NAME, c -> (c >>> 16) + "." + (c & 0xffff));
                    if (protocol >>> 16 != 3) return true;
                    while (true) {
                        if (w.peekCString().isEmpty()) {
                            w.cstring(null, Kind.NAME);
                            break;
                        }
                        String name = w.peekCString();
                        w.cstring(null, Kind.NAME);
                        w.cstring(name, startupKind(name));
                    }
                }
            }
            return true;
        } catch (Short | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    /** Who is connecting is structure; other startup settings (options=-c …) are text. */
    private static Kind startupKind(String name) {
        return switch (name) {
            case "user", "database", "application_name", "replication", "client_encoding" -> Kind.NAME;
            default -> Kind.TEXT;
        };
    }

    private static void frontend(byte type, Walk w) {
        switch (type) {
            case MessageType.QUERY -> w.cstring("query", Kind.TEXT);
            case MessageType.PARSE -> {
                w.cstring("statement", Kind.NAME);
                w.cstring("query", Kind.TEXT);
                w.int32s(w.count("param_types"));
            }
            case MessageType.BIND -> {
                w.cstring("portal", Kind.NAME);
                w.cstring("statement", Kind.NAME);
                w.int16s("formats[]", w.count(null));
                int n = w.count("params");
                for (int i = 1; i <= n; i++) w.lengthPrefixed("$" + i, Kind.VALUE);
                w.int16s("result_formats[]", w.count(null));
            }
            case MessageType.EXECUTE -> {
                w.cstring("portal", Kind.NAME);
                w.int32("max_rows", Kind.NAME);
            }
            case MessageType.DESCRIBE, MessageType.CLOSE -> {
                w.symbol("target", Kind.NAME);
                w.cstring("name", Kind.NAME);
            }
            case MessageType.FUNCTION_CALL -> {
                w.int32("function", Kind.NAME);
                w.int16s("formats[]", w.count(null));
                int n = w.count("args");
                for (int i = 1; i <= n; i++) w.lengthPrefixed("$" + i, Kind.VALUE);
                w.int16("result_format", Kind.NAME);
            }
            case MessageType.COPY_DATA -> w.rest("data", Kind.VALUE);
            case MessageType.COPY_FAIL -> w.cstring("message", Kind.TEXT);
            case MessageType.PASSWORD -> w.rest("password", Kind.SECRET);
            default -> {} // Sync, Flush, Terminate, CopyDone: no fields
        }
    }

    private static void backend(byte type, Walk w) {
        switch (type) {
            case MessageType.AUTHENTICATION -> {
                int code = w.int32As("auth", Kind.NAME, MessageNames::auth);
                if (code == MessageType.AUTH_SASL) {
                    while (!w.peekCString().isEmpty()) w.cstring("mechanism", Kind.NAME);
                    w.cstring(null, Kind.NAME);
                } else if (w.end > w.pos) {
                    w.rest("data", Kind.SECRET); // MD5 salt, SCRAM server messages
                }
            }
            case MessageType.BACKEND_KEY_DATA -> {
                w.int32("pid", Kind.NAME);
                w.rest("key", Kind.SECRET);
            }
            case MessageType.PARAMETER_STATUS -> {
                w.cstring("name", Kind.NAME);
                w.cstring("value", Kind.TEXT);
            }
            case MessageType.READY_FOR_QUERY -> w.symbol("status", Kind.NAME);
            case MessageType.ERROR_RESPONSE, MessageType.NOTICE_RESPONSE -> {
                while (true) {
                    int code = w.int8(null, Kind.NAME);
                    if (code == 0) break;
                    switch (code) {
                        case MessageType.FIELD_SEVERITY -> w.cstring("severity", Kind.NAME);
                        case MessageType.FIELD_SEVERITY_NONLOCALIZED -> w.cstring(null, Kind.NAME);
                        case MessageType.FIELD_SQLSTATE -> w.cstring("sqlstate", Kind.NAME);
                        case MessageType.FIELD_MESSAGE -> w.cstring("message", Kind.TEXT);
                        case MessageType.FIELD_HINT -> w.cstring("hint", Kind.TEXT);
                        // Details and context quote the data involved ("Key (email)=(…) already exists").
                        case MessageType.FIELD_DETAIL -> w.cstring("detail", Kind.VALUE);
                        case MessageType.FIELD_WHERE -> w.cstring("where", Kind.VALUE);
                        default -> w.cstring("field_" + MessageType.printable(code), Kind.TEXT);
                    }
                }
            }
            case MessageType.COMMAND_COMPLETE -> w.cstring("tag", Kind.NAME);
            case MessageType.ROW_DESCRIPTION -> {
                int n = w.count("fields");
                for (int i = 0; i < n; i++) {
                    w.cstring("names[]", Kind.TEXT);
                    w.int32(null, Kind.NAME); // table oid
                    w.int16(null, Kind.NAME); // column number
                    w.int32("types[]", Kind.NAME);
                    w.int16(null, Kind.NAME); // type size
                    w.int32(null, Kind.NAME); // type modifier
                    w.int16(null, Kind.NAME); // format
                }
            }
            case MessageType.DATA_ROW -> {
                int n = w.count("columns");
                for (int i = 1; i <= n; i++) w.lengthPrefixed("c" + i, Kind.VALUE);
            }
            case MessageType.PARAMETER_DESCRIPTION -> w.int32s(w.count("params"));
            case MessageType.COPY_IN_RESPONSE, MessageType.COPY_OUT_RESPONSE, MessageType.COPY_BOTH_RESPONSE -> {
                w.int8("format", Kind.NAME);
                w.int16s("formats[]", w.count("columns"));
            }
            case MessageType.FUNCTION_CALL_RESPONSE -> w.lengthPrefixed("result", Kind.VALUE);
            case MessageType.NOTIFICATION_RESPONSE -> {
                w.int32("pid", Kind.NAME);
                w.cstring("channel", Kind.NAME);
                w.cstring("payload", Kind.VALUE);
            }
            case MessageType.NEGOTIATE_PROTOCOL_VERSION -> {
                w.int32("minor", Kind.NAME);
                int n = w.int32("unsupported", Kind.NAME);
                for (int i = 0; i < n; i++) w.cstring("options[]", Kind.NAME);
            }
            case MessageType.COPY_DATA -> w.rest("data", Kind.VALUE);
            default -> {} // ParseComplete, BindComplete, CloseComplete, NoData, EmptyQuery, PortalSuspended, CopyDone
        }
    }
}
