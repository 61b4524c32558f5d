// Layers server-side TLS over an accepted client socket: after an SSLRequest ('S' already sent), or for a
// PostgreSQL 17 client that opens with a TLS ClientHello directly (the bytes already read are replayed). Direct TLS
// must negotiate ALPN "postgresql", as PostgreSQL requires.
package io.pgloom.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLSocket;

public final class TlsUpgrade {
    private TlsUpgrade() {}

    /** Handshakes and returns the TLS socket; {@code consumed} are bytes of the handshake already read (or null). */
    public static SSLSocket accept(TlsContexts.ServerTls tls, Socket plain, byte[] consumed, boolean direct)
            throws IOException {
        SSLSocket ssl = (SSLSocket) tls.context()
                .getSocketFactory()
                .createSocket(plain, consumed == null ? null : new ByteArrayInputStream(consumed), true);
        ssl.setSSLParameters(tls.parameters());
        ssl.setUseClientMode(false);
        ssl.startHandshake();
        if (direct && !TlsContexts.ALPN.equals(ssl.getApplicationProtocol())) {
            ssl.close();
            throw new IOException(
                    "direct TLS without ALPN \"" + TlsContexts.ALPN + "\" is refused, as PostgreSQL does");
        }
        return ssl;
    }
}
