// Authenticates a client against [users.NAME]: trust, md5 or SCRAM-SHA-256, chosen from auth_type and the kind
// of secret stored, as PostgreSQL chooses from pg_hba and the stored password. Unknown users go through a mock
// exchange so a guesser cannot tell a missing user from a wrong password.
package io.pgloom.session;

import io.pgloom.auth.AuthFailure;
import io.pgloom.auth.Md5;
import io.pgloom.auth.ScramServer;
import io.pgloom.auth.ScramVerifier;
import io.pgloom.auth.ldap.LdapAuthenticator;
import io.pgloom.config.AuthType;
import io.pgloom.config.HbaRule;
import io.pgloom.config.Secret;
import io.pgloom.config.UserConfig;
import io.pgloom.wire.BodyCursor;
import io.pgloom.wire.FrameReader;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSocket;
import jdk.net.ExtendedSocketOptions;

final class ClientAuth {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a successful login learned that a backend login may reuse. */
    record Result(String method, byte[] scramClientKey) {}

    private ClientAuth() {}

    /**
     * Authenticates by the first matching [[hba]] rule when there are rules (no match: rejected), else by auth_type.
     * {@code tlsPeerName} is the CN of a verified client certificate, or null.
     */
    static Result authenticate(ClientSession s, UserConfig cfg) throws IOException, SessionClosed {
        var c = s.runtime.config();
        byte[] binding = channelBinding(s);
        if (c.hba().isEmpty()) return authenticate(s.user, cfg, c.proxy().authType(), s.reader, s.out, binding);
        HbaRule rule = null;
        InetAddress source = s.unix() ? null : ((InetSocketAddress) s.socket.getRemoteSocketAddress()).getAddress();
        for (HbaRule r : c.hba()) {
            if (r.matches(s.database, s.user, source, s.tls)) {
                rule = r;
                break;
            }
        }
        if (rule == null) {
            throw SessionClosed.fatal(
                    "auth_failed",
                    SqlState.INVALID_AUTHORIZATION,
                    "no hba rule allows user \"" + s.user + "\" to database \"" + s.database + "\" from "
                            + s.remoteAddress + (s.tls ? " with TLS" : " without TLS"),
                    "auth_reason=no_hba_rule");
        }
        return switch (rule.method()) {
            case TRUST -> {
                if (cfg == null) throw failed(s.user, "unknown_user");
                yield new Result("trust", null);
            }
            case REJECT ->
                throw SessionClosed.fatal(
                        "auth_failed",
                        SqlState.INVALID_AUTHORIZATION,
                        "connection for user \"" + s.user + "\" to database \"" + s.database + "\" rejected by "
                                + rule.describe(),
                        "auth_reason=hba_reject " + rule.describe());
            case MD5 -> authenticate(s.user, cfg, AuthType.MD5, s.reader, s.out, binding);
            case SCRAM_SHA_256 -> authenticate(s.user, cfg, AuthType.SCRAM_SHA_256, s.reader, s.out, binding);
            case CERT -> certificate(s, cfg, rule);
            case LDAP -> ldap(s, rule);
            case PEER -> peer(s, cfg, rule);
        };
    }

    /**
     * peer: the operating-system user of the Unix-socket client's process (SO_PEERCRED, from the kernel) must be the
     * user it logs in as, and that user must have a [users.NAME] table (as trust needs).
     */
    private static Result peer(ClientSession s, UserConfig cfg, HbaRule rule) throws SessionClosed {
        String osUser;
        try {
            osUser = s.unix()
                    ? s.unixChannel
                            .getOption(ExtendedSocketOptions.SO_PEERCRED)
                            .user()
                            .getName()
                    : null;
        } catch (IOException | UnsupportedOperationException e) {
            osUser = null;
        }
        if (osUser == null) {
            throw SessionClosed.fatal(
                    "auth_failed",
                    SqlState.INVALID_AUTHORIZATION,
                    "Peer authentication failed for user \"" + s.user + "\": the client's operating-system user "
                            + "cannot be known (" + rule.describe() + ")",
                    "auth_reason=no_peer_credentials");
        }
        if (cfg == null || !osUser.equals(s.user)) {
            throw SessionClosed.fatal(
                    "auth_failed",
                    SqlState.INVALID_AUTHORIZATION,
                    "Peer authentication failed for user \"" + s.user + "\"",
                    "auth_reason=" + (cfg == null ? "unknown_user" : "peer_user_mismatch") + " os_user=" + osUser);
        }
        return new Result("peer", null);
    }

