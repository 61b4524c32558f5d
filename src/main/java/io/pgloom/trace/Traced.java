// A client session as tracing sees it (the session layer implements it): who it is, and the field its pumps
// read the tap from.
package io.pgloom.trace;

import java.net.InetSocketAddress;

public interface Traced {
    String clientId();

    String user();

    String database();

    InetSocketAddress remote();

    InetSocketAddress local();

    /** Logged in as a pooled session (the admin console and logins in progress are not traced from here). */
    boolean traceable();

    /** Sets the field the pumps read once per run; null stops tracing the session. */
    void tap(WireTap tap);
}
