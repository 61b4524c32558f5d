// [[hba]] method = "ldap": the options read as PostgreSQL names them, their defaults, the bind password as a secret
// (inline, _env or _file, never shown), and PostgreSQL's refusals of mixed or incomplete modes, naming the key.
package io.pgloom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LdapConfigTest {
    @TempDir
    Path dir;

    private Path write(String toml) throws Exception {
        Path f = dir.resolve("proxy.toml");
        Files.writeString(f, toml);
        return f;
    }

    private LdapSettings rule(String keys) throws Exception {
        return ConfigLoader.load(
                        write("[[hba]]\nmethod = \"ldap\"\n" + keys), v -> v.equals("BINDPW") ? "s3cret" : null)
                .hba()
                .get(0)
                .ldap();
    }

    private String error(String keys) throws Exception {
        Path f = write("[[hba]]\nmethod = \"ldap\"\n" + keys);
        return assertThrows(ConfigError.class, () -> ConfigLoader.load(f, v -> null))
                .getMessage();
    }

    @Test
    void simpleBindWithDefaults() throws Exception {
        LdapSettings l = rule("ldapserver = \"ldap1 ldap2\"\nldapprefix = \"uid=\"\nldapsuffix = \",dc=x\"\n");
        assertEquals(List.of("ldap1", "ldap2"), l.servers());
        assertFalse(l.searchBind());
        assertEquals(389, l.effectivePort());
        assertFalse(l.ldaps() || l.startTls() || l.allowCleartextWithoutTls());
        assertEquals(Duration.ofSeconds(5), l.timeout());
        assertEquals("uid=", l.prefix());
    }

    @Test
    void searchBindWithTheBindPasswordAsASecret() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        LdapSettings l = rule("""
                ldapserver = ["ldap.example.com"]
                ldapscheme = "ldaps"
                ldapbasedn = "ou=people,dc=x"
                ldapbinddn = "cn=reader,dc=x"
                ldapbindpasswd_env = "BINDPW"
                ldap_ca_file = "ca.pem"
                ldap_timeout = 2.5
                ldap_allow_cleartext_without_tls = true
                """);
        assertTrue(l.searchBind());
        assertEquals(636, l.effectivePort());
        assertEquals("uid", l.searchAttribute());
        assertEquals("s3cret", l.bindPassword().reveal());
        assertFalse(l.toString().contains("s3cret"));
        assertEquals(ca, l.caFile());
        assertEquals(Duration.ofMillis(2500), l.timeout());
        assertTrue(l.allowCleartextWithoutTls());
    }

    @Test
    void postgresqlsRefusalsNameTheKey() throws Exception {
        assertTrue(error("ldapprefix = \"uid=\"\n").contains("hba[1].ldapserver: is required"));
        assertTrue(error("ldapserver = \"h\"\n").contains("hba[1].ldapbasedn"));
        assertTrue(error("ldapserver = \"h\"\nldapprefix = \"uid=\"\nldapbasedn = \"dc=x\"\n")
                .contains("cannot mix options for simple bind"));
        assertTrue(error("ldapserver = \"h\"\nldapbasedn = \"dc=x\"\nldapsearchattribute = \"cn\"\n"
                        + "ldapsearchfilter = \"(cn=$username)\"\n")
                .contains("ldapsearchfilter: give either"));
        assertTrue(error("ldapserver = \"h\"\nldapprefix = \"u=\"\nldapscheme = \"ldaps\"\nldaptls = true\n")
                .contains("hba[1].ldaptls: cannot be used with ldapscheme"));
        assertTrue(error("ldapserver = \"h\"\nldapprefix = \"u=\"\nldapscheme = \"ldapx\"\n")
                .contains("hba[1].ldapscheme: must be"));
        assertTrue(error("ldapserver = \"h\"\nldapbasedn = \"dc=x\"\nldapbindpasswd = \"p\"\n")
                .contains("ldapbindpasswd: needs ldapbinddn"));
        String two =
                error("ldapserver = \"h\"\nldapbasedn = \"dc=x\"\nldapbinddn = \"cn=r\"\nldapbindpasswd = \"pw-xyz\"\n"
                        + "ldapbindpasswd_env = \"NOPE\"\n");
        assertTrue(two.contains("give only one of ldapbindpasswd"), two);
        assertFalse(two.contains("pw-xyz"), "the secret never shows in an error");
        assertTrue(error("ldapserver = \"h\"\nldapprefix = \"u=\"\nldap_ca_file = \"missing.pem\"\n")
                .contains("ldap_ca_file: cannot read"));
        // LDAP options belong to ldap rules only.
        Path f = write("[[hba]]\nmethod = \"md5\"\nldapserver = \"h\"\n");
        assertTrue(assertThrows(ConfigError.class, () -> ConfigLoader.load(f))
                .getMessage()
                .contains("ldapserver"));
        assertNull(ConfigLoader.load(write("[[hba]]\nmethod = \"md5\"\n"))
                .hba()
                .get(0)
                .ldap());
    }
}