    /** ldap: the client's password, asked for in clear text (over TLS unless the rule allows), checked by LDAP. */
    private static Result ldap(ClientSession s, HbaRule rule) throws IOException, SessionClosed {
        if (!s.tls && !s.unix() && !rule.ldap().allowCleartextWithoutTls()) {
            throw SessionClosed.fatal(
                    "auth_failed",
                    SqlState.INVALID_AUTHORIZATION,
                    "LDAP authentication sends the password in clear text: connect with TLS (sslmode=require)",
                    "auth_reason=ldap_needs_tls " + rule.describe());
        }
        s.out.write(Messages.AUTH_CLEARTEXT);
        LdapAuthenticator.Result r = LdapAuthenticator.authenticate(rule.ldap(), s.user, readPassword(s.reader));
        s.runtime.metrics.ldapAuth.labels(r.outcome().label).inc();
        if (r.outcome() == LdapAuthenticator.Outcome.OK) return new Result("ldap", null);
        if (r.outcome().rejected()) {
            String reason = r.outcome() == LdapAuthenticator.Outcome.NO_SUCH_USER ? "unknown_user" : "wrong_password";
            throw SessionClosed.fatal(
                    "auth_failed",
                    SqlState.INVALID_PASSWORD,
                    "LDAP authentication failed for user \"" + s.user + "\"",
                    "auth_reason=" + reason + " " + r.detail());
        }
        throw SessionClosed.fatal(
                "ldap_unavailable",
                SqlState.SQLCLIENT_UNABLE_TO_ESTABLISH,
                "LDAP authentication for user \"" + s.user + "\" could not be completed: " + r.outcome().problem,
                "ldap_outcome=" + r.outcome().label + " " + rule.describe() + " " + r.detail());
    }

