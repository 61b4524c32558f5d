// Escaping a client's user name before it goes into LDAP: RFC 4515 for a search filter value, RFC 4514 for an
// attribute value inside a DN, so a name such as "*)(uid=*" is a literal name and never a filter or a DN part.
package io.pgloom.auth.ldap;

public final class LdapEscape {
    private LdapEscape() {}

    /** RFC 4515 section 3: '*', '(', ')', '\' and NUL as a backslash and two hex digits; the rest as is. */
    public static String filterValue(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '*' -> b.append("\\2a");
                case '(' -> b.append("\\28");
                case ')' -> b.append("\\29");
                case '\\' -> b.append("\\5c");
                case '\0' -> b.append("\\00");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * RFC 4514 section 2.4: '"', '+', ',', ';', '<', '>', '\' (and '=') get a backslash; a leading '#' or space and
     * a trailing space too; NUL becomes \00.
     */
    public static String dnValue(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"', '+', ',', ';', '<', '>', '\\', '=' -> b.append('\\').append(c);
                case '\0' -> b.append("\\00");
                case '#' -> b.append(i == 0 ? "\\#" : "#");
                case ' ' -> b.append(i == 0 || i == s.length() - 1 ? "\\ " : " ");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** ldapsearchfilter with every "$username" replaced by the escaped name, as PostgreSQL does (escaping added). */
    public static String filter(String template, String user) {
        return template.replace("$username", filterValue(user));
    }
}
