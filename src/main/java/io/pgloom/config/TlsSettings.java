// The [tls] table: TLS towards clients. mode: disable | allow | prefer | require | verify-ca | verify-full.
package io.pgloom.config;

import java.nio.file.Path;
import java.util.List;

public record TlsSettings(
        TlsMode mode, Path certFile, Path keyFile, Path caFile, String minProtocol, List<String> ciphers) {
    public enum TlsMode {
        /** SSLRequest is answered 'N'. */
        DISABLE,
        /** TLS when the client asks, plaintext otherwise (allow and prefer behave alike on the server side). */
        ALLOW,
        PREFER,
        /** Plaintext clients are refused. */
        REQUIRE,
        /** TLS required and the client must present a certificate signed by ca_file. */
        VERIFY_CA,
        VERIFY_FULL;

        public boolean enabled() {
            return this != DISABLE;
        }

        public boolean required() {
            return this == REQUIRE || this == VERIFY_CA || this == VERIFY_FULL;
        }

        public boolean clientCertificate() {
            return this == VERIFY_CA || this == VERIFY_FULL;
        }
    }

    /** [server_tls]: TLS towards PostgreSQL, libpq's sslmode words. */
    public record Server(ServerMode mode, Path caFile, Path certFile, Path keyFile) {
        public enum ServerMode {
            DISABLE,
            PREFER,
            REQUIRE,
            VERIFY_CA,
            VERIFY_FULL
        }

        public static Server disabled() {
            return new Server(ServerMode.DISABLE, null, null, null);
        }
    }

    public static TlsSettings disabled() {
        return new TlsSettings(TlsMode.DISABLE, null, null, null, "TLSv1.2", List.of());
    }
}
