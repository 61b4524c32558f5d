// RFC 4515 filter-value and RFC 4514 DN-value escaping of user names bound for LDAP.
package io.pgloom.auth.ldap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.junit.jupiter.api.Test;

class LdapEscapeTest {
    @Test
    void filterMetacharactersBecomeHexEscapes() {
        assertEquals("\\2a\\29\\28uid=\\2a", LdapEscape.filterValue("*)(uid=*"));
        assertEquals("a\\5cb\\00c", LdapEscape.filterValue("a\\b\0c"));
        assertEquals("josé", LdapEscape.filterValue("josé"));
        assertEquals(
                "(&(objectClass=person)(uid=al\\2a))",
                LdapEscape.filter("(&(objectClass=person)(uid=$username))", "al*"));
    }

    @Test
    void dnValuesRoundTripThroughTheJdkParser() throws Exception {
        for (String name : new String[] {"we*)(ird,x", "a+b=c", " lead", "trail ", "#hash", "q\"<>;\\", "plain"}) {
            String escaped = LdapEscape.dnValue(name);
            LdapName dn = new LdapName("uid=" + escaped + ",ou=people,dc=example,dc=org");
            assertEquals(4, dn.size(), name + " stays one RDN: " + escaped);
            Rdn rdn = dn.getRdn(dn.size() - 1);
            assertEquals("uid", rdn.getType());
            assertEquals(name, rdn.getValue(), escaped);
        }
        assertEquals("x\\,ou\\=admins", LdapEscape.dnValue("x,ou=admins"));
    }
}
