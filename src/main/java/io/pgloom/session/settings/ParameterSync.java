// Keeps a client's settings (its startup parameters, then what it SET) true on whichever server it is linked to:
// compares what the client wants with what the server has, including what earlier clients left there, and sends
// one batch for the differences before the client's own traffic. The base is the server's own login values.
package io.pgloom.session.settings;

import io.pgloom.pool.ServerConn;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SessionClosed;
import io.pgloom.wire.SqlState;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

public final class ParameterSync {
    private ParameterSync() {}

    /** Startup keys that are not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("user", "database", "options", "replication");

    /** Canonical spellings of reported settings whose ParameterStatus name is mixed-case. */
    private static final Map<String, String> CANONICAL =
            Map.of("datestyle", "DateStyle", "timezone", "TimeZone", "intervalstyle", "IntervalStyle");

    /**
     * Reported parameters that describe the server or the login rather than a setting a client chooses: never
     * carried from client to client, never reset (PostgreSQL refuses to change them). session_authorization is not
     * one: a superuser client's SET SESSION AUTHORIZATION is carried, and reset before another client.
     */
    private static final Set<String> FIXED =
            Set.of("server_version", "server_encoding", "integer_datetimes", "in_hot_standby", "is_superuser");

    /** Whether a reported parameter is a setting of the client's own, which follows it to every server. */
    public static boolean carried(String name) {
        return !FIXED.contains(name);
    }

    static String canonical(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return CANONICAL.getOrDefault(lower, lower);
    }

