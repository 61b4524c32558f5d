// The LDAP options of one [[hba]] rule with method = "ldap", named as in PostgreSQL's pg_hba.conf: simple bind
// (ldapprefix + user + ldapsuffix) or search+bind (ldapbasedn with ldapsearchattribute or ldapsearchfilter).
package io.pgloom.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

public record LdapSettings(
        List<String> servers,
        int port,
        boolean ldaps,
        boolean startTls,
        String prefix,
        String suffix,
        String baseDn,
        String searchAttribute,
        String searchFilter,
        String bindDn,
        Secret bindPassword,
        Path caFile,
        Duration timeout,
        boolean allowCleartextWithoutTls) {

    /** search+bind when a base DN is given, else simple bind. */
    public boolean searchBind() {
        return baseDn != null;
    }

    /** ldapport, else 636 for ldaps and 389 for ldap. */
    public int effectivePort() {
        return port != 0 ? port : ldaps ? 636 : 389;
    }

    @Override
    public String toString() {
        return "LdapSettings[servers=" + servers + ", port=" + effectivePort() + ", ldaps=" + ldaps + ", starttls="
                + startTls + ", search_bind=" + searchBind() + "]";
    }
}