    /** cert: the verified client certificate's CN must be the user name. */
    private static Result certificate(ClientSession s, UserConfig cfg, HbaRule rule) throws SessionClosed {
        String cn = null;
        if (s.socket instanceof SSLSocket ssl) {
            try {
                var cert = (X509Certificate) ssl.getSession().getPeerCertificates()[0];
                for (var rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) cn = String.valueOf(rdn.getValue());
                }
            } catch (SSLPeerUnverifiedException | InvalidNameException e) {
                cn = null;
            }
        }
        if (cn == null) {
            throw SessionClosed.fatal(
                    "auth_failed",
                    SqlState.INVALID_AUTHORIZATION,
                    "certificate authentication failed for user \"" + s.user + "\": no verified client certificate ("
                            + rule.describe() + ")",
                    "auth_reason=no_client_certificate");
        }
        // The certificate names the user itself, or the name [users.NAME] cert_name maps to it.
        boolean matches =
                cfg != null && (cfg.certName() != null ? cfg.certName().equals(cn) : cn.equals(s.user));
        if (!matches) {
            throw SessionClosed.fatal(
                    "auth_failed",
                    SqlState.INVALID_AUTHORIZATION,
                    "certificate authentication failed for user \"" + s.user + "\"",
                    "auth_reason=certificate_name_mismatch cn=" + cn);
        }
        return new Result("cert", null);
    }

    /** tls-server-end-point data of pgloom's certificate on this TLS connection, or null (plaintext). */
    private static byte[] channelBinding(ClientSession s) {
        if (!(s.socket instanceof SSLSocket ssl)) return null;
        try {
            var local = ssl.getSession().getLocalCertificates();
            return local == null || local.length == 0 ? null : ScramServer.endpointHash((X509Certificate) local[0]);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    static Result authenticate(
            String user, UserConfig cfg, AuthType authType, FrameReader in, OutputStream out, byte[] channelBinding)
            throws IOException, SessionClosed {
        if (authType == AuthType.TRUST) {
            if (cfg == null) throw failed(user, "unknown_user");
            return new Result("trust", null);
        }
        Secret secret = cfg == null ? null : cfg.password();
        if (cfg != null && secret == null) {
            // A user without a password cannot log in with a password method (PostgreSQL behaves the same).
            throw failed(user, "no_password_configured");
        }
        boolean useScram = authType == AuthType.SCRAM_SHA_256 || (secret != null && secret.kind() == Secret.Kind.SCRAM);
        if (useScram && secret != null && secret.kind() == Secret.Kind.MD5) {
            // An MD5 hash cannot answer SCRAM; PostgreSQL refuses the same way.
            throw failed(user, "md5_secret_with_scram");
        }
        if (useScram) return scram(user, secret, in, out, channelBinding);
        return md5(user, secret, in, out);
    }

    private static Result md5(String user, Secret secret, FrameReader in, OutputStream out)
            throws IOException, SessionClosed {
        byte[] salt = new byte[4];
        RANDOM.nextBytes(salt);
        out.write(Messages.authMd5(salt));
        String response = readPassword(in);
        if (secret == null) throw failed(user, "unknown_user");
        String stored = secret.kind() == Secret.Kind.MD5 ? secret.reveal() : Md5.passwordHash(secret.reveal(), user);
        if (!Md5.verify(stored, salt, response)) throw failed(user, "wrong_password");
        return new Result("md5", null);
    }

    private static Result scram(String user, Secret secret, FrameReader in, OutputStream out, byte[] channelBinding)
            throws IOException, SessionClosed {
        // Unknown users get a mock exchange with a stable per-name salt and no key derivation, so a guesser can
        // tell neither that the user is missing nor that two users share a password (salts are per user).
        ScramServer server = secret == null
                ? ScramServer.forUnknownUser(user)
                : secret.kind() == Secret.Kind.SCRAM
                        ? new ScramServer(ScramVerifier.parse(secret.reveal()))
                        : ScramServer.forPassword(user, secret.reveal());
        server.bindTo(channelBinding);
        out.write(Messages.authSasl(server.offered()));
        try {
            expectPassword(in);
            BodyCursor body = in.body();
            String mechanism = body.cstring();
            int len = body.int32();
            byte[] first = len < 0 ? new byte[0] : body.bytes(len);
            if (!server.offered().contains(mechanism)) throw failed(user, "unsupported_sasl_mechanism");
            out.write(Messages.authSaslContinue(server.handleClientFirst(mechanism, first)));
            expectPassword(in);
            byte[] fin = server.handleClientFinal(in.body().rest());
            if (secret == null) throw failed(user, "unknown_user");
            out.write(Messages.authSaslFinal(fin));
            return new Result(
                    mechanism.equals(ScramServer.MECHANISM_PLUS) ? "scram-sha-256-plus" : "scram-sha-256",
                    server.clientKey());
        } catch (AuthFailure e) {
            // The mock exchange of a user not in the config ends in a bad proof too: that is no wrong password.
            if (secret == null && e.reason() == AuthFailure.Reason.BAD_PROOF) throw failed(user, "unknown_user");
            throw failed(user, e.reason() == AuthFailure.Reason.BAD_PROOF ? "wrong_password" : "bad_scram_message");
        }
    }

    private static String readPassword(FrameReader in) throws IOException, SessionClosed {
        expectPassword(in);
        return in.body().cstring();
    }

    private static void expectPassword(FrameReader in) throws IOException, SessionClosed {
        int t = in.next();
        if (t < 0) throw SessionClosed.quiet("client_eof", "client closed the connection during authentication");
        if (t != MessageType.PASSWORD) {
            throw SessionClosed.protocolViolation(
                    "expected a password response, got message type " + MessageType.printable(t));
        }
    }

    /** The reason goes to the log only; the client always sees PostgreSQL's own wording (28P01). */
    static SessionClosed failed(String user, String reason) {
        return SessionClosed.fatal(
                "auth_failed",
                SqlState.INVALID_PASSWORD,
                "password authentication failed for user \"" + user + "\"",
                "auth_reason=" + reason);
    }
}
