// One [[hba]] rule, pg_hba.conf-style: which connections it matches (database, user, source CIDR, TLS or not, or
// the Unix-domain socket for type "local") and the authentication method for them (with its LDAP options for
// method = "ldap"). The first matching rule decides.
package io.pgloom.config;

import java.net.InetAddress;
import java.util.List;

public record HbaRule(
        int number,
        List<String> databases,
        List<String> users,
        String address,
        byte[] network,
        int prefix,
        ConnectionType type,
        Method method,
        LdapSettings ldap) {
    public enum ConnectionType {
        ANY,
        TLS,
        PLAIN,
        /** Unix-domain socket clients only (pg_hba's local); every other type matches TCP clients only. */
        LOCAL
    }

    public enum Method {
        TRUST,
        REJECT,
        MD5,
        SCRAM_SHA_256,
        CERT,
        LDAP,
        /** The Unix-socket client's operating-system user (SO_PEERCRED) must be the user it logs in as. */
        PEER
    }

    /** {@code source} is the client's address, null for a client of the Unix-domain socket. */
    public boolean matches(String database, String user, InetAddress source, boolean tls) {
        if (type == ConnectionType.LOCAL != (source == null)) return false;
        if (type == ConnectionType.TLS && !tls || type == ConnectionType.PLAIN && tls) return false;
        if (!databases.contains("all") && !databases.contains(database)) return false;
        if (!users.contains("all") && !users.contains(user)) return false;
        return network == null || source != null && inNetwork(source.getAddress());
    }

    private boolean inNetwork(byte[] ip) {
        return io.pgloom.util.Cidr.contains(network, prefix, ip);
    }

    /** How a log line names the rule. */
    public String describe() {
        return "hba rule #" + number + " (database " + databases + ", user " + users + ", address " + address + ", "
                + type.name().toLowerCase() + " -> "
                + method.name().toLowerCase().replace('_', '-') + ")";
    }
}
