// Every protocol type byte and startup code pgloom knows, named once (PostgreSQL protocol v3, "Message Formats").
package io.pgloom.wire;

public final class MessageType {
    private MessageType() {}

    // Frontend (client -> server)
    public static final byte QUERY = 'Q';
    public static final byte PARSE = 'P';
    public static final byte BIND = 'B';
    public static final byte EXECUTE = 'E';
    public static final byte DESCRIBE = 'D';
    public static final byte CLOSE = 'C';
    public static final byte SYNC = 'S';
    public static final byte FLUSH = 'H';
    public static final byte TERMINATE = 'X';
    public static final byte FUNCTION_CALL = 'F';
    public static final byte COPY_FAIL = 'f';
    /** PasswordMessage, SASLInitialResponse, SASLResponse and GSSResponse all share 'p'. */
    public static final byte PASSWORD = 'p';

    // Both directions
    public static final byte COPY_DATA = 'd';
    public static final byte COPY_DONE = 'c';

    // Backend (server -> client)
    public static final byte AUTHENTICATION = 'R';
    public static final byte BACKEND_KEY_DATA = 'K';
    public static final byte PARAMETER_STATUS = 'S';
    public static final byte READY_FOR_QUERY = 'Z';
    public static final byte ERROR_RESPONSE = 'E';
    public static final byte NOTICE_RESPONSE = 'N';
    public static final byte NOTIFICATION_RESPONSE = 'A';
    public static final byte COMMAND_COMPLETE = 'C';
    public static final byte ROW_DESCRIPTION = 'T';
    public static final byte DATA_ROW = 'D';
    public static final byte EMPTY_QUERY_RESPONSE = 'I';
    public static final byte PARSE_COMPLETE = '1';
    public static final byte BIND_COMPLETE = '2';
    public static final byte CLOSE_COMPLETE = '3';
    public static final byte NO_DATA = 'n';
    public static final byte PARAMETER_DESCRIPTION = 't';
    public static final byte PORTAL_SUSPENDED = 's';
    public static final byte COPY_IN_RESPONSE = 'G';
    public static final byte COPY_OUT_RESPONSE = 'H';
    public static final byte COPY_BOTH_RESPONSE = 'W';
    public static final byte FUNCTION_CALL_RESPONSE = 'V';
    public static final byte NEGOTIATE_PROTOCOL_VERSION = 'v';

    // Authentication request codes (body of 'R')
    public static final int AUTH_OK = 0;
    public static final int AUTH_CLEARTEXT = 3;
    public static final int AUTH_MD5 = 5;
    public static final int AUTH_GSS = 7;
    public static final int AUTH_SSPI = 9;
    public static final int AUTH_SASL = 10;
    public static final int AUTH_SASL_CONTINUE = 11;
    public static final int AUTH_SASL_FINAL = 12;

    // Startup packet codes (the int32 after the length)
    public static final int PROTOCOL_3_0 = 196608;
    public static final int PROTOCOL_3_2 = 196610;
    public static final int SSL_REQUEST = 80877103;
    public static final int GSSENC_REQUEST = 80877104;
    public static final int CANCEL_REQUEST = 80877102;

    /** First byte of a TLS ClientHello record: a PostgreSQL 17 client starting TLS directly. */
    public static final int TLS_HANDSHAKE_RECORD = 0x16;
    /** Single-byte answers to SSLRequest / GSSENCRequest. */
    public static final byte TLS_ACCEPT = 'S';

    public static final byte TLS_REFUSE = 'N';

    // ReadyForQuery transaction status
    public static final byte TX_IDLE = 'I';
    public static final byte TX_IN_BLOCK = 'T';
    public static final byte TX_FAILED = 'E';

    // Describe / Close targets
    public static final byte TARGET_STATEMENT = 'S';
    public static final byte TARGET_PORTAL = 'P';

    // ErrorResponse / NoticeResponse field codes
    public static final byte FIELD_SEVERITY = 'S';
    public static final byte FIELD_SEVERITY_NONLOCALIZED = 'V';
    public static final byte FIELD_SQLSTATE = 'C';
    public static final byte FIELD_MESSAGE = 'M';
    public static final byte FIELD_DETAIL = 'D';
    public static final byte FIELD_HINT = 'H';
    public static final byte FIELD_WHERE = 'W';
    /** The source routine that raised it: not translated, unlike the message. */
    public static final byte FIELD_ROUTINE = 'R';

    /** Length of a message header: type byte plus int32 length. */
    public static final int HEADER_LENGTH = 5;

    /** Frontend message types a client may send once logged in, as a 256-entry table (rule: no guessing). */
    private static final boolean[] FRONTEND = new boolean[256];

    static {
        for (byte b : new byte[] {
            QUERY,
            PARSE,
            BIND,
            EXECUTE,
            DESCRIBE,
            CLOSE,
            SYNC,
            FLUSH,
            TERMINATE,
            FUNCTION_CALL,
            COPY_FAIL,
            PASSWORD,
            COPY_DATA,
            COPY_DONE
        }) {
            FRONTEND[b & 0xff] = true;
        }
    }

    /** True for a type byte PostgreSQL accepts from a client after login. */
    public static boolean isFrontend(byte type) {
        return FRONTEND[type & 0xff];
    }

    /** Printable name of a type byte for logs and traces. */
    public static String printable(int type) {
        return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("0x%02x", type & 0xff);
    }
}
