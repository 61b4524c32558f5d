// Decides, from a query's text alone, whether it may run on a standby: a small hand-written SQL lexer (comments,
// nested block comments, quoted identifiers, string literals with E'' escapes, dollar quotes) over the UTF-8 bytes
// of a Query or Parse message, allocation-free. Anything it cannot prove read-only is UNCERTAIN: the primary's.
package io.pgloom.route;

import java.nio.charset.StandardCharsets;

public final class SqlClassifier {
    /** What a query string asks for, as far as routing cares. */
    public enum Kind {
        /** Only plain SELECT/VALUES/TABLE/SHOW statements calling allow-listed functions: a standby may run it. */
        READ,
        /** Starts a transaction that is read-only (BEGIN READ ONLY, or BEGIN then SET TRANSACTION READ ONLY). */
        BEGIN_READ_ONLY,
        /** Starts a transaction without saying it is read-only: its statements are not known yet, the primary's. */
        BEGIN,
        /** Turns the session's default_transaction_read_only on (SET ... = on, SET SESSION CHARACTERISTICS). */
        DEFAULT_READ_ONLY_ON,
        /** Turns it off (or RESETs it, or RESET ALL). */
        DEFAULT_READ_ONLY_OFF,
        /** Another SET or RESET: changes only the session's settings (pgloom carries them to any server). */
        SESSION,
        /** Certainly writes or locks: INSERT/UPDATE/DELETE/MERGE, DDL, SELECT INTO, FOR UPDATE/SHARE, writable CTE. */
        WRITE,
        /** Anything else: functions off the allow-list, BEGIN, SET, unknown commands, text that does not lex. */
        UNCERTAIN
    }

    private final FunctionAllowList functions;

    public SqlClassifier(FunctionAllowList functions) {
        this.functions = functions;
    }

    // ---- token types ----
    private static final int EOF = 0, WORD = 1, QUOTED = 2, LITERAL = 3, NUMBER = 4, PARAM = 5, OPEN = 6, CLOSE = 7;
    private static final int SEMI = 8, DOT = 9, CAST = 10, COMMA = 11, OTHER = 12, BAD = 13;

    /** Lexer state over one input; reused within one classify call only (no allocation beyond this). */
    private static final class Lexer {
        final byte[] b;
        final int end;
        int pos;
        int type;
        int start, stop; // the token's bytes (a quoted identifier without its quotes)

        Lexer(byte[] b, int off, int end) {
            this.b = b;
            this.pos = off;
            this.end = end;
        }

        /** Advances to the next token; BAD for text that does not lex (unterminated quote or comment). */
        int next() {
            if (!skipSpaceAndComments()) return type = BAD;
            if (pos >= end) return type = EOF;
            start = pos;
            int c = b[pos] & 0xff;
            if (c == '\'') return quoted('\'', false);
            if (c == '"') {
                int t = quoted('"', false);
                if (t == LITERAL) {
                    start++;
                    stop = pos - 1;
                    return type = QUOTED;
                }
                return t;
            }
            if ((c == 'e' || c == 'E') && pos + 1 < end && b[pos + 1] == '\'') {
                pos++;
                return quoted('\'', true);
            }
            if ((c == 'u' || c == 'U')
                    && pos + 2 < end
                    && b[pos + 1] == '&'
                    && (b[pos + 2] == '\'' || b[pos + 2] == '"')) {
                pos += 2;
                boolean ident = b[pos] == '"';
                int t = quoted(b[pos], false);
                return t == LITERAL && ident ? (type = QUOTED) : t;
            }
            if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N')
                    && pos + 1 < end
                    && b[pos + 1] == '\'') {
                pos++;
                return quoted('\'', false);
            }
            if (identStart(c)) {
                pos++;
                while (pos < end && identPart(b[pos] & 0xff)) pos++;
                stop = pos;
                return type = WORD;
            }
            if (c >= '0' && c <= '9') {
                while (pos < end && (identPart(b[pos] & 0xff) || b[pos] == '.')) pos++;
                stop = pos;
                return type = NUMBER;
            }
            pos++;
            stop = pos;
            switch (c) {
                case '$' -> {
                    if (pos < end && b[pos] >= '0' && b[pos] <= '9') {
                        while (pos < end && b[pos] >= '0' && b[pos] <= '9') pos++;
                        stop = pos;
                        return type = PARAM;
                    }
                    return dollarQuoted();
                }
                case '(' -> {
                    return type = OPEN;
                }
                case ')' -> {
                    return type = CLOSE;
                }
                case ';' -> {
                    return type = SEMI;
                }
                case ',' -> {
                    return type = COMMA;
                }
                case '.' -> {
                    return type = DOT;
                }
                case ':' -> {
                    if (pos < end && b[pos] == ':') {
                        pos++;
                        stop = pos;
                        return type = CAST;
                    }
                    return type = OTHER;
                }
                default -> {
                    return type = OTHER;
                }
            }
        }

