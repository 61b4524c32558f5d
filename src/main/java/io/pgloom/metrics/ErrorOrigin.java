// The origin label of pgloom_errors_sent_total: who chose the SQLSTATE of a FATAL error a client was sent.
package io.pgloom.metrics;

public final class ErrorOrigin {
    private ErrorOrigin() {}

    /** pgloom's own limits, timeouts and checks. */
    public static final String PGLOOM = "pgloom";
    /** PostgreSQL refused pgloom's login; pgloom passed its SQLSTATE on. */
    public static final String POSTGRESQL = "postgresql";
}
