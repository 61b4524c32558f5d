// The TLS socket factory JNDI uses for ldaps:// connections. JNDI accepts only a class name with a static
// getDefault(), so the factory of the rule being checked rides on the LDAP worker thread that connects.
package io.pgloom.auth.ldap;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

public final class LdapSocketFactory extends SocketFactory {
    private final SSLSocketFactory tls;

    private LdapSocketFactory(SSLSocketFactory tls) {
        this.tls = tls;
    }

    /** Called by JNDI on the LDAP worker thread that is connecting. */
    public static SocketFactory getDefault() {
        if (!(Thread.currentThread() instanceof LdapAuthenticator.Worker w) || w.tls == null) {
            throw new IllegalStateException("LdapSocketFactory is used only on pgloom's LDAP worker threads");
        }
        return new LdapSocketFactory(w.tls);
    }

    @Override
    public Socket createSocket() throws IOException {
        return tls.createSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return tls.createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return tls.createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return tls.createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return tls.createSocket(address, port, localAddress, localPort);
    }
}
