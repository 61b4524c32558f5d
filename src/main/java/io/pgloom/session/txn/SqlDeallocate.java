// Recognises a query text that is exactly one SQL `DEALLOCATE [PREPARE] { name | ALL }` (psycopg and PHP PDO
// drop statements this way), with PostgreSQL's identifier rules: unquoted names fold to lower case, "quoted" ones
// keep case and "" stands for ". Anything else (several statements, U&"..." names) is not recognised.
package io.pgloom.session.txn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

final class SqlDeallocate {
    private SqlDeallocate() {}

    /** What a recognised statement drops: one statement by the client's name, or all of them (name == null). */
    record Target(String name) {
        boolean all() {
            return name == null;
        }
    }

    private static final byte[] DEALLOCATE = "deallocate".getBytes(StandardCharsets.US_ASCII);

    /** Cheap pre-check on the hot path: the text, after blanks and comments, starts with the word DEALLOCATE. */
    static boolean startsWithDeallocate(byte[] b, int off, int end) {
        int p = skipBlanks(b, off, end);
        return matchesWord(b, p, end, DEALLOCATE);
    }

    /** The statement's target, or null when [off, end) is not exactly one plain DEALLOCATE statement. */
    static Target parse(byte[] b, int off, int end) {
        int p = skipBlanks(b, off, end);
        if (!matchesWord(b, p, end, DEALLOCATE)) return null;
        p = skipBlanks(b, p + DEALLOCATE.length, end);
        Word first = word(b, p, end);
        if (first == null) return null;
        p = skipBlanks(b, first.end, end);
        Word target = first;
        if (!first.quoted && first.text.equals("prepare") && p < end && b[p] != ';') {
            // DEALLOCATE PREPARE name: the keyword is noise (but "DEALLOCATE prepare" names a statement "prepare").
            target = word(b, p, end);
            if (target == null) return null;
            p = skipBlanks(b, target.end, end);
        }
        if (p < end && b[p] == ';') p = skipBlanks(b, p + 1, end);
        if (p != end) return null; // more than one statement, or trailing words
        return !target.quoted && target.text.equals("all") ? new Target(null) : new Target(target.text);
    }

    private record Word(String text, boolean quoted, int end) {}

    /** An identifier at p: unquoted (folded to lower case) or double-quoted; null for anything else. */
    private static Word word(byte[] b, int p, int end) {
        if (p >= end) return null;
        if (b[p] == '"') {
            ByteArrayOutputStream name = new ByteArrayOutputStream();
            int i = p + 1;
            while (i < end) {
                if (b[i] == '"') {
                    if (i + 1 < end && b[i + 1] == '"') {
                        name.write('"');
                        i += 2;
                        continue;
                    }
                    if (name.size() == 0) return null; // "" is a zero-length identifier: PostgreSQL rejects it
                    return new Word(name.toString(StandardCharsets.UTF_8), true, i + 1);
                }
                name.write(b[i++]);
            }
            return null;
        }
        if (!identStart(b[p])) return null;
        if ((b[p] == 'u' || b[p] == 'U') && p + 1 < end && b[p + 1] == '&') return null; // U&"..." escapes
        int i = p + 1;
        while (i < end && (identStart(b[i]) || b[i] >= '0' && b[i] <= '9' || b[i] == '$')) i++;
        byte[] folded = new byte[i - p];
        for (int k = 0; k < folded.length; k++) {
            byte c = b[p + k];
            folded[k] = c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c; // PostgreSQL folds ASCII letters only
        }
        return new Word(new String(folded, StandardCharsets.UTF_8), false, i);
    }

    private static boolean identStart(byte c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (c & 0x80) != 0;
    }

    private static boolean matchesWord(byte[] b, int p, int end, byte[] lowerWord) {
        int n = lowerWord.length;
        if (end - p < n) return false;
        for (int i = 0; i < n; i++) if ((b[p + i] | 0x20) != lowerWord[i]) return false;
        if (p + n == end) return true;
        byte after = b[p + n];
        return !(identStart(after) || after >= '0' && after <= '9' || after == '$');
    }

    /** Skips whitespace, -- line comments and (nested) block comments. */
    static int skipBlanks(byte[] b, int p, int end) {
        while (p < end) {
            byte x = b[p];
            if (x == ' ' || x == '\t' || x == '\n' || x == '\r' || x == '\f') {
                p++;
            } else if (x == '-' && p + 1 < end && b[p + 1] == '-') {
                while (p < end && b[p] != '\n') p++;
            } else if (x == '/' && p + 1 < end && b[p + 1] == '*') {
                int depth = 1;
                p += 2;
                while (p < end && depth > 0) {
                    if (b[p] == '*' && p + 1 < end && b[p + 1] == '/') {
                        depth--;
                        p += 2;
                    } else if (b[p] == '/' && p + 1 < end && b[p + 1] == '*') {
                        depth++;
                        p += 2;
                    } else {
                        p++;
                    }
                }
            } else {
                break;
            }
        }
        return p;
    }
}