    /** The settings a client asked for in its startup packet, including -c/-- pairs inside options. */
    public static Map<String, String> wantedFrom(Map<String, String> startup) throws SessionClosed {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : startup.entrySet()) {
            String k = e.getKey();
            if (NOT_SETTINGS.contains(k) || k.startsWith("_pq_.")) continue;
            put(wanted, k, e.getValue());
        }
        String options = startup.get("options");
        if (options != null) parseOptions(options, wanted);
        return wanted;
    }

    /** [A-Za-z_][A-Za-z0-9_.]*, checked by hand: every login checks each of its startup parameters. */
    static boolean isSettingName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
            if (!letter && (i == 0 || !(c >= '0' && c <= '9' || c == '.'))) return false;
        }
        return true;
    }

    private static void put(Map<String, String> wanted, String name, String value) throws SessionClosed {
        if (!isSettingName(name)) {
            throw SessionClosed.fatal(
                    "bad_startup_parameter",
                    SqlState.PROTOCOL_VIOLATION,
                    "invalid configuration parameter name \"" + name + "\"",
                    "startup parameter name rejected");
        }
        wanted.put(canonical(name), value);
    }

    /** libpq's options syntax: whitespace-separated, backslash escapes a space; "-c name=value" or "--name=value". */
    static void parseOptions(String options, Map<String, String> wanted) throws SessionClosed {
        List<String> tokens = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean escaped = false;
        for (int i = 0; i < options.length(); i++) {
            char ch = options.charAt(i);
            if (escaped) {
                cur.append(ch);
                escaped = false;
            } else if (ch == '\\') {
                escaped = true;
            } else if (Character.isWhitespace(ch)) {
                if (!cur.isEmpty()) tokens.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (!cur.isEmpty()) tokens.add(cur.toString());
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            String pair;
            if (t.equals("-c") && i + 1 < tokens.size()) pair = tokens.get(++i);
            else if (t.startsWith("-c")) pair = t.substring(2);
            else if (t.startsWith("--")) pair = t.substring(2);
            else
                throw SessionClosed.fatal(
                        "bad_startup_parameter",
                        SqlState.FEATURE_NOT_SUPPORTED,
                        "unsupported startup option \"" + t + "\": only -c name=value is supported",
                        "options rejected");
            int eq = pair.indexOf('=');
            if (eq <= 0)
                throw SessionClosed.fatal(
                        "bad_startup_parameter",
                        SqlState.SYNTAX_ERROR,
                        "-c " + pair + " requires a value",
                        "options rejected");
            put(wanted, pair.substring(0, eq).replace('-', '_'), pair.substring(eq + 1));
        }
    }

    /**
     * What the server should have: the client's settings, with the client's address appended to application_name
     * when application_name_add_host is on (so pg_stat_activity shows who sent each statement).
     */
    static Map<String, String> target(Map<String, String> wanted, String hostSuffix) {
        if (hostSuffix == null) return wanted;
        Map<String, String> t = new LinkedHashMap<>(wanted);
        t.put("application_name", t.getOrDefault("application_name", "") + hostSuffix);
        return t;
    }

    /** Target settings by content, so that equal ones are one object (bounded: cleared when it grows too big). */
    private static final ConcurrentHashMap<Map<String, String>, Map<String, String>> INTERNED =
            new ConcurrentHashMap<>();

    /** The one shared immutable copy of these settings. */
    static Map<String, String> interned(Map<String, String> target) {
        Map<String, String> copy = Map.copyOf(target);
        if (INTERNED.size() > 10_000) INTERNED.clear(); // existing copies stay valid; only sharing restarts
        Map<String, String> known = INTERNED.putIfAbsent(copy, copy);
        return known != null ? known : copy;
    }

    /**
     * The statements making the server match, or null when it already does: set_config for what differs (it parses
     * a value as a startup parameter or current_setting() gives it, so a list such as search_path survives), RESET
     * for what an earlier client changed and this one does not ask for. RESET goes back to the server's login value.
     */
    static String diff(Map<String, String> wanted, ServerConn s) {
        StringBuilder sets = null;
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            String k = e.getKey(), v = e.getValue();
            String requested = s.unreportedSets.get(k);
            boolean same = requested != null ? requested.equals(v) : v.equals(s.parameters.get(k));
            if (same) continue;
            sets = sets == null ? new StringBuilder(64).append("SELECT ") : sets.append(", ");
            sets.append("set_config(")
                    .append(literal(k))
                    .append(", ")
                    .append(literal(v))
                    .append(", false)");
        }
        StringBuilder sql = sets == null ? null : sets.append(';');
        for (String k : s.unreportedSets.keySet()) {
            if (!wanted.containsKey(k)) sql = reset(sql, k);
        }
        Map<String, String> login = s.loginParameters();
        for (Map.Entry<String, String> e : s.parameters.entrySet()) {
            String k = e.getKey();
            if (wanted.containsKey(k) || !carried(k) || s.unreportedSets.containsKey(k)) continue;
            String base = login.get(k);
            if (base != null && !base.equals(e.getValue())) sql = reset(sql, k);
        }
        return sql == null ? null : sql.toString();
    }

    private static StringBuilder reset(StringBuilder sql, String name) {
        return (sql == null ? new StringBuilder(64) : sql)
                .append("RESET ")
                .append(name)
                .append(';');
    }

    static String literal(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    /**
     * Brings an unshared (not yet pumping) server in line with the client. Swallows the replies; a setting the
     * server rejects ends the session with the server's own error, as PostgreSQL would at startup. {@code wanted}
     * is interned ({@link ClientSettings#target}): a server already known to have exactly these settings (it
     * served a client with the same ones, and nothing changed them since) costs one comparison.
     */
    public static void apply(Map<String, String> wanted, ServerConn s) throws IOException, SessionClosed {
        if (s.settingsMatch == wanted) return;
        String sql = diff(wanted, s);
        if (sql == null) {
            s.settingsMatch = wanted;
            return;
        }
        s.out.write(Messages.query(sql));
        ErrorResponses.Fields error = null;
        while (true) {
            int t = s.reader.next();
            if (t < 0) throw new EOFException("server closed the connection");
            if (t == MessageType.PARAMETER_STATUS) {
                var body = s.reader.body();
                String name = body.cstring();
                s.reported(name, body.cstring());
            } else if (t == MessageType.ERROR_RESPONSE && error == null) {
                error = ErrorResponses.parse(s.reader.buffer(), s.reader.bodyStart(), s.reader.bodyLength());
            } else if (t == MessageType.READY_FOR_QUERY) {
                break;
            }
        }
        if (error != null) {
            throw SessionClosed.fatal(
                    "bad_startup_parameter",
                    error.sqlState() != null ? error.sqlState() : SqlState.PROTOCOL_VIOLATION,
                    error.message(),
                    "server rejected a startup parameter");
        }
        s.unreportedSets.keySet().retainAll(wanted.keySet());
        wanted.forEach(s.unreportedSets::put);
        s.settingsMatch = wanted;
    }
}
