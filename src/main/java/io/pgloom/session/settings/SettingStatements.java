// Which session settings a statement changes, read from its text: SET [SESSION] name {TO|=} ..., the special forms
// (SET TIME ZONE, NAMES, SCHEMA, ROLE, XML OPTION) and set_config('name', ..., false). pgloom carries those to every
// server the client lands on; what it cannot name (SET SESSION AUTHORIZATION, set_config with a computed name)
// stays session state it only detects. Called for statements that already look like a SET: never on the common path.
package io.pgloom.session.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class SettingStatements {
    private SettingStatements() {}

    private static final List<String> NONE = List.of();

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_$]*(\\.[a-z_][a-z0-9_$]*)?");
    /** SET forms whose setting is named by keywords rather than by its name. */
    private static final Map<String, String> SPECIAL = Map.of(
            "time zone",
            "TimeZone",
            "names",
            "client_encoding",
            "schema",
            "search_path",
            "role",
            "role",
            "xml option",
            "xmloption");
    /** set_config('name', value, is_local): the name when it is a literal; is_local must not be true. */
    private static final Pattern SET_CONFIG = Pattern.compile(
            "set_config\\s*\\(\\s*('(?:[^']|'')*'|[^,)]*)\\s*," + "(?:[^,']|'(?:[^']|'')*')*,\\s*([^)]*)\\)");

    /**
     * The names (canonical spelling) the statement sets for the rest of the session. Empty for anything else,
     * including SET LOCAL, SET TRANSACTION and SET CONSTRAINTS (they end with the transaction); null for a change
     * pgloom cannot name.
     */
    public static List<String> changed(String stmt) {
        if (stmt.startsWith("set ") || stmt.startsWith("set\t") || stmt.startsWith("set\n"))
            return ofSet(stmt.substring(4).strip());
        if (!stmt.contains("set_config")) return NONE;
        List<String> names = new ArrayList<>(1);
        Matcher m = SET_CONFIG.matcher(stmt);
        boolean found = false;
        while (m.find()) {
            found = true;
            String local = m.group(2).strip();
            if (local.equals("true") || local.equals("'t'") || local.equals("'true'")) continue;
            String arg = m.group(1).strip();
            if (!arg.startsWith("'")) return null; // a computed name: cannot say which setting
            String name = arg.substring(1, arg.length() - 1).replace("''", "'");
            if (!NAME.matcher(name).matches()) return null;
            names.add(ParameterSync.canonical(name));
        }
        if (!found) return null; // set_config called in a way this does not read: cannot say what it sets
        return names.isEmpty() ? NONE : names;
    }

    private static List<String> ofSet(String rest) {
        if (rest.startsWith("local ") || rest.startsWith("transaction ") || rest.startsWith("constraints "))
            return NONE;
        if (rest.startsWith("session ")) {
            rest = rest.substring(8).strip();
            if (rest.startsWith("authorization ")) return List.of("session_authorization");
            if (rest.startsWith("characteristics ")) return null;
        }
        for (Map.Entry<String, String> e : SPECIAL.entrySet()) {
            String k = e.getKey();
            if (rest.startsWith(k) && rest.length() > k.length() && Character.isWhitespace(rest.charAt(k.length()))) {
                return List.of(e.getValue());
            }
        }
        int end = 0;
        while (end < rest.length() && !Character.isWhitespace(rest.charAt(end)) && rest.charAt(end) != '=') end++;
        String name = rest.substring(0, end);
        if (name.length() > 2 && name.startsWith("\"") && name.endsWith("\""))
            name = name.substring(1, name.length() - 1);
        return NAME.matcher(name).matches() ? List.of(ParameterSync.canonical(name)) : null;
    }
}
