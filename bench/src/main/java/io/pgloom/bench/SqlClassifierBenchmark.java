// Read/write routing's cost per statement: SqlClassifier over the text of a Query message already in a buffer, for
// a short read, a long read with literals and comments, a locking SELECT and a write. -prof gc: B/op should be 0.
package io.pgloom.bench;

import io.pgloom.route.FunctionAllowList;
import io.pgloom.route.SqlClassifier;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SqlClassifierBenchmark {
    @Param({"short-read", "long-read", "for-update", "insert"})
    public String statement;

    private SqlClassifier classifier;
    private byte[] text;

    @Setup
    public void setup() {
        classifier = new SqlClassifier(FunctionAllowList.withDefaults(List.of()));
        String sql = switch (statement) {
            case "short-read" -> "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
            case "long-read" ->
                "/* report */ SELECT c.id, lower(c.name), count(o.id), coalesce(sum(o.total), 0)"
                        + " FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.note <> E'it\\'s INSERT'"
                        + " WHERE c.created_at > now() - interval '30 days' AND c.tag IN ('a', 'b', $$c$$)"
                        + " GROUP BY c.id, c.name ORDER BY 3 DESC LIMIT 50 -- top customers";
            case "for-update" -> "SELECT * FROM jobs WHERE state = 'ready' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED";
            default -> "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, now())";
        };
        text = sql.getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public SqlClassifier.Kind classify() {
        return classifier.classify(text, 0, text.length);
    }
}
