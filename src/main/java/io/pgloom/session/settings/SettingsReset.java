// Transaction mode: RESET ALL, DISCARD ALL, RESET name and SET name TO DEFAULT put settings back to what the
// client asked for at startup in PostgreSQL, but to pgloom's neutral login values on a pooled server. This notes
// such statements, marks what the server now has as unknown, and on the client's next link brings back its
// startup values and shows it their ParameterStatus (asyncpg's pool sends RESET ALL on every release).
package io.pgloom.session.settings;

import io.pgloom.pool.ServerConn;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class SettingsReset {
    /** Stands for "reset, value unknown" in a server's unreportedSets: equals no real value, so it is set again. */
    static final String UNKNOWN = "\u0000reset";

    private static final String ALL = "*";
    private static final Pattern RESET = Pattern.compile("(?s)(?:reset\\s+(\\S+)|discard\\s+(all)"
            + "|set\\s+(?:session\\s+)?([a-z_][a-z0-9_.]*)\\s*(?:=|\\bto\\b)\\s*default)\\s*");

    /** The client's settings from its startup packet: what RESET brings back in PostgreSQL. */
    volatile Map<String, String> startup = Map.of();
    /** Names reset since the last link (ALL for everything); guarded by the link lock. */
    private final Set<String> pending = new HashSet<>();
    /** Whether pending has anything: the common link finds nothing without taking the lock. */
    volatile boolean anyPending;

    /** What a lower-cased, stripped statement resets: a canonical setting name, ALL, or null. */
    public static String scope(String stmt) {
        Matcher m = RESET.matcher(stmt);
        if (!m.matches()) return null;
        if (m.group(2) != null) return ALL;
        String name = m.group(1) != null ? m.group(1) : m.group(3);
        if (name.equals("all")) return ALL;
        if (name.startsWith("\"") && name.endsWith("\"") && name.length() > 2)
            name = name.substring(1, name.length() - 1);
        return ParameterSync.canonical(name);
    }

    /** Whether a query (server_reset_query) puts every setting back to the server's login values. */
    public static boolean resetsAll(String sql) {
        String st = sql.strip().toLowerCase(Locale.ROOT);
        while (st.endsWith(";")) st = st.substring(0, st.length() - 1).strip();
        return !st.contains(";") && ALL.equals(scope(st));
    }

    /**
     * A reset is on its way to the server (link lock held): what pgloom set there is unknown from now on (if the
     * statement fails, nothing is lost: the next link sets it again), and the client's startup value comes back.
     */
    public void note(ServerConn server, String scope) {
        if (server != null) {
            server.settingsMatch = null;
            for (Map.Entry<String, String> e : server.unreportedSets.entrySet()) {
                if (scope.equals(ALL) || e.getKey().equals(scope)) e.setValue(UNKNOWN);
            }
        }
        pending.add(scope);
        anyPending = true;
    }

    /**
     * On a new link, before ParameterSync: the reset settings are the startup ones again. Returns the names whose
     * value the client must be shown once the server has them (it was shown the server's neutral values).
     */
    Set<String> restore(ClientSettings s) {
        if (pending.isEmpty()) return Set.of();
        Set<String> names = new HashSet<>();
        for (String scope : pending) {
            if (scope.equals(ALL)) {
                names.addAll(s.names());
                names.addAll(startup.keySet());
            } else {
                names.add(scope);
            }
        }
        pending.clear();
        anyPending = false;
        for (String n : names) {
            String v = startup.get(n);
            if (v != null) s.want(n, v);
            else s.unwant(n);
        }
        names.retainAll(startup.keySet());
        return names;
    }
}
