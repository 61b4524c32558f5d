// Coverage-guided fuzzing (Jazzer) of SqlClassifier's lexer over arbitrary bytes: it never throws, always ends,
// allocates nothing that grows with the input, and answers the same for the same text at another offset.
// Seeds (reads, writes, quotes, comments): run main() from the project root to rewrite them.
package io.pgloom.route;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pgloom.testkit.FuzzChecks;
import io.pgloom.testkit.FuzzSeeds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;

class SqlClassifierFuzzTest {
    @FuzzTest(maxDuration = "60s")
    @Timeout(10) // per input: a lexer loop that never ends is a finding
    void classify(byte[] input) throws Exception {
        byte[] shifted = new byte[input.length + 7];
        System.arraycopy(input, 0, shifted, 3, input.length);
        FuzzChecks.run(16 * 1024, t -> false, () -> {
            SqlClassifier.Kind a = SqlClassifierTest.CLASSIFIER.classify(input, 0, input.length);
            SqlClassifier.Kind b = SqlClassifierTest.CLASSIFIER.classify(shifted, 3, 3 + input.length);
            if (a != b) throw new AssertionError("offset changed the answer: " + a + " vs " + b);
        });
    }

    public static void main(String[] args) throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (String s : List.of(
                "SELECT count(*) FROM t WHERE k = $1",
                "SELECT * FROM t FOR UPDATE",
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "SELECT E'it\\'s', $q$ nextval( $q$, \"update\" /* INTO /* n */ */ -- x\n FROM t",
                "BEGIN READ ONLY; SELECT 1",
                "SET default_transaction_read_only = 'on'",
                "SELECT pg_catalog.now(), app.price(1), nextval('s')")) {
            seeds.add(s.getBytes(StandardCharsets.UTF_8));
        }
        FuzzSeeds.write(SqlClassifierFuzzTest.class, "classify", seeds);
    }
}
