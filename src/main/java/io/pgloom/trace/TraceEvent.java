// One thing the writer thread turns into a trace line (and a pcap segment): a message copied off a pump or
// the login streams, the start or end of a session's stream, or a line about the trace itself.
package io.pgloom.trace;

record TraceEvent(
        Kind kind,
        WireTap tap,
        TracePolicy policy,
        long nanos,
        boolean fromClient,
        boolean fromProxy,
        int length,
        byte[] bytes,
        String note) {
    enum Kind {
        /** A typed message: bytes start with the type byte and the length (possibly cut short). */
        MESSAGE,
        /** An untyped packet: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest (bytes start with the length). */
        PACKET,
        /** The one-byte answer to SSLRequest / GSSENCRequest. */
        ANSWER,
        /** The session's stream ends here (note: why). */
        CLOSE,
        /** A line about a trace or the writer, not about a session (note: the text). */
        META
    }

    static TraceEvent meta(long nanos, String text) {
        return new TraceEvent(Kind.META, null, null, nanos, false, false, 0, null, text);
    }
}