        /** Skips whitespace, -- line comments and nested block comments; false when a block comment never ends. */
        private boolean skipSpaceAndComments() {
            while (pos < end) {
                int c = b[pos];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b) {
                    pos++;
                } else if (c == '-' && pos + 1 < end && b[pos + 1] == '-') {
                    while (pos < end && b[pos] != '\n' && b[pos] != '\r') pos++;
                } else if (c == '/' && pos + 1 < end && b[pos + 1] == '*') {
                    int depth = 1;
                    pos += 2;
                    while (depth > 0) {
                        if (pos + 1 >= end) {
                            pos = end;
                            return false;
                        }
                        if (b[pos] == '*' && b[pos + 1] == '/') {
                            depth--;
                            pos += 2;
                        } else if (b[pos] == '/' && b[pos + 1] == '*') {
                            depth++;
                            pos += 2;
                        } else {
                            pos++;
                        }
                    }
                } else {
                    return true;
                }
            }
            return true;
        }

        /** A '...' literal or "..." identifier from pos (at the quote); doubled quotes escape, and \ in E''. */
        private int quoted(int q, boolean backslash) {
            pos++;
            while (pos < end) {
                int c = b[pos];
                if (backslash && c == '\\') {
                    pos += 2;
                    continue;
                }
                pos++;
                if (c == q) {
                    if (pos < end && b[pos] == q) {
                        pos++;
                        continue;
                    }
                    stop = pos;
                    return type = LITERAL;
                }
            }
            pos = end;
            return type = BAD;
        }

        /** $tag$...$tag$ (pos just past the first $); a lone $ that opens no quote is an operator character. */
        private int dollarQuoted() {
            int tagStart = pos;
            if (pos < end && identStart(b[pos] & 0xff)) {
                while (pos < end && b[pos] != '$' && identPart(b[pos] & 0xff) && b[pos] != '$') pos++;
            }
            if (pos >= end || b[pos] != '$') {
                pos = tagStart;
                return type = OTHER;
            }
            int tagLen = pos - tagStart;
            pos++;
            while (pos < end) {
                if (b[pos] == '$' && pos + tagLen + 1 < end + 1 && matches(tagStart, pos + 1, tagLen)) {
                    if (pos + 1 + tagLen < end && b[pos + 1 + tagLen] == '$') {
                        pos += tagLen + 2;
                        stop = pos;
                        return type = LITERAL;
                    }
                }
                pos++;
            }
            return type = BAD;
        }

        private boolean matches(int a, int at, int len) {
            if (at + len > end) return false;
            for (int i = 0; i < len; i++) if (b[a + i] != b[at + i]) return false;
            return true;
        }

        /** Whether the current WORD is this keyword (upper-case ASCII), case-insensitively. */
        boolean is(byte[] kw) {
            return type == WORD && equalsUpper(b, start, stop, kw);
        }

        /** Whether b[start, stop) is the upper-case ASCII word kw, case-insensitively. */
        static boolean equalsUpper(byte[] b, int start, int stop, byte[] kw) {
            if (stop - start != kw.length) return false;
            for (int i = 0; i < kw.length; i++) {
                int c = b[start + i];
                if (c >= 'a' && c <= 'z') c -= 32;
                if (c != kw[i]) return false;
            }
            return true;
        }
    }

    static boolean identStart(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80;
    }

    static boolean identPart(int c) {
        return identStart(c) || c >= '0' && c <= '9' || c == '$';
    }

    private static byte[] kw(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] SELECT = kw("SELECT"), WITH = kw("WITH"), VALUES = kw("VALUES"), TABLE = kw("TABLE");
    private static final byte[] SHOW = kw("SHOW"), BEGIN = kw("BEGIN"), START = kw("START"), SET = kw("SET");
    private static final byte[] RESET = kw("RESET"), READ = kw("READ"), ONLY = kw("ONLY"), WRITE = kw("WRITE");
    private static final byte[] TRANSACTION = kw("TRANSACTION"), SESSION = kw("SESSION"), LOCAL = kw("LOCAL");
    private static final byte[] CHARACTERISTICS = kw("CHARACTERISTICS"), ALL = kw("ALL"), TO = kw("TO");
    private static final byte[] DEFAULT_RO = kw("DEFAULT_TRANSACTION_READ_ONLY"), FOR = kw("FOR"), INTO = kw("INTO");
    private static final byte[] UPDATE = kw("UPDATE"), SHARE = kw("SHARE"), NO = kw("NO"), KEY = kw("KEY");
    private static final byte[] INSERT = kw("INSERT"), DELETE = kw("DELETE"), MERGE = kw("MERGE"), AS = kw("AS");
    private static final byte[] PG_CATALOG = kw("PG_CATALOG"), RECURSIVE = kw("RECURSIVE");
    private static final byte[] ON = kw("ON"), TRUE = kw("TRUE"), YES = kw("YES"), DEFAULT = kw("DEFAULT");
    /** Statements that always write or need the primary (DDL, DML, maintenance, LISTEN/NOTIFY, locks). */
    private static final byte[][] WRITES = {
        INSERT,
        UPDATE,
        DELETE,
        MERGE,
        kw("CREATE"),
        kw("ALTER"),
        kw("DROP"),
        kw("TRUNCATE"),
        kw("COPY"),
        kw("GRANT"),
        kw("REVOKE"),
        kw("COMMENT"),
        kw("VACUUM"),
        kw("ANALYZE"),
        kw("CLUSTER"),
        kw("REINDEX"),
        kw("REFRESH"),
        kw("LOCK"),
        kw("CALL"),
        kw("DO"),
        kw("NOTIFY"),
        kw("LISTEN"),
        kw("SECURITY"),
        kw("IMPORT"),
        kw("REASSIGN"),
        kw("CHECKPOINT")
    };
    /** Keywords a '(' may follow without being a function call. */
    private static final byte[][] NOT_CALLS = {
        kw("IN"),
        kw("EXISTS"),
        kw("ANY"),
        ALL,
        kw("SOME"),
        VALUES,
        kw("OVER"),
        kw("FILTER"),
        kw("WITHIN"),
        ON,
        kw("USING"),
        kw("FROM"),
        kw("JOIN"),
        kw("WHERE"),
        kw("AND"),
        kw("OR"),
        kw("NOT"),
        SELECT,
        kw("BY"),
        kw("WHEN"),
        kw("THEN"),
        kw("ELSE"),
        kw("CASE"),
        kw("IS"),
        kw("LATERAL"),
        kw("ROW"),
        kw("ARRAY"),
        WITH,
        AS,
        kw("RECURSIVE"),
        kw("DISTINCT"),
        kw("UNION"),
        kw("INTERSECT"),
        kw("EXCEPT"),
        kw("HAVING"),
        kw("LIMIT"),
        kw("OFFSET"),
        kw("SETS"),
        kw("CUBE"),
        kw("ROLLUP"),
        kw("MATERIALIZED"),
        kw("LIKE"),
        kw("ILIKE"),
        kw("BETWEEN"),
        kw("ESCAPE"),
        kw("AT"),
        kw("ZONE"),
        kw("RETURNING"),
        kw("ORDER"),
        kw("PARTITION"),
        kw("GROUP"),
        kw("WINDOW"),
        kw("CAST"),
        kw("ELSE"),
        kw("END"),
        kw("ASC"),
        kw("DESC"),
        kw("NULLS")
    };

    private static boolean any(Lexer l, byte[][] words) {
        for (byte[] w : words) if (l.is(w)) return true;
        return false;
    }

    /** Classifies the UTF-8 query text in [off, end) (one Query message's text, or a Parse message's). */
    public Kind classify(byte[] buf, int off, int end) {
        Lexer l = new Lexer(buf, off, end); // never escapes: the JIT may scalar-replace it
        Kind result = null;
        while (true) {
            int t = l.next();
            if (t == BAD) return Kind.UNCERTAIN;
            if (t == EOF) break;
            if (t == SEMI) continue; // empty statement
            Kind k = statement(l);
            if (k == Kind.WRITE) return Kind.WRITE;
            if (l.type == BAD) return Kind.UNCERTAIN;
            if (result == null) {
                result = k;
            } else if (result == Kind.BEGIN_READ_ONLY || result == Kind.BEGIN && k == Kind.BEGIN_READ_ONLY) {
                result = Kind.BEGIN_READ_ONLY; // what follows runs in a read-only transaction
            } else if (result == Kind.BEGIN) {
                // a transaction that did not say it is read-only: stays the primary's
            } else if ((result == Kind.READ || result == Kind.SESSION) && (k == Kind.READ || k == Kind.SESSION)) {
                result = result == Kind.SESSION && k == Kind.SESSION ? Kind.SESSION : Kind.READ;
            } else {
                result = Kind.UNCERTAIN;
            }
        }
        return result == null ? Kind.UNCERTAIN : result;
    }

    /** One statement from its first token (current) up to its ';' or the end; the lexer ends on SEMI, EOF or BAD. */
    private Kind statement(Lexer l) {
        if (l.type == OPEN || l.is(SELECT) || l.is(WITH) || l.is(VALUES) || l.is(TABLE)) return query(l);
        if (l.is(SHOW)) return rest(l, Kind.READ);
        if (l.is(BEGIN) || l.is(START)) return begin(l);
        if (l.is(SET)) return set(l);
        if (l.is(RESET)) {
            l.next();
            boolean ours = l.is(DEFAULT_RO) || l.is(ALL);
            return rest(l, ours ? Kind.DEFAULT_READ_ONLY_OFF : Kind.SESSION);
        }
        if (any(l, WRITES)) return rest(l, Kind.WRITE);
        return rest(l, Kind.UNCERTAIN);
    }

    /** Skips to the statement's end; BAD text makes any statement UNCERTAIN. */
    private static Kind rest(Lexer l, Kind k) {
        while (l.type != SEMI && l.type != EOF) {
            if (l.type == BAD || l.next() == BAD) return Kind.UNCERTAIN;
        }
        return k;
    }

    /** BEGIN / START TRANSACTION with its modes: READ ONLY makes it a read-only transaction, unless READ WRITE follows. */
    private static Kind begin(Lexer l) {
        return modes(l, Kind.BEGIN_READ_ONLY, Kind.BEGIN);
    }

    /** SET default_transaction_read_only, SET TRANSACTION READ ONLY, SET SESSION CHARACTERISTICS AS TRANSACTION. */
    private Kind set(Lexer l) {
        l.next();
        if (l.is(SESSION)) {
            l.next();
            if (l.is(CHARACTERISTICS)) {
                l.next();
                if (!l.is(AS)) return rest(l, Kind.UNCERTAIN);
                l.next();
                return transactionModes(l, Kind.DEFAULT_READ_ONLY_ON, Kind.DEFAULT_READ_ONLY_OFF);
            }
        } else if (l.is(LOCAL)) {
            return rest(l, Kind.SESSION); // only this transaction: nothing to remember
        }
        if (l.is(TRANSACTION)) return transactionModes(l, Kind.BEGIN_READ_ONLY, Kind.UNCERTAIN);
        if (!l.is(DEFAULT_RO)) return rest(l, Kind.SESSION);
        l.next();
        if (!(l.is(TO) || l.type == OTHER && l.stop - l.start == 1 && l.b[l.start] == '='))
            return rest(l, Kind.UNCERTAIN);
        if (l.next() == BAD) return Kind.UNCERTAIN;
        Kind k;
        if (l.is(ON) || l.is(TRUE) || l.is(YES)) k = Kind.DEFAULT_READ_ONLY_ON;
        else if (l.is(DEFAULT)) k = Kind.DEFAULT_READ_ONLY_OFF;
        else if (l.type == LITERAL || l.type == NUMBER) k = literalBoolean(l);
        else k = Kind.DEFAULT_READ_ONLY_OFF; // off, false, no
        l.next();
        if (l.type != SEMI && l.type != EOF) return rest(l, Kind.UNCERTAIN);
        return k;
    }

    /** 'on', '1', 1, 'true' ... turn it on; anything else off. */
    private static Kind literalBoolean(Lexer l) {
        int s = l.start, e = l.stop;
        if (l.type == LITERAL) {
            s++;
            e--;
        }
        int n = e - s;
        if (n <= 0) return Kind.DEFAULT_READ_ONLY_OFF;
        int c = l.b[s] | 0x20;
        boolean on = c == '1' && n == 1
                || c == 't' && n <= 4
                || c == 'y' && n <= 3
                || c == 'o' && n == 2 && (l.b[s + 1] | 0x20) == 'n';
        return on ? Kind.DEFAULT_READ_ONLY_ON : Kind.DEFAULT_READ_ONLY_OFF;
    }

    /** TRANSACTION [ISOLATION ...] READ ONLY|WRITE ... (current token: TRANSACTION). */
    private static Kind transactionModes(Lexer l, Kind readOnly, Kind otherwise) {
        return l.is(TRANSACTION) ? modes(l, readOnly, otherwise) : rest(l, Kind.UNCERTAIN);
    }

    /** Transaction modes up to the statement's end: the last READ ONLY / READ WRITE decides. */
    private static Kind modes(Lexer l, Kind readOnly, Kind otherwise) {
        Kind k = otherwise;
        while (l.next() != SEMI && l.type != EOF) {
            if (l.type == BAD) return Kind.UNCERTAIN;
            if (l.is(READ)) {
                if (l.next() == BAD) return Kind.UNCERTAIN;
                if (l.is(ONLY)) k = readOnly;
                else if (l.is(WRITE)) k = otherwise;
                if (l.type == SEMI || l.type == EOF) break;
            }
        }
        return k;
    }

    /**
     * SELECT / WITH / VALUES / TABLE / parenthesised query: READ unless a word shows a write (INSERT, UPDATE,
     * DELETE, MERGE anywhere: a writable CTE; INTO; FOR UPDATE/SHARE/NO KEY UPDATE/KEY SHARE) or a function call is
     * off the allow-list.
     */
    private Kind query(Lexer l) {
        Kind k = Kind.READ;
        // The last three tokens: "q.f(" is a qualified call; "::t(" and "AS t(" are type modifiers or column lists.
        int p1 = OTHER, p2 = OTHER, p3 = OTHER;
        int p1Start = 0, p1Stop = 0, p2Start = 0, p2Stop = 0, p3Start = 0, p3Stop = 0;
        boolean p1As = false, p1For = false, p2As = false;
        int t = l.type;
        while (t != SEMI && t != EOF) {
            if (t == BAD) return Kind.UNCERTAIN;
            if (t == WORD) {
                if (l.is(INSERT) || l.is(UPDATE) || l.is(DELETE) || l.is(MERGE) || l.is(INTO))
                    return rest(l, Kind.WRITE);
                if (p1For && (l.is(SHARE) || l.is(NO) || l.is(KEY))) return rest(l, Kind.WRITE);
            } else if (t == OPEN && (p1 == WORD || p1 == QUOTED) && k == Kind.READ) {
                boolean quoted = p1 == QUOTED;
                if (p2 == DOT) {
                    boolean catalog = p3 == WORD && Lexer.equalsUpper(l.b, p3Start, p3Stop, PG_CATALOG);
                    boolean allowed = catalog
                            ? functions.contains(l.b, p1Start, p1Stop, quoted)
                            : p3 == WORD
                                    && !quoted
                                    && functions.containsQualified(l.b, p3Start, p3Stop, p1Start, p1Stop);
                    if (!allowed) k = Kind.UNCERTAIN;
                } else if (p2 == CAST
                        || p2As
                        || p2 == WORD
                                && (Lexer.equalsUpper(l.b, p2Start, p2Stop, WITH)
                                        || Lexer.equalsUpper(l.b, p2Start, p2Stop, RECURSIVE))
                        || !quoted && (p1As || p1For || isNotCall(l.b, p1Start, p1Stop))) {
                    // a type modifier, a column alias list, the first CTE's column list or a keyword, not a call
                } else if (!functions.contains(l.b, p1Start, p1Stop, quoted)) {
                    k = Kind.UNCERTAIN;
                }
            }
            p3 = p2;
            p3Start = p2Start;
            p3Stop = p2Stop;
            p2 = p1;
            p2Start = p1Start;
            p2Stop = p1Stop;
            p2As = p1As;
            p1 = t;
            p1Start = l.start;
            p1Stop = l.stop;
            p1As = l.is(AS);
            p1For = l.is(FOR);
            t = l.next();
        }
        return k;
    }

    private static boolean isNotCall(byte[] b, int start, int stop) {
        for (byte[] w : NOT_CALLS) if (Lexer.equalsUpper(b, start, stop, w)) return true;
        return false;
    }
}
