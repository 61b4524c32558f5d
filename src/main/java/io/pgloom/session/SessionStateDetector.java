// Transaction mode cannot carry session state from one transaction to the next server. This spots the statements
// that create it (SET outside the settings pgloom carries itself, LISTEN, session advisory locks, WITH HOLD
// cursors, temporary tables, SQL-level PREPARE) from the query text, counts them per database and kind, and logs
// each kind once per client with its id so an operator can find the culprit. Byte-level scan, no allocation for
// ordinary statements.
package io.pgloom.session;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.tinylog.Logger;

final class SessionStateDetector {
    enum Kind { SET, LISTEN, ADVISORY_LOCK, WITH_HOLD_CURSOR, TEMP_TABLE, PREPARE;
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Settings pgloom re-applies on every server (ParameterStatus-reported): SET of these is safe. */
    private static final Set<String> CARRIED = Set.of("client_encoding", "datestyle", "timezone", "intervalstyle",
            "standard_conforming_strings", "application_name", "extra_float_digits");
    /** Drivers set extra_float_digits right after login (pgjdbc does): pgloom carries it like a startup setting. */
    private static final java.util.regex.Pattern EXTRA_FLOAT_DIGITS =
            java.util.regex.Pattern.compile("set\\s+(session\\s+)?extra_float_digits\\s*(=|to)\\s*'?(-?\\d+)'?");

    /** (database, kind) → count; read by SHOW and /metrics. */
    static final Map<String, Map<Kind, LongAdder>> COUNTS = new ConcurrentHashMap<>();

    private SessionStateDetector() {}

    /** Checks the query text of a Query or Parse body range; reports what it finds, notes settings resets. */
    static void inspect(ClientSession s, io.pgloom.pool.ServerConn server, byte[] buf, int off, int end) {
        // Byte-level pre-check, so ordinary statements (SELECT, INSERT, ...) cost a few comparisons: only a
        // statement starting with one of these words, or mentioning advisory locks, is looked at closely.
        boolean candidate = contains(buf, off, end, ADVISORY);
        int p = off;
        while (!candidate && p < end) {
            p = skipSpaceAndComments(buf, p, end);
            if (startsWithWord(buf, p, end, "set") || startsWithWord(buf, p, end, "listen")
                    || startsWithWord(buf, p, end, "prepare") || startsWithWord(buf, p, end, "declare")
                    || startsWithWord(buf, p, end, "create") || startsWithWord(buf, p, end, "reset")
                    || startsWithWord(buf, p, end, "discard")) {
                candidate = true;
                break;
            }
            while (p < end && buf[p] != ';') p++; // next statement of a multi-statement query
            p++;
        }
        if (!candidate) return;
        if (server != null) server.settingsMatch = null; // a SET, RESET or DISCARD may change what it has
        String text = new String(buf, off, end - off, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        for (String stmt : text.split(";")) {
            String st = stmt.strip();
            java.util.regex.Matcher m = EXTRA_FLOAT_DIGITS.matcher(st);
            if (m.matches()) s.want("extra_float_digits", m.group(3));
            String reset = SettingsReset.scope(st);
            if (reset != null) {
                s.resets.note(server, reset);
                continue;
            }
            Kind k = classify(st);
            if (k != null) report(s, k);
        }
    }

    private static boolean startsWithWord(byte[] b, int p, int end, String word) {
        int n = word.length();
        if (end - p < n + 1) return false;
        for (int i = 0; i < n; i++) if ((b[p + i] | 0x20) != word.charAt(i)) return false;
        byte after = b[p + n];
        return after == ' ' || after == '\t' || after == '\n' || after == '\r';
    }

    private static final byte[] ADVISORY = "advisory_lock".getBytes(StandardCharsets.US_ASCII);
    private static final java.util.regex.Pattern TEMP_TABLE =
            java.util.regex.Pattern.compile("(?s)create\\s+(global\\s+|local\\s+)?temp(orary)?\\s+.*");

    static Kind classify(String stmt) {
        if (stmt.startsWith("set ")) {
            String rest = stmt.substring(4).strip();
            if (rest.startsWith("local ") || rest.startsWith("transaction ") || rest.startsWith("constraints ")) return null;
            if (rest.startsWith("session ")) rest = rest.substring(8).strip();
            if (rest.startsWith("characteristics ") || rest.startsWith("authorization ")) return Kind.SET;
            String name = rest.split("[\\s=]", 2)[0];
            return CARRIED.contains(name) ? null : Kind.SET;
        }
        if (stmt.startsWith("listen ")) return Kind.LISTEN;
        if (stmt.startsWith("prepare ")) return Kind.PREPARE;
        if (stmt.startsWith("declare ") && stmt.contains(" with hold")) return Kind.WITH_HOLD_CURSOR;
        if (TEMP_TABLE.matcher(stmt).matches()) return Kind.TEMP_TABLE;
        if ((stmt.contains("pg_advisory_lock") || stmt.contains("pg_try_advisory_lock"))) return Kind.ADVISORY_LOCK;
        return null;
    }

    private static void report(ClientSession s, Kind k) {
        COUNTS.computeIfAbsent(s.database, d -> new ConcurrentHashMap<>()).computeIfAbsent(k, x -> new LongAdder()).increment();
        if (s.reportedStateKinds.add(k)) {
            Logger.warn("event=session_state_in_transaction_mode client={} user={} database={} application_name=\"{}\" "
                    + "remote={}:{} kind={} hint=\"this state does not follow the client to the next server; use session "
                    + "pool_mode for this client or SET LOCAL\"", s, s.user, s.database, s.applicationName,
                    s.remoteAddress, s.remotePort, k.label());
        }
    }

    public static long count(String database, Kind k) {
        Map<Kind, LongAdder> m = COUNTS.get(database);
        LongAdder a = m == null ? null : m.get(k);
        return a == null ? 0 : a.sum();
    }

    /** Blanks and comments, and the parentheses a statement may open with ("(SELECT ...)"). */
    private static int skipSpaceAndComments(byte[] b, int p, int end) {
        while (true) {
            p = SqlDeallocate.skipBlanks(b, p, end);
            if (p >= end || b[p] != '(') return p;
            p++;
        }
    }

    private static boolean contains(byte[] b, int off, int end, byte[] needle) {
        outer:
        for (int i = off; i <= end - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (b[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
