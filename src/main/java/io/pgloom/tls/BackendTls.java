// TLS from pgloom to PostgreSQL ([server_tls]), with libpq's sslmode meanings: prefer and require encrypt without
// checking the certificate, verify-ca checks it against ca_file, verify-full also checks the host name.
package io.pgloom.tls;

import io.pgloom.config.TlsSettings;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public final class BackendTls {
    private final TlsSettings.Server settings;
    private final SSLContext context;

    private BackendTls(TlsSettings.Server settings, SSLContext context) {
        this.settings = settings;
        this.context = context;
    }

    /** Null when [server_tls] is disabled. */
    public static BackendTls of(TlsSettings.Server s) throws IOException {
        if (s.mode() == TlsSettings.Server.ServerMode.DISABLE) return null;
        try {
            TrustManager[] trust;
            if (s.caFile() != null
                    && (s.mode() == TlsSettings.Server.ServerMode.VERIFY_CA
                            || s.mode() == TlsSettings.Server.ServerMode.VERIFY_FULL)) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int i = 0;
                for (X509Certificate c : Pem.certificates(s.caFile())) ks.setCertificateEntry("ca" + i++, c);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                trust = tmf.getTrustManagers();
            } else {
                trust = new TrustManager[] {new EncryptOnly()};
            }
            javax.net.ssl.KeyManager[] keys = null;
            if (s.certFile() != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry(
                        "pgloom",
                        Pem.privateKey(s.keyFile()),
                        new char[0],
                        Pem.certificates(s.certFile()).toArray(new X509Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
                keys = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return new BackendTls(s, ctx);
        } catch (GeneralSecurityException e) {
            throw new IOException("[server_tls] material is not usable: " + e.getMessage(), e);
        }
    }

    public boolean required() {
        return settings.mode() != TlsSettings.Server.ServerMode.PREFER;
    }

    /** Handshakes as a TLS client over a socket PostgreSQL answered 'S' on. */
    public SSLSocket connect(Socket plain, String host, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (settings.mode() == TlsSettings.Server.ServerMode.VERIFY_FULL) p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        return ssl;
    }

    /** prefer / require: encryption without certificate checks, as libpq's sslmode=require. */
    private static final class EncryptOnly implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
