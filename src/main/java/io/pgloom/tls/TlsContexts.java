// Builds the client-facing SSLContext from [tls] PEM files, and the SSLParameters every TLS client connection
// gets (protocol floor, optional cipher list, ALPN "postgresql", client certificates for verify-ca/verify-full).
// Rebuilt on RELOAD: new connections use the new material, connected sessions keep theirs.
package io.pgloom.tls;

import io.pgloom.config.TlsSettings;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

public final class TlsContexts {
    /** ALPN protocol name PostgreSQL 17 clients send with direct TLS. */
    public static final String ALPN = "postgresql";

    /** A ready SSLContext with the parameters to apply, and the certificates loaded (for expiry metrics). */
    public record ServerTls(SSLContext context, SSLParameters parameters, List<X509Certificate> certificates) {}

    private TlsContexts() {}

    public static ServerTls server(TlsSettings s) throws IOException {
        List<X509Certificate> chain = Pem.certificates(s.certFile());
        PrivateKey key = Pem.privateKey(s.keyFile());
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("pgloom", key, new char[0], chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            TrustManagerFactory tmf = null;
            List<X509Certificate> all = new ArrayList<>(chain);
            if (s.caFile() != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (X509Certificate c : Pem.certificates(s.caFile())) {
                    trust.setCertificateEntry("ca" + i++, c);
                    all.add(c);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            SSLParameters p = ctx.getDefaultSSLParameters();
            p.setProtocols(
                    s.minProtocol().equals("TLSv1.3") ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"});
            if (!s.ciphers().isEmpty()) p.setCipherSuites(s.ciphers().toArray(new String[0]));
            p.setApplicationProtocols(new String[] {ALPN});
            if (s.mode().clientCertificate()) p.setNeedClientAuth(true);
            else if (s.caFile() != null) p.setWantClientAuth(true); // a certificate, when offered, can serve hba "cert"
            return new ServerTls(ctx, p, all);
        } catch (GeneralSecurityException e) {
            throw new IOException(
                    "TLS material from " + s.certFile() + " / " + s.keyFile() + " is not usable: " + e.getMessage(), e);
        }
    }
}
