// The admin console plugs in here: a client that logs into database "pgloom" as an admin user is handed over
// after authentication. (The session layer cannot depend on the admin package; the wiring sets this.)
package io.pgloom.runtime;

import io.pgloom.wire.FrameReader;
import java.io.IOException;

public interface AdminHandler {
    /** The connection as the admin console sees it. */
    interface Connection {
        String user();

        String clientId();

        FrameReader reader();

        void write(byte[] b, int off, int len) throws IOException;
    }

    /** Serves the console until the client leaves; returns the disconnect reason. */
    String serve(Connection c) throws IOException;
}
