// Reads the LDAP options of an [[hba]] rule with method = "ldap" into LdapSettings, with PostgreSQL's checks: one of
// simple bind or search+bind, not both; ldapsearchattribute or ldapsearchfilter, not both; ldaps or StartTLS.
package io.pgloom.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

final class LdapRuleReader {
    private LdapRuleReader() {}

    static LdapSettings read(TomlTable t, Path dir, Function<String, String> environment) {
        List<String> servers = new ArrayList<>();
        if (!t.has("ldapserver")) {
            t.error("ldapserver", "is required for method \"ldap\" (the LDAP server's name or address)");
        } else if (t.raw("ldapserver") instanceof String one) {
            for (String s : one.trim().split("\\s+")) if (!s.isEmpty()) servers.add(s);
            t.markSeen("ldapserver");
        } else {
            servers.addAll(t.stringList("ldapserver"));
        }
        if (t.has("ldapserver") && servers.isEmpty()) t.error("ldapserver", "names no server");
        int port = (int) t.integer("ldapport", 0, 0, 65535);
        String scheme = t.string("ldapscheme", "ldap");
        if (!scheme.equals("ldap") && !scheme.equals("ldaps"))
            t.error("ldapscheme", "must be \"ldap\" or \"ldaps\" (got \"" + scheme + "\")");
        boolean ldaps = scheme.equals("ldaps");
        boolean startTls = t.bool("ldaptls", false);
        if (ldaps && startTls) t.error("ldaptls", "cannot be used with ldapscheme = \"ldaps\" (already TLS)");

        String prefix = t.string("ldapprefix", null);
        String suffix = t.string("ldapsuffix", null);
        String baseDn = t.string("ldapbasedn", null);
        String attribute = t.string("ldapsearchattribute", null);
        String filter = t.string("ldapsearchfilter", null);
        String bindDn = t.string("ldapbinddn", null);
        String bindPassword = ConfigLoader.secretText(t, dir, environment, "ldapbindpasswd");
        boolean simple = prefix != null || suffix != null;
        boolean search =
                baseDn != null || attribute != null || filter != null || bindDn != null || bindPassword != null;
        if (simple && search) {
            t.error(
                    "ldapprefix",
                    "cannot mix options for simple bind (ldapprefix, ldapsuffix) and search+bind (ldapbasedn, "
                            + "ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter)");
        } else if (!simple && baseDn == null) {
            t.error(
                    "ldapbasedn",
                    "method \"ldap\" needs ldapbasedn (search+bind) or ldapprefix/ldapsuffix (simple bind)");
        }
        if (attribute != null && filter != null)
            t.error("ldapsearchfilter", "give either ldapsearchattribute or ldapsearchfilter, not both");
        if (bindPassword != null && bindDn == null) t.error("ldapbindpasswd", "needs ldapbinddn");

        Path caFile = null;
        if (t.has("ldap_ca_file")) {
            caFile = dir.resolve(t.string("ldap_ca_file", ""));
            if (!Files.isReadable(caFile)) t.error("ldap_ca_file", "cannot read " + caFile);
            if (!ldaps && !startTls)
                t.error("ldap_ca_file", "is used only with ldapscheme = \"ldaps\" or ldaptls = true");
        }
        t.markSeen("ldap_ca_file");
        Duration timeout = t.seconds("ldap_timeout", Defaults.LDAP_TIMEOUT, 300);
        if (timeout.isZero()) t.error("ldap_timeout", "must be more than 0");
        boolean cleartext = t.bool("ldap_allow_cleartext_without_tls", false);
        return new LdapSettings(
                List.copyOf(servers),
                port,
                ldaps,
                startTls,
                simple ? (prefix == null ? "" : prefix) : null,
                simple ? (suffix == null ? "" : suffix) : null,
                simple ? null : baseDn,
                attribute == null && filter == null ? "uid" : attribute,
                filter,
                bindDn,
                bindPassword == null ? null : new Secret(bindPassword),
                caFile,
                timeout.isZero() ? Duration.ofSeconds(Defaults.LDAP_TIMEOUT) : timeout,
                cleartext);
    }
}
