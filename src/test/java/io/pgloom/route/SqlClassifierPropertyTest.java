// Property test of SqlClassifier over generated SQL (fixed seeds, so a failure replays): reads built from allowed
// calls, literals, quoted identifiers, dollar quotes and comments that contain write keywords stay READ; the same
// reads with one write or unknown call added outside the quotes never do; no prefix of a read is a WRITE.
package io.pgloom.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.route.SqlClassifier.Kind;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SqlClassifierPropertyTest {
    private static final String[] DANGER = {
        "INSERT",
        "update",
        "DELETE",
        "merge",
        "INTO",
        "FOR UPDATE",
        "FOR SHARE",
        "nextval(",
        "f(",
        ";",
        "$$",
        "'",
        "\"",
        "*/",
        "/*",
        "--",
        "\\"
    };
    private static final String[] CALLS = {"count(*)", "max(v)", "lower(s)", "coalesce(a, 1)", "now()", "abs(-1)"};

    /** Text a lexer must skip: each hides a dangerous word in a literal, an identifier, a dollar quote or a comment. */
    private static String hidden(Random r) {
        String w = DANGER[r.nextInt(DANGER.length)];
        return switch (r.nextInt(6)) {
            case 0 -> "'" + w.replace("'", "''") + "'";
            case 1 -> "E'" + w.replace("\\", "\\\\").replace("'", "\\'") + "'";
            case 2 -> "\"" + w.replace("\"", "\"\"") + "\"";
            case 3 -> {
                String tag = "$t" + r.nextInt(3) + "$";
                yield tag + w.replace("$", "") + tag;
            }
            case 4 -> "/* " + w.replace("*/", "").replace("/*", "") + " /* nested */ */ 1";
            default -> "1 -- " + w + "\n";
        };
    }

    private static String space(Random r) {
        return List.of(" ", "  ", "\n", "\t", " /* c */ ", " -- c\n").get(r.nextInt(6));
    }

    private static String cased(Random r, String s) {
        return r.nextBoolean() ? s.toLowerCase() : s;
    }

    static String read(Random r) {
        StringBuilder sb = new StringBuilder(cased(r, "SELECT")).append(space(r));
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(',').append(space(r));
            sb.append(r.nextBoolean() ? CALLS[r.nextInt(CALLS.length)] : hidden(r));
        }
        sb.append(space(r)).append(cased(r, "FROM")).append(" t");
        if (r.nextBoolean()) sb.append(space(r)).append(cased(r, "WHERE")).append(" k = $1");
        return sb.toString();
    }

    @Test
    void readsStayReadsAndAddedWritesAreSeen() {
        Random r = new Random(21);
        for (int i = 0; i < 20_000; i++) {
            String read = read(r);
            Kind k = SqlClassifierTest.kind(read);
            assertTrue(k == Kind.READ, "a read: " + read + " -> " + k);
            String write = switch (r.nextInt(5)) {
                case 0 -> read + " FOR UPDATE";
                case 1 -> read + space(r) + cased(r, "FOR NO KEY UPDATE");
                case 2 -> "WITH d AS (DELETE FROM t RETURNING *)" + space(r) + read;
                case 3 -> read.replaceFirst("FROM t|from t", "FROM t JOIN u ON nextval('s') > 0");
                default -> read + "; INSERT INTO t VALUES (1)";
            };
            assertNotEquals(Kind.READ, SqlClassifierTest.kind(write), write);
            for (int cut = 0; cut < read.length(); cut += 1 + r.nextInt(8)) {
                String prefix = read.substring(0, cut);
                assertNotEquals(Kind.WRITE, SqlClassifierTest.kind(prefix), "a prefix of a read: " + prefix);
            }
        }
    }

    @Test
    void arbitraryBytesNeverThrowAndAnswerTheSameTwice() {
        Random r = new Random(2121);
        SqlClassifier c = SqlClassifierTest.CLASSIFIER;
        byte[] alphabet = "SELECT INSERT FOR UPDATE ()$'\"E\\;-/*.:,\n abc019".getBytes();
        for (int i = 0; i < 50_000; i++) {
            byte[] b = new byte[r.nextInt(40)];
            for (int j = 0; j < b.length; j++)
                b[j] = r.nextInt(4) == 0 ? (byte) r.nextInt(256) : alphabet[r.nextInt(alphabet.length)];
            assertEquals(c.classify(b, 0, b.length), c.classify(b, 0, b.length));
        }
    }
}
