// Transaction mode: reads the session-level statements in a client's query text. Settings changes (SET,
// set_config) and resets go to SettingsReadback / SettingsReset, which carry them; state pgloom cannot carry (a SET
// it cannot name, LISTEN, session advisory locks, WITH HOLD cursors, temporary tables, SQL-level PREPARE) is counted
// per database and kind, and each kind logged once per client with its id so an operator can find the culprit.
// Byte-level pre-check: no allocation for ordinary statements.
package io.pgloom.session.txn;

import io.pgloom.pool.ServerConn;
import io.pgloom.session.settings.SettingStatements;
import io.pgloom.session.settings.SettingsReset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.tinylog.Logger;

public final class SessionStateDetector {
    public enum Kind {
        SET,
        LISTEN,
        ADVISORY_LOCK,
        WITH_HOLD_CURSOR,
        TEMP_TABLE,
        PREPARE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** (database, kind) → count; read by SHOW and /metrics. */
    public static final Map<String, Map<Kind, LongAdder>> COUNTS = new ConcurrentHashMap<>();

    private SessionStateDetector() {}

    /** Checks the query text of a Query or Parse body range; reports what it finds, notes settings resets. */
    static void inspect(TxnClient s, ServerConn server, byte[] buf, int off, int end) {
        if (!mayChangeSession(buf, off, end)) return;
        if (server != null) server.settingsMatch = null; // a SET, RESET or DISCARD may change what it has
        String text = new String(buf, off, end - off, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        for (String stmt : text.split(";")) {
            String st = stmt.strip();
            String reset = SettingsReset.scope(st);
            if (reset != null) {
                s.settings().resets.note(server, reset);
                continue;
            }
            List<String> settings = SettingStatements.changed(st);
            if (settings == null) {
                report(s, Kind.SET);
                continue;
            }
            for (String name : settings) s.settings().readback.note(server, name);
            Kind k = classify(st);
            if (k != null) report(s, k);
        }
    }

    /**
     * Byte-level pre-check, so ordinary statements (SELECT, INSERT, ...) cost a few comparisons: only a statement
     * starting with one of these words, or mentioning set_config or advisory locks, is looked at closely.
     */
    static boolean mayChangeSession(byte[] buf, int off, int end) {
        if (mentionsSetConfigOrAdvisoryLock(buf, off, end)) return true;
        int p = off;
        while (p < end) {
            p = skipSpaceAndComments(buf, p, end);
            if (startsWithWord(buf, p, end, "set")
                    || startsWithWord(buf, p, end, "listen")
                    || startsWithWord(buf, p, end, "prepare")
                    || startsWithWord(buf, p, end, "declare")
                    || startsWithWord(buf, p, end, "create")
                    || startsWithWord(buf, p, end, "reset")
                    || startsWithWord(buf, p, end, "discard")) {
                return true;
            }
            while (p < end && buf[p] != ';') p++; // next statement of a multi-statement query
            p++;
        }
        return false;
    }

    private static boolean startsWithWord(byte[] b, int p, int end, String word) {
        int n = word.length();
        if (end - p < n + 1) return false;
        for (int i = 0; i < n; i++) if ((b[p + i] | 0x20) != word.charAt(i)) return false;
        byte after = b[p + n];
        return after == ' ' || after == '\t' || after == '\n' || after == '\r';
    }

    private static final byte[] ADVISORY = "advisory_lock".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SET_CONFIG = "set_config".getBytes(StandardCharsets.US_ASCII);

    /** One pass over the text for the two words worth a closer look anywhere in a statement (any case). */
    private static boolean mentionsSetConfigOrAdvisoryLock(byte[] b, int off, int end) {
        for (int i = off; i < end; i++) {
            if (b[i] != '_') continue;
            if (matchesIgnoreCase(b, i - 3, end, SET_CONFIG) || matchesIgnoreCase(b, i - 8, end, ADVISORY)) return true;
        }
        return false;
    }

    private static boolean matchesIgnoreCase(byte[] b, int p, int end, byte[] lowerWord) {
        if (p < 0 || end - p < lowerWord.length) return false;
        for (int j = 0; j < lowerWord.length; j++) if ((b[p + j] | 0x20) != (lowerWord[j] | 0x20)) return false;
        return true;
    }

    private static final Pattern TEMP_TABLE =
            Pattern.compile("(?s)create\\s+(global\\s+|local\\s+)?temp(orary)?\\s+.*");

    /** The kind of session state a lower-cased, stripped statement creates that pgloom does not carry, or null. */
    static Kind classify(String stmt) {
        if (stmt.startsWith("listen ")) return Kind.LISTEN;
        if (stmt.startsWith("prepare ")) return Kind.PREPARE;
        if (stmt.startsWith("declare ") && stmt.contains(" with hold")) return Kind.WITH_HOLD_CURSOR;
        if (TEMP_TABLE.matcher(stmt).matches()) return Kind.TEMP_TABLE;
        if ((stmt.contains("pg_advisory_lock") || stmt.contains("pg_try_advisory_lock"))) return Kind.ADVISORY_LOCK;
        return null;
    }

    private static void report(TxnClient s, Kind k) {
        s.sessionState(k);
        COUNTS.computeIfAbsent(s.database(), d -> new ConcurrentHashMap<>())
                .computeIfAbsent(k, x -> new LongAdder())
                .increment();
        if (s.firstReport(k)) {
            Logger.warn(
                    "event=session_state_in_transaction_mode client={} user={} database={} application_name={} "
                            + "remote={}:{} kind={} hint=\"this state does not follow the client to the next server; use session "
                            + "pool_mode for this client or SET LOCAL\"",
                    s,
                    s.user(),
                    s.database(),
                    s.applicationName(),
                    s.remoteAddress(),
                    s.remotePort(),
                    k.label());
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
}
