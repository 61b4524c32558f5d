// Human names of message types for trace lines ("Query", "ReadyForQuery"), by direction: the same byte means
// different messages each way ('D' is Describe from a client and DataRow from a server).
package io.pgloom.trace;

import io.pgloom.wire.MessageType;

final class MessageNames {
    private MessageNames() {}

    private static final String[] FRONTEND = new String[256];
    private static final String[] BACKEND = new String[256];

    static {
        FRONTEND[MessageType.QUERY] = "Query";
        FRONTEND[MessageType.PARSE] = "Parse";
        FRONTEND[MessageType.BIND] = "Bind";
        FRONTEND[MessageType.EXECUTE] = "Execute";
        FRONTEND[MessageType.DESCRIBE] = "Describe";
        FRONTEND[MessageType.CLOSE] = "Close";
        FRONTEND[MessageType.SYNC] = "Sync";
        FRONTEND[MessageType.FLUSH] = "Flush";
        FRONTEND[MessageType.TERMINATE] = "Terminate";
        FRONTEND[MessageType.FUNCTION_CALL] = "FunctionCall";
        FRONTEND[MessageType.COPY_FAIL] = "CopyFail";
        FRONTEND[MessageType.PASSWORD] = "PasswordMessage";
        FRONTEND[MessageType.COPY_DATA] = "CopyData";
        FRONTEND[MessageType.COPY_DONE] = "CopyDone";

        BACKEND[MessageType.AUTHENTICATION] = "Authentication";
        BACKEND[MessageType.BACKEND_KEY_DATA] = "BackendKeyData";
        BACKEND[MessageType.PARAMETER_STATUS] = "ParameterStatus";
        BACKEND[MessageType.READY_FOR_QUERY] = "ReadyForQuery";
        BACKEND[MessageType.ERROR_RESPONSE] = "ErrorResponse";
        BACKEND[MessageType.NOTICE_RESPONSE] = "NoticeResponse";
        BACKEND[MessageType.NOTIFICATION_RESPONSE] = "NotificationResponse";
        BACKEND[MessageType.COMMAND_COMPLETE] = "CommandComplete";
        BACKEND[MessageType.ROW_DESCRIPTION] = "RowDescription";
        BACKEND[MessageType.DATA_ROW] = "DataRow";
        BACKEND[MessageType.EMPTY_QUERY_RESPONSE] = "EmptyQueryResponse";
        BACKEND[MessageType.PARSE_COMPLETE] = "ParseComplete";
        BACKEND[MessageType.BIND_COMPLETE] = "BindComplete";
        BACKEND[MessageType.CLOSE_COMPLETE] = "CloseComplete";
        BACKEND[MessageType.NO_DATA] = "NoData";
        BACKEND[MessageType.PARAMETER_DESCRIPTION] = "ParameterDescription";
        BACKEND[MessageType.PORTAL_SUSPENDED] = "PortalSuspended";
        BACKEND[MessageType.COPY_IN_RESPONSE] = "CopyInResponse";
        BACKEND[MessageType.COPY_OUT_RESPONSE] = "CopyOutResponse";
        BACKEND[MessageType.COPY_BOTH_RESPONSE] = "CopyBothResponse";
        BACKEND[MessageType.FUNCTION_CALL_RESPONSE] = "FunctionCallResponse";
        BACKEND[MessageType.NEGOTIATE_PROTOCOL_VERSION] = "NegotiateProtocolVersion";
        BACKEND[MessageType.COPY_DATA] = "CopyData";
        BACKEND[MessageType.COPY_DONE] = "CopyDone";
    }

    static String typed(boolean fromClient, byte type) {
        String n = (fromClient ? FRONTEND : BACKEND)[type & 0xff];
        return n != null ? n : "Unknown(" + MessageType.printable(type) + ")";
    }

    /** An untyped packet by its code (the int32 after the length). */
    static String packet(int code) {
        return switch (code) {
            case MessageType.SSL_REQUEST -> "SSLRequest";
            case MessageType.GSSENC_REQUEST -> "GSSENCRequest";
            case MessageType.CANCEL_REQUEST -> "CancelRequest";
            default -> "StartupMessage";
        };
    }

    /** Authentication request codes. */
    static String auth(int code) {
        return switch (code) {
            case MessageType.AUTH_OK -> "ok";
            case MessageType.AUTH_CLEARTEXT -> "cleartext";
            case MessageType.AUTH_MD5 -> "md5";
            case MessageType.AUTH_GSS -> "gss";
            case MessageType.AUTH_SSPI -> "sspi";
            case MessageType.AUTH_SASL -> "sasl";
            case MessageType.AUTH_SASL_CONTINUE -> "sasl_continue";
            case MessageType.AUTH_SASL_FINAL -> "sasl_final";
            default -> String.valueOf(code);
        };
    }
}
